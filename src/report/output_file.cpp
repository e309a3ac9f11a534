// Atomic output files (report/output_file.hpp): a POSIX file descriptor behind a big-buffered
// streambuf that remembers the first errno (so "No space left on device" reaches the user),
// the temp-then-rename commit, and the fixed registry of live temporary paths that a SIGINT
// handler can unlink with async-signal-safe calls only.
#include "report/output_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <streambuf>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;

// The registry of uncommitted temporary files and created directories: the one global of
// memsim, because a signal handler can reach nothing else. A slot is free (0), being filled
// (1), a live file (2) or a live directory (3).
constexpr int kTempSlots = 16;
constexpr std::size_t kTempPathMax = 4096;
struct TempSlot {
  std::atomic<int> state{0};
  char path[kTempPathMax]{};
};
constinit TempSlot g_temp_slots[kTempSlots];
static_assert(std::atomic<int>::is_always_lock_free);

int register_temp(const std::string& path, int live = 2) {
  if (path.size() >= kTempPathMax) return -1; // still removed by the destructor, not on SIGINT
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = 0;
    if (!g_temp_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_temp_slots[i].path, path.c_str(), path.size() + 1);
    g_temp_slots[i].state.store(live, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) noexcept {
  if (slot >= 0) g_temp_slots[slot].state.store(0, std::memory_order_release);
}

} // namespace

// A streambuf over a file descriptor with one large buffer; after the first failed write it
// drops everything and keeps failing, so the ostream goes bad and commit() can report errno.
class FdStreamBuf : public std::streambuf {
public:
  FdStreamBuf(int fd, bool owned) : fd_(fd), owned_(owned), buffer_(kBufferBytes) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  ~FdStreamBuf() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

  int error() const { return error_; }

  // Flushes and (when owned) closes; false with error() set on failure.
  bool finish() {
    const bool flushed = flush_buffer();
    if (owned_ && fd_ >= 0) {
      if (::close(fd_) != 0 && error_ == 0) error_ = errno;
      fd_ = -1;
    }
    return flushed && error_ == 0;
  }

protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return flush_buffer() ? 0 : -1; }

private:
  bool flush_buffer() {
    const char* data = pbase();
    std::size_t left = static_cast<std::size_t>(pptr() - pbase());
    while (left > 0 && error_ == 0) {
      const ssize_t written = ::write(fd_, data, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        error_ = written < 0 ? errno : EIO;
        break;
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return error_ == 0;
  }

  int fd_;
  bool owned_;
  std::vector<char> buffer_;
  int error_ = 0;
};

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    std::cout.flush(); // what was printed before comes first
    buffer_ = std::make_unique<FdStreamBuf>(STDOUT_FILENO, false);
    stream_ = std::make_unique<std::ostream>(buffer_.get());
    return;
  }
  struct stat info {};
  const bool in_place = ::stat(path_.c_str(), &info) == 0 && !S_ISREG(info.st_mode);
  if (!in_place) temp_path_ = fmt::format("{}.tmp.{}", path_, ::getpid());
  const std::string& target = in_place ? path_ : temp_path_;
  const int flags = O_WRONLY | O_TRUNC | O_CLOEXEC | (in_place ? 0 : O_CREAT);
  if (!in_place) slot_ = register_temp(temp_path_); // before open: a signal may come at once
  const int fd = ::open(target.c_str(), flags, 0666);
  if (fd < 0) {
    const int error = errno;
    unregister_temp(slot_);
    fail(error);
  }
  buffer_ = std::make_unique<FdStreamBuf>(fd, true);
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

OutputFile::~OutputFile() {
  if (!committed_) discard();
}

std::ostream& OutputFile::stream() {
  return *stream_;
}

void OutputFile::finish() {
  if (finished_) return;
  stream_->flush();
  if (!buffer_->finish()) fail(buffer_->error());
  if (!*stream_) fail(EIO);
  finished_ = true;
}

void OutputFile::commit() {
  if (committed_) return;
  finish();
  if (!temp_path_.empty() && std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(errno);
  unregister_temp(slot_);
  slot_ = -1;
  committed_ = true;
}

void OutputFile::fail(int error) const {
  const std::string name = path_ == "-" ? std::string("standard output") : path_;
  throw InputError(fmt::format("{}: cannot write: {}", name,
                               std::error_code(error, std::generic_category()).message()));
}

void OutputFile::discard() noexcept {
  stream_.reset();
  buffer_.reset(); // closes the descriptor
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  unregister_temp(slot_);
  slot_ = -1;
}

void remove_uncommitted_outputs() noexcept {
  for (auto& slot : g_temp_slots) {
    if (slot.state.load(std::memory_order_acquire) == 2) ::unlink(slot.path);
  }
  // Nested directories: an outer one empties only once the inner one is gone.
  for (int pass = 0; pass < kTempSlots; ++pass) {
    for (auto& slot : g_temp_slots) {
      if (slot.state.load(std::memory_order_acquire) == 3) ::rmdir(slot.path);
    }
  }
}

OutputDir::OutputDir(std::string path) : path_(std::move(path)) {
  namespace fs = std::filesystem;
  std::error_code error;
  for (fs::path p = fs::path(path_).lexically_normal(); !p.empty() && !fs::exists(p, error);
       p = p.parent_path()) {
    created_.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  for (const std::string& dir : created_) slots_.push_back(register_temp(dir, 3));
  fs::create_directories(path_, error);
  if (error || !fs::is_directory(path_)) {
    const std::string why = error ? error.message() : "a file of that name exists";
    discard();
    throw InputError(fmt::format("{}: cannot create directory: {}", path_, why));
  }
}

OutputDir::~OutputDir() {
  if (!committed_) discard();
}

void OutputDir::discard() noexcept {
  for (const std::string& dir : created_) ::rmdir(dir.c_str()); // deepest first; only if empty
  for (const int slot : slots_) unregister_temp(slot);
  slots_.clear();
  created_.clear();
}

void OutputDir::commit() {
  committed_ = true;
  for (const int slot : slots_) unregister_temp(slot);
  slots_.clear();
}

} // namespace memsim
