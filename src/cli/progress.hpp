// The progress line of replay and compare on stderr: shown only when stderr is a terminal and
// the work has taken more than a second, erased when done (docs/spec.md §1).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace memsim::cli {

class Progress {
public:
  explicit Progress(std::uint64_t total) : total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() {
    if (shown_) fmt::print(stderr, "\r\033[K");
  }

  // Cheap enough to call after every event: looks at the clock every 65536 events.
  void update(std::uint64_t done) {
    if (enabled_ && (done & 0xffff) == 0) show(done);
  }
  // Redraws the line (after a batch of events).
  void show(std::uint64_t done) {
    if (!enabled_) return;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1)) return;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (total_ != 0) {
      fmt::print(stderr, "\rmemsim: {:5.1f}%  {} / {} events  {:.1f} s",
                 100.0 * double(done) / double(total_), done, total_, seconds);
    } else {
      fmt::print(stderr, "\rmemsim: {} events  {:.1f} s", done, seconds);
    }
    shown_ = true;
  }

private:
  std::uint64_t total_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace memsim::cli
