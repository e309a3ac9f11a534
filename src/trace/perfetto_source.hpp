// A Perfetto trace (`.perfetto-trace`, `.pftrace`: a protobuf Trace, a sequence of TracePacket)
// as ftrace text: the FtraceEventBundle of each packet (`ftrace_events`, also inside deflate or
// zstd `compressed_packets`) gives per-CPU events, merged here by timestamp (the lower CPU first
// on equal times, as tracefs and trace-cmd do) and printed by perfetto_events.hpp as
// `<...>-PID [CPU] SECS.USECS: EVENT: FIELDS`. input_stream.cpp runs it on its producer thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "trace/input_stream.hpp"

namespace memsim::trace {

// Cheap first test on a file's first bytes: a Trace starts with field 1 (tag 0x0a).
bool may_be_perfetto(const unsigned char* head, std::size_t len);
// The whole test on the first decoded bytes: a TracePacket field whose (first) bytes parse as a
// protobuf message holding a byte that text never holds, so text starting with a blank line is
// still text.
bool looks_like_perfetto(const unsigned char* head, std::size_t len);

// The text of the Perfetto trace read from `input`. Line 1 is "# perfetto trace"; a bundle that
// lost events gives `CPU:N [EVENTS DROPPED]`; the last line counts the events of kinds not
// decoded. read() ends early once `stop` is set. Throws InputError("NAME: packet N: malformed
// ...").
std::unique_ptr<InputStream> make_perfetto_stream(std::unique_ptr<InputStream> input,
                                                  const std::string& name,
                                                  const std::atomic<bool>* stop);

} // namespace memsim::trace
