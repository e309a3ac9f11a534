// Running a sweep's runs on this machine (docs/sweep.md): the runs of one trace are cut into
// jobs of at most --jobs runs, each job one read of its trace shared by its runs through
// compare's engine (sim/compare.hpp), and the jobs share a pool of --jobs run slots. The caller
// writes each finished run (cli/sweep_command.cpp: DIR/runs/NNNN.json, atomically).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "memsim/trace.hpp"
#include "sim/sweep_plan.hpp"
#include "stats/run_stats.hpp"

namespace memsim {

// One read of one trace shared by some of its runs.
struct SweepJob {
  std::size_t trace = 0;
  std::vector<std::uint64_t> runs; // run ids, ascending
};

// The runs of `pending` (ascending ids) grouped by trace, each trace's runs cut into balanced
// jobs of at most `slots` runs.
std::vector<SweepJob> plan_sweep_jobs(const SweepPlan& plan,
                                      const std::vector<std::uint64_t>& pending, unsigned slots);

// An opened trace and its timeline interval (as replay would choose it).
struct OpenedTrace {
  std::unique_ptr<TraceReader> reader;
  std::uint64_t interval = 0;
};

struct SweepExecution {
  unsigned slots = 1; // runs replaying at once (--jobs)
  std::function<OpenedTrace(const SweepTrace&)> open;
  // Called for every run as soon as its job has finished, one call at a time.
  std::function<void(const SweepRun&, RunStats&&)> finished;
};

// Runs the jobs, at most `slots` runs at a time, in job order. After a failure no new job
// starts; the jobs under way finish (and their runs are handed to `finished`), then the error of
// the lowest run id is rethrown, its message ending with the run it belongs to.
void execute_sweep(const SweepPlan& plan, const std::vector<SweepJob>& jobs,
                   const SweepExecution& execution);

} // namespace memsim
