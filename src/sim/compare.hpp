// compare's engine (docs/spec.md §1, §6): one read of a trace fanned out to one thread per run. The
// reading thread cuts the events into shared immutable batches and gives each run its own
// bounded queue of them (memory stays bounded whatever the trace length); each run applies
// them with its own Simulator. The error reported is the one at the earliest event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "memsim/trace.hpp"
#include "sim/compare_plan.hpp"
#include "sim/simulator.hpp"
#include "stats/run_stats.hpp"

namespace memsim {

struct CompareOptions {
  ReplayOptions replay;             // the same for every run
  std::size_t batch_events = 32768; // events per batch (> 0)
  std::size_t queue_batches = 4;    // batches in flight per run (> 0)
};

// Replays `reader` once under every run concurrently and returns their stats in run order.
// `on_read` (optional) is called on the reading thread with the number of events read so far.
// Errors: the problem at the earliest event wins, whatever the thread timing. A run's error
// stands at its event; the reader's after the last event it delivered; building a run (zone,
// preallocated blocks) stands before every event. Between runs at the same place the first run
// in `runs` wins. The winner is rethrown as it was thrown (InputError, InternalError, ...).
std::vector<RunStats> run_compare(TraceReader& reader, const std::string& trace_path,
                                  const std::vector<CompareRun>& runs,
                                  const CompareOptions& options,
                                  const std::function<void(std::uint64_t)>& on_read = {});

} // namespace memsim
