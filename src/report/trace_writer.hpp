// Writes memsim JSON Lines traces (docs/spec.md §4.2): the header line and one line per event, in
// the layout the readers' fast path parses. Used by `memsim gen` and `memsim import`.
#pragma once

#include <cstdint>
#include <ostream>

#include <fmt/format.h>

#include "memsim/event.hpp"
#include "memsim/trace.hpp"

namespace memsim {

// The header line of `header` ("memsim_trace":1, "zone", "meta", "preallocated" when there
// are blocks), newline included.
std::string trace_header_line(const TraceHeader& header);
// Appends one event as a JSON Lines line, newline included.
void append_event_line(fmt::memory_buffer& buffer, const Event& event);
// Writes the whole trace of `reader` (header line, then every event) to `out`, a megabyte at a
// time; returns the number of events.
std::uint64_t write_trace(std::ostream& out, TraceReader& reader);

} // namespace memsim
