// `memsim sweep --merge DIR` and the end of a local sweep (docs/sweep.md): gathers the stats
// documents under DIR/runs, checks that every run of the plan is there exactly once and nothing
// else is, and takes each run's key metrics into a SweepTable (stats/sweep_table.hpp).
#pragma once

#include <string>

#include "sim/sweep_plan.hpp"
#include "stats/sweep_table.hpp"

namespace memsim {

// Throws a one-line InputError for the first problem, files in name order: "DIR/runs/X: ..."
// for a file that is not a run of this plan, under another run's name, or a second copy of a
// run; "DIR: K of N runs missing: ..." when runs are absent. Dot files and the temporary files
// of writes under way or killed (NNNN.json.tmp.PID) are not looked at.
SweepTable merge_sweep_runs(const SweepPlan& plan, const std::string& dir);

} // namespace memsim
