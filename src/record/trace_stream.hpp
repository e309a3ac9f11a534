// The thread of memsim record that empties the ring buffer while the command runs: it reads
// tracefs `trace_pipe` (the kernel's text, the CPUs merged in time order) without blocking and
// compresses it with zstd into the bundle's trace file, so the buffer only has to hold a burst.
// stop() drains what is left (tracing must be off by then) and finishes the zstd frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace memsim::record {

struct StreamTotals {
  std::uint64_t bytes = 0;       // of text read from trace_pipe
  std::uint64_t lost_lines = 0;  // "CPU:N [LOST M EVENTS]" lines the kernel wrote into the text
  std::uint64_t lost_events = 0; // the M of those lines
};

class TraceStreamer {
public:
  // Opens `pipe` and `out` and starts the thread. Throws InputError when either cannot be opened.
  TraceStreamer(const std::string& pipe, const std::string& out);
  ~TraceStreamer(); // stops (without checking) if stop() was not called
  TraceStreamer(const TraceStreamer&) = delete;
  TraceStreamer& operator=(const TraceStreamer&) = delete;

  // Drains the pipe, finishes the file and joins the thread. Throws InputError on a read, write
  // or compression error the thread met.
  StreamTotals stop();

private:
  void run() noexcept;
  void pump();
  void write_out(const char* data, std::size_t size, bool end);
  void count_lost(const char* data, std::size_t size);

  int pipe_fd_ = -1;
  int out_fd_ = -1;
  std::string out_path_;
  void* zstd_ = nullptr; // ZSTD_CCtx
  std::atomic<bool> stopping_ = false;
  std::string error_;
  std::string tail_; // the unfinished last line of the previous read (for the lost lines)
  StreamTotals totals_;
  std::thread thread_;
};

} // namespace memsim::record
