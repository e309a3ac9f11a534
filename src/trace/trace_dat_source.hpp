// trace-cmd's binary trace.dat (file versions 6 and 7, compressed sections included) as ftrace
// text: libtracecmd reads the per-CPU buffers, the records are merged across CPUs in time order
// (the lower CPU first on equal timestamps, as `trace-cmd report` does) and libtraceevent prints
// each with the print fmt the file stores, in `trace-cmd report`'s line shape. input_stream.cpp
// runs it on its producer thread; the ftrace line parser reads the text like any other.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "trace/input_stream.hpp"

namespace memsim::trace {

// True when `head` starts with trace.dat's magic ("\x17\x08\x44tracing").
bool is_trace_dat(const unsigned char* head, std::size_t len);

// The text of the trace.dat open on `fd` (seekable; taken over, closed even on error). Line 1 is
// "# trace.dat version V, N CPUs" (where `trace-cmd report` prints "cpus=N"), then one line per
// record: `COMM-PID [CPU] SECS.USECS: EVENT: FIELDS`, and `CPU:N [EVENTS DROPPED]` where the
// ring buffer lost events. A child process decodes (libtracecmd is not safe on corrupt files);
// read() ends early once `stop` is set (the consumer went away). read() throws InputError
// ("NAME: not a readable trace.dat file ..." or "NAME: corrupt trace.dat: ...") when the child
// could not open the file or did not end cleanly.
std::unique_ptr<InputStream> make_trace_dat_stream(int fd, const std::string& name,
                                                   const std::atomic<bool>* stop);

} // namespace memsim::trace
