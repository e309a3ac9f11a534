// Copies a byte stream to an unnamed temporary file (O_TMPFILE under $TMPDIR, else /tmp): nothing
// is left behind whatever happens. Used where a reader needs a file it can read twice or seek in
// while its input is standard input or compressed (ftrace text read in two passes, trace.dat).
#pragma once

#include <string>
#include <string_view>

#include "trace/input_stream.hpp"

namespace memsim::trace {

// Writes `head` and then the rest of `input` to a fresh unnamed file; returns its descriptor
// (the caller closes it), positioned at the start. Throws InputError("NAME: cannot spool WHAT to
// DIR: <strerror>") naming the trace and what it holds.
int spool_to_tmpfile(std::string_view head, InputStream& input, const std::string& name,
                     std::string_view what);

} // namespace memsim::trace
