// The progress line of replay and compare on stderr (docs/spec.md §1): shown only when stderr is
// a terminal and the work has taken more than a second, redrawn by a thread of its own five
// times a second and erased when done. It covers both passes over a trace file: first the
// reading pass (bytes read of the file, for the geometry and the event count), then the replay
// (events of the total), each with its rate and time left; on standard input, the bytes read.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace memsim::cli {

class Progress {
public:
  // Starts in the reading phase of `trace_path` ("-": standard input; "": unnamed).
  explicit Progress(const std::string& trace_path);
  // Starts in the replay phase of `total_events` (0: unknown), for work without a reading pass.
  explicit Progress(std::uint64_t total_events) : Progress(std::string()) {
    start_replay(total_events);
  }
  ~Progress(); // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The replay begins; `total_events` 0 when unknown (standard input).
  void start_replay(std::uint64_t total_events);
  // Cheap enough to call after every event: one relaxed store.
  void update(std::uint64_t done) { done_.store(done, std::memory_order_relaxed); }
  void show(std::uint64_t done) { update(done); }
  // Stops the thread and erases the line (before the results are printed).
  void finish();

private:
  void run();
  std::string line(double elapsed) const;

  using Clock = std::chrono::steady_clock;
  std::string name_;
  std::uint64_t file_bytes_ = 0; // the trace file's size (0: standard input or unknown)
  Clock::time_point start_ = Clock::now();
  std::uint64_t bytes_at_start_ = 0;
  std::atomic<bool> replaying_ = false;
  std::atomic<std::uint64_t> total_ = 0;
  std::atomic<std::uint64_t> done_ = 0;
  std::atomic<std::int64_t> replay_start_ns_ = 0; // since start_
  std::atomic<std::uint64_t> bytes_at_replay_ = 0;
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stop_ = false;
  std::thread thread_; // last: starts once everything above exists
};

// Prints `text` and a line end on stderr, above the progress line if one is shown (the line is
// redrawn at the next tick). Use it for every stderr message printed while a Progress lives.
void print_stderr_line(const std::string& text);

} // namespace memsim::cli
