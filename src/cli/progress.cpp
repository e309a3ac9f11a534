// The progress line of cli/progress.hpp. One mutex guards the terminal: the progress thread
// draws under it and print_stderr_line() erases the line under it before a message.
#include "cli/progress.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "trace/input_stream.hpp"

namespace memsim::cli {

namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
constexpr double kQuietSeconds = 1.0; // nothing is shown for work shorter than this

std::mutex g_terminal; // stderr, while a progress line may be shown
bool g_line_shown = false;

std::string megabytes(std::uint64_t bytes) {
  const double mb = static_cast<double>(bytes) / 1e6;
  return mb < 10 ? fmt::format("{:.1f} MB", mb) : fmt::format("{:.0f} MB", mb);
}

std::string time_left(double remaining, double rate) {
  if (rate <= 0) return "";
  const double left = std::max(0.0, remaining / rate);
  return left < 10 ? fmt::format(", {:.1f} s left", left) : fmt::format(", {:.0f} s left", left);
}

} // namespace

Progress::Progress(const std::string& trace_path)
    : name_(trace_path.empty()  ? ""
            : trace_path == "-" ? " <stdin>"
                                : " " + std::filesystem::path(trace_path).filename().string()),
      bytes_at_start_(trace::input_bytes_read()) {
  std::error_code error;
  if (!trace_path.empty() && trace_path != "-") {
    const auto size = std::filesystem::file_size(trace_path, error);
    if (!error) file_bytes_ = static_cast<std::uint64_t>(size);
  }
  if (isatty(STDERR_FILENO) != 0) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  finish();
}

void Progress::finish() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_signal_.notify_all();
  if (thread_.joinable()) thread_.join();
  const std::lock_guard terminal(g_terminal);
  if (g_line_shown) std::fputs("\r\033[K", stderr);
  g_line_shown = false;
}

void Progress::start_replay(std::uint64_t total_events) {
  total_.store(total_events, std::memory_order_relaxed);
  bytes_at_replay_.store(trace::input_bytes_read(), std::memory_order_relaxed);
  replay_start_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count(),
      std::memory_order_relaxed);
  replaying_.store(true, std::memory_order_release);
}

void Progress::run() {
  std::unique_lock lock(mutex_);
  while (!stop_signal_.wait_for(lock, kTick, [this] { return stop_; })) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    if (elapsed < kQuietSeconds) continue;
    const std::string text = line(elapsed);
    const std::lock_guard terminal(g_terminal);
    std::fputs(("\r\033[K" + text).c_str(), stderr);
    std::fflush(stderr);
    g_line_shown = true;
  }
}

std::string Progress::line(double elapsed) const {
  const std::uint64_t bytes = trace::input_bytes_read();
  if (!replaying_.load(std::memory_order_acquire)) {
    const std::uint64_t read = bytes - bytes_at_start_;
    const double rate = static_cast<double>(read) / elapsed;
    if (file_bytes_ == 0)
      return fmt::format("memsim: reading{}: {} ({:.0f} MB/s)  {:.1f} s", name_, megabytes(read),
                         rate / 1e6, elapsed);
    const std::uint64_t shown = std::min(read, file_bytes_);
    return fmt::format("memsim: reading{}: {:4.1f}% ({} of {}, {:.0f} MB/s{})  {:.1f} s", name_,
                       100.0 * static_cast<double>(shown) / static_cast<double>(file_bytes_),
                       megabytes(shown), megabytes(file_bytes_), rate / 1e6,
                       time_left(static_cast<double>(file_bytes_ - shown), rate), elapsed);
  }
  const double since = elapsed - static_cast<double>(replay_start_ns_.load()) / 1e9;
  const std::uint64_t done = done_.load(std::memory_order_relaxed);
  const std::uint64_t total = total_.load(std::memory_order_relaxed);
  const double rate = since > 0 ? static_cast<double>(done) / since : 0;
  if (total == 0)
    return fmt::format("memsim: replaying{}: {} events, {} read ({:.2f} M events/s)  {:.1f} s",
                       name_, format_count(done), megabytes(bytes - bytes_at_replay_.load()),
                       rate / 1e6, elapsed);
  const std::uint64_t shown = std::min(done, total);
  return fmt::format("memsim: replaying{}: {:4.1f}% ({} of {} events, {:.2f} M/s{})  {:.1f} s",
                     name_, 100.0 * static_cast<double>(shown) / static_cast<double>(total),
                     format_count(shown), format_count(total), rate / 1e6,
                     time_left(static_cast<double>(total - shown), rate), elapsed);
}

void print_stderr_line(const std::string& text) {
  const std::lock_guard terminal(g_terminal);
  if (g_line_shown) std::fputs("\r\033[K", stderr);
  std::fputs((text + "\n").c_str(), stderr);
  std::fflush(stderr);
}

} // namespace memsim::cli
