// The human-readable text that replay / compare print without --json (docs/spec.md §1): zone
// geometry, event counts, region and fallback figures and a buddyinfo-style free table for one run,
// or the same metrics side by side, one column per policy, with the difference to the first run.
#pragma once

#include <ostream>
#include <vector>

#include "stats/run_stats.hpp"

namespace memsim {

void write_summary(std::ostream& out, const RunStats& stats);
void write_compare_summary(std::ostream& out, const std::vector<RunStats>& runs);

} // namespace memsim
