// TraceStreamer (trace_stream.hpp): non-blocking read(2) of trace_pipe (at most a page per call,
// the kernel's limit), poll(2) with a 100 ms timeout while the buffer is empty, and streaming
// ZSTD_compressStream2 (level 3) into the output file.
#include "record/trace_stream.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>
#include <zstd.h>

#include "memsim/error.hpp"

namespace memsim::record {
namespace {

constexpr int kPollMs = 100;
constexpr std::size_t kReadBytes = std::size_t{1} << 16;

ZSTD_CCtx* cctx(void* p) {
  return static_cast<ZSTD_CCtx*>(p);
}

} // namespace

TraceStreamer::TraceStreamer(const std::string& pipe, const std::string& out) : out_path_(out) {
  pipe_fd_ = ::open(pipe.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (pipe_fd_ < 0)
    throw InputError(fmt::format("{}: cannot open: {}", pipe, std::strerror(errno)));
  out_fd_ = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd_ < 0) {
    ::close(pipe_fd_);
    throw InputError(fmt::format("{}: cannot create: {}", out, std::strerror(errno)));
  }
  zstd_ = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx(zstd_), ZSTD_c_compressionLevel, 3);
  thread_ = std::thread([this] { run(); });
}

TraceStreamer::~TraceStreamer() {
  if (thread_.joinable()) {
    stopping_ = true;
    thread_.join();
  }
  ZSTD_freeCCtx(cctx(zstd_));
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
  if (out_fd_ >= 0) ::close(out_fd_);
}

StreamTotals TraceStreamer::stop() {
  stopping_ = true;
  thread_.join();
  if (error_.empty() && ::fsync(out_fd_) != 0)
    error_ = fmt::format("{}: write error: {}", out_path_, std::strerror(errno));
  if (::close(out_fd_) != 0 && error_.empty())
    error_ = fmt::format("{}: write error: {}", out_path_, std::strerror(errno));
  out_fd_ = -1;
  if (!error_.empty()) throw InputError(error_);
  return totals_;
}

void TraceStreamer::run() noexcept {
  try {
    pump();
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

// Reads until stop() is asked and the pipe is empty (a read that would block), then ends the
// frame.
void TraceStreamer::pump() {
  std::vector<char> buf(kReadBytes);
  for (;;) {
    const ssize_t n = ::read(pipe_fd_, buf.data(), buf.size());
    if (n > 0) {
      totals_.bytes += static_cast<std::uint64_t>(n);
      count_lost(buf.data(), static_cast<std::size_t>(n));
      write_out(buf.data(), static_cast<std::size_t>(n), false);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN)
      throw InputError(fmt::format("trace_pipe: read error: {}", std::strerror(errno)));
    if (stopping_) break;
    pollfd pfd{pipe_fd_, POLLIN, 0};
    ::poll(&pfd, 1, kPollMs);
  }
  write_out(nullptr, 0, true);
}

void TraceStreamer::write_out(const char* data, std::size_t size, bool end) {
  std::vector<char> out(ZSTD_CStreamOutSize());
  ZSTD_inBuffer in{data, size, 0};
  for (;;) {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    const std::size_t left =
        ZSTD_compressStream2(cctx(zstd_), &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left) != 0)
      throw InputError(fmt::format("{}: zstd: {}", out_path_, ZSTD_getErrorName(left)));
    for (std::size_t done = 0; done < o.pos;) {
      const ssize_t w = ::write(out_fd_, out.data() + done, o.pos - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        throw InputError(fmt::format("{}: write error: {}", out_path_, std::strerror(errno)));
      done += static_cast<std::size_t>(w);
    }
    if (end ? left == 0 : in.pos == in.size) return;
  }
}

// The kernel marks a gap in trace_pipe's text with "CPU:%d [LOST %lu EVENTS]".
void TraceStreamer::count_lost(const char* data, std::size_t size) {
  tail_.append(data, size);
  std::size_t begin = 0;
  for (std::size_t nl; (nl = tail_.find('\n', begin)) != std::string::npos; begin = nl + 1) {
    if (tail_.compare(begin, 4, "CPU:") != 0) continue;
    const std::size_t lost = tail_.find("[LOST ", begin);
    if (lost == std::string::npos || lost > nl) continue;
    ++totals_.lost_lines;
    totals_.lost_events += std::strtoull(tail_.c_str() + lost + 6, nullptr, 10);
  }
  tail_.erase(0, begin);
}

} // namespace memsim::record
