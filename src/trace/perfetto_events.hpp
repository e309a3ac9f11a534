// One Perfetto FtraceEvent as ftrace text: the kmem page-allocator, compaction and migration
// events and `print` (tracing_mark_write), from their typed messages or from GenericFtraceEvent,
// printed as Linux 6.18's print fmt prints them (fields the proto does not carry, such as
// pageblock_order, are derived as the print fmt derives them). perfetto_source.cpp merges the
// events of the bundles and adds the `COMM-PID [CPU] TS:` prefix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace memsim::trace {

struct PerfettoEvent {
  std::uint64_t ts = 0; // ns
  std::uint32_t pid = 0;
  std::string text; // "EVENT: FIELDS"; empty for an event this reader does not decode
};

// The timestamp of one FtraceEvent (false when it has none), without decoding the event. Throws
// WireError on malformed bytes.
bool read_event_time(std::string_view bytes, std::uint64_t& ts);
// Decodes the bytes of one FtraceEvent into `out`. Throws WireError on malformed bytes.
void decode_ftrace_event(std::string_view bytes, PerfettoEvent& out);

} // namespace memsim::trace
