// The text of the start-state and validation sections (docs/spec.md §7.1, §7.3) for the summaries
// of replay and compare: a buddyinfo table real / model / diff with the free-page and Σ 2^k·|Δ_k|
// shares, per-CPU pages, pageblocks per type and fallbacks; for compare, one column per run;
// and the recorded run's line (what the replay of the kernel's own placements had to model).
#pragma once

#include <ostream>
#include <vector>

#include "stats/run_stats.hpp"

namespace memsim {

// Nothing when the run has no start_state / validation.
void write_start_state_text(std::ostream& out, const RunStats& stats);
void write_validation_text(std::ostream& out, const RunStats& stats);
void write_compare_validation_text(std::ostream& out, const std::vector<RunStats>& runs);
// The recorded policy's section (docs/spec.md §7.2): one line, nothing for other policies.
void write_recorded_text(std::ostream& out, const RunStats& stats);
// The decision agreement of --predict (docs/spec.md §7.4), both levels; nothing without it.
void write_agreement_text(std::ostream& out, const RunStats& stats);

} // namespace memsim
