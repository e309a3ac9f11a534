// memsim record (docs/formats.md "memsim record"): one recording of the kernel's page-allocator
// events into a bundle directory that replay, compare and import take as it is:
//   DIR/trace.txt.zst   trace_pipe's text, zstd-compressed
//   DIR/begin/, DIR/end/ the /proc snapshots just before tracing starts and just after it stops
//   DIR/meta.json       command, kernel, events, duration, lost events
// The flow: refuse unless root, tracefs and every event are there and no other tracing is set
// up; set the ring buffer up; start the streamer; begin snapshot; tracing on; run the command
// (until it ends, SIGINT or --seconds); tracing off; drain; end snapshot; restore tracefs; check
// the lost-event counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace memsim::record {

struct RecordOptions {
  std::string out_dir;
  bool buddy_events = false; // the buddy-level, compaction and migration events too
  double seconds = 0;        // 0: until the command ends (or SIGINT)
  bool allow_lost = false;
  unsigned buffer_kb = 32768;       // ring buffer per CPU
  std::vector<std::string> command; // empty: record until SIGINT or --seconds
};

struct RecordResult {
  double duration_s = 0;
  std::uint64_t trace_bytes = 0;
  std::uint64_t lost_events = 0;
  int command_status = -1; // exit status (128 + N when killed by signal N); -1: no command
  bool interrupted = false;
  bool timed_out = false;
};

// The events enabled, as "system/event".
std::vector<std::string> recorded_events(bool buddy_events);

// Records into options.out_dir (which must not exist, or be an empty directory). `interrupt`
// becomes true on SIGINT/SIGTERM: the recording then stops as if the command had ended. Throws
// InputError with a one-line message (the bundle directory removed) when it refuses or fails,
// and when events were lost without allow_lost; tracefs is restored in every case.
RecordResult record(const RecordOptions& options, const std::atomic<bool>& interrupt);

} // namespace memsim::record
