// A recording bundle written by `memsim record` (src/record/recorder.hpp): a directory whose
// meta.json names its trace and its begin / end /proc snapshots. replay, compare and import take
// the directory for the trace; its begin snapshot becomes --proc-in unless one is given.
#pragma once

#include <optional>
#include <string>

namespace memsim::trace {

struct RecordingBundle {
  std::string trace; // DIR/trace.txt.zst
  std::string begin; // DIR/begin ("" when the bundle has none)
  std::string end;   // DIR/end ("" when none)
};

// The bundle at `path` when it is a directory; nullopt for anything else (a file, "-").
// Throws InputError("DIR: ...") for a directory that is not a readable bundle.
std::optional<RecordingBundle> find_recording_bundle(const std::string& path);

} // namespace memsim::trace
