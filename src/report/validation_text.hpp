// The text of the start-state and validation sections (docs/spec.md §7.1, §7.3) for the summaries
// of replay and compare: a buddyinfo table real / model / diff with the free-page and Σ 2^k·|Δ_k|
// shares, per-CPU pages, pageblocks per type and fallbacks; for compare, one column per run.
#pragma once

#include <ostream>
#include <vector>

#include "stats/run_stats.hpp"

namespace memsim {

// Nothing when the run has no start_state / validation.
void write_start_state_text(std::ostream& out, const RunStats& stats);
void write_validation_text(std::ostream& out, const RunStats& stats);
void write_compare_validation_text(std::ostream& out, const std::vector<RunStats>& runs);

} // namespace memsim
