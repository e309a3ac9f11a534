// The timeline's point at the end of the trace. The simulator samples every --interval events
// and at marks (docs/semantics.md D10), so the last sample is usually some events before the
// end; the report and the CSV add the end state (the summary's figures) as a last point, so a
// chart ends where the summary stands. The stats document's timeline is left as it is
// (docs/decisions.md D69).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "stats/run_stats.hpp"

namespace memsim {

// Whether a timeline lacks a sample at the last of `events` events.
bool needs_end_sample(const std::vector<TimelineSample>& timeline, std::uint64_t events);
// The end state of a run as a timeline sample at its last event.
TimelineSample end_sample(const RunStats& stats);
// stats.timeline, and the end sample when needs_end_sample().
std::vector<TimelineSample> timeline_with_end(const RunStats& stats);

} // namespace memsim
