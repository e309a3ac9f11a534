// The /proc snapshot memsim record takes just before tracing starts and just after it stops
// (docs/spec.md §7.1): buddyinfo, pagetypeinfo, zoneinfo, vmstat, `version` (/proc/version) and the
// binary kpageflags and kpagecount (8 bytes per pfn), copied into a directory that --proc-in and
// --proc-expect read.
#pragma once

#include <string>

namespace memsim::record {

// Copies the files into `dir` (created). Throws InputError("PATH: ...") on the first failure.
void take_proc_snapshot(const std::string& dir);

} // namespace memsim::record
