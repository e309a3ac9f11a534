// Opens a trace's bytes: FileSource reads a file descriptor (and keeps the first bytes it
// peeked at for the magic number), DecodingStream runs a Codec over it, and ThreadedStream moves
// the decoding onto a producer thread that fills a bounded queue of blocks (docs/spec.md §6:
// compressed input is decompressed on a second thread). Binary traces become ftrace text on that
// thread too: a trace.dat (trace_dat_source.hpp) or a Perfetto trace (perfetto_source.hpp), told
// by their first (decompressed) bytes. Plain text is read inline by PlainStream.
#include "trace/input_stream.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memsim/error.hpp"
#include "trace/codecs.hpp"
#include "trace/perfetto_source.hpp"
#include "trace/spool.hpp"
#include "trace/trace_dat_source.hpp"

namespace memsim::trace {
namespace {

constexpr std::size_t kCompressedChunk = std::size_t{1} << 20; // compressed bytes per read(2)
constexpr std::size_t kBlockSize = std::size_t{8} << 20;       // a decoded block between threads
constexpr std::size_t kQueueBlocks = 3;                        // decoded blocks in flight
constexpr int kStopPollMs = 100; // how often a blocked producer looks for a stop request
constexpr std::size_t kContainerSniff = 4096; // decoded bytes that tell trace.dat or Perfetto

std::string errno_message(int err) {
  return std::system_category().message(err);
}

std::atomic<std::uint64_t> g_bytes_read{0}; // input_bytes_read()

class FileSource {
public:
  explicit FileSource(const std::string& path) : name_(display_name(path)) {
    fd_ = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(name_ + ": cannot open: " + errno_message(errno));
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      close_fd();
      throw InputError(name_ + ": cannot open: " + errno_message(EISDIR));
    }
    regular_ = S_ISREG(st.st_mode);
  }
  ~FileSource() { close_fd(); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const { return name_; }

  // Reads the first bytes for the magic numbers; read_some() delivers them again.
  std::string_view sniff() {
    while (head_len_ < kMagicBytes) {
      const std::size_t n = read_fd(head_ + head_len_, kMagicBytes - head_len_, nullptr);
      if (n == 0) break;
      head_len_ += n;
    }
    const auto* head = reinterpret_cast<const unsigned char*>(head_);
    if (const char* other = unsupported_compression(head, head_len_))
      throw InputError(name_ + ": " + other + " is not supported; use gzip, zstd or xz");
    return {head_, head_len_};
  }
  int fd() const { return fd_; }
  // A regular file whose first byte is still unread (a seekable trace.dat can be opened again).
  bool seekable() const { return regular_ && fd_ != STDIN_FILENO; }

  // One read: returns 0 at the end of the input, or once `stop` is set (a consumer gone away).
  std::size_t read_some(char* dst, std::size_t max, const std::atomic<bool>* stop) {
    if (head_pos_ < head_len_) {
      const std::size_t n = std::min(max, head_len_ - head_pos_);
      std::memcpy(dst, head_ + head_pos_, n);
      head_pos_ += n;
      return n;
    }
    return read_fd(dst, max, stop);
  }

private:
  std::size_t read_fd(char* dst, std::size_t max, const std::atomic<bool>* stop) {
    for (;;) {
      if (stop != nullptr && !regular_ && !wait_readable(*stop)) return 0;
      const ssize_t n = ::read(fd_, dst, max);
      if (n >= 0) {
        g_bytes_read.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) throw InputError(name_ + ": read error: " + errno_message(errno));
    }
  }
  // A pipe or terminal may block for ever: poll so that a stop request is seen.
  bool wait_readable(const std::atomic<bool>& stop) {
    pollfd pfd{fd_, POLLIN, 0};
    while (!stop.load(std::memory_order_relaxed)) {
      if (::poll(&pfd, 1, kStopPollMs) != 0) return true; // ready, hung up or error: read tells
    }
    return false;
  }
  void close_fd() {
    if (fd_ > STDIN_FILENO) ::close(fd_);
    fd_ = -1;
  }

  std::string name_;
  int fd_ = -1;
  bool regular_ = false;
  char head_[kMagicBytes] = {};
  std::size_t head_len_ = 0;
  std::size_t head_pos_ = 0;
};

class PlainStream final : public InputStream {
public:
  explicit PlainStream(std::unique_ptr<FileSource> source, const std::atomic<bool>* stop = nullptr)
      : source_(std::move(source)), stop_(stop) {}
  std::size_t read(char* dst, std::size_t max) override {
    std::size_t done = 0;
    while (done < max) {
      const std::size_t n = source_->read_some(dst + done, max - done, stop_);
      if (n == 0) break;
      done += n;
    }
    return done;
  }

private:
  std::unique_ptr<FileSource> source_;
  const std::atomic<bool>* stop_;
};

// Gives back the first bytes that were read to tell the format, then the rest.
class PeekedStream final : public InputStream {
public:
  PeekedStream(std::unique_ptr<InputStream> inner, std::size_t peek) : inner_(std::move(inner)) {
    head_.resize(peek);
    head_.resize(inner_->read(head_.data(), peek));
  }
  const std::string& head() const { return head_; }
  std::size_t read(char* dst, std::size_t max) override {
    std::size_t got = std::min(max, head_.size() - used_);
    std::memcpy(dst, head_.data() + used_, got);
    used_ += got;
    if (got < max && used_ == head_.size()) got += inner_->read(dst + got, max - got);
    return got;
  }

private:
  std::unique_ptr<InputStream> inner_;
  std::string head_;
  std::size_t used_ = 0;
};

class DecodingStream final : public InputStream {
public:
  DecodingStream(std::unique_ptr<FileSource> source, Compression compression,
                 const std::atomic<bool>* stop)
      : source_(std::move(source)), codec_(make_codec(compression)), compression_(compression),
        stop_(stop), in_(kCompressedChunk) {}

  std::size_t read(char* dst, std::size_t max) override {
    CodecBuffers io{in_.data() + in_pos_, in_len_ - in_pos_, reinterpret_cast<unsigned char*>(dst),
                    max, source_end_};
    while (io.out_len > 0 && !finished_) {
      if (io.in_len == 0 && !source_end_) refill(io);
      const std::size_t out_before = io.out_len;
      try {
        finished_ = codec_->decode(io);
      } catch (const CodecError& e) {
        fail(e.what());
      }
      in_pos_ = in_len_ - io.in_len;
      if (!finished_ && io.in_end && io.in_len == 0 && io.out_len == out_before)
        fail("unexpected end of compressed data (truncated file?)");
    }
    return max - io.out_len;
  }

private:
  void refill(CodecBuffers& io) {
    in_len_ = source_->read_some(reinterpret_cast<char*>(in_.data()), in_.size(), stop_);
    in_pos_ = 0;
    source_end_ = in_len_ == 0;
    io.in = in_.data();
    io.in_len = in_len_;
    io.in_end = source_end_;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(source_->name() + ": corrupt " + compression_name(compression_) +
                     " data: " + what);
  }

  std::unique_ptr<FileSource> source_;
  std::unique_ptr<Codec> codec_;
  Compression compression_;
  const std::atomic<bool>* stop_;
  std::vector<unsigned char> in_;
  std::size_t in_pos_ = 0;
  std::size_t in_len_ = 0;
  bool source_end_ = false;
  bool finished_ = false;
};

// A decoded block handed from the producer thread to the reader.
struct Block {
  std::unique_ptr<char[]> data;
  std::size_t len = 0;
};

// Makes the stream the producer thread reads, polling `stop` wherever it may block.
using StreamMaker = std::function<std::unique_ptr<InputStream>(const std::atomic<bool>* stop)>;

class ThreadedStream final : public InputStream {
public:
  explicit ThreadedStream(const StreamMaker& make)
      : inner_(make(&stop_)), producer_([this] { produce(); }) {}
  ~ThreadedStream() override {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    producer_.join();
  }
  ThreadedStream(const ThreadedStream&) = delete;
  ThreadedStream& operator=(const ThreadedStream&) = delete;

  std::size_t read(char* dst, std::size_t max) override {
    std::size_t done = 0;
    while (done < max) {
      if (current_pos_ == current_.len && !take_block()) break;
      const std::size_t n = std::min(max - done, current_.len - current_pos_);
      std::memcpy(dst + done, current_.data.get() + current_pos_, n);
      current_pos_ += n;
      done += n;
    }
    return done;
  }

private:
  // Swaps the used block for the next decoded one; false at the end. Rethrows the producer's
  // error once every block decoded before it has been read.
  bool take_block() {
    std::unique_lock lock(mutex_);
    if (current_.data) spare_.push_back(std::move(current_));
    changed_.notify_all();
    changed_.wait(lock, [this] { return !full_.empty() || producer_done_; });
    if (full_.empty()) {
      if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
      return false;
    }
    current_ = std::move(full_.front());
    full_.pop_front();
    current_pos_ = 0;
    changed_.notify_all();
    return current_.len > 0;
  }

  void produce() {
    try {
      for (;;) {
        Block block = spare_block();
        if (!block.data) break; // stop requested
        block.len = inner_->read(block.data.get(), kBlockSize);
        const bool last = block.len < kBlockSize;
        push_block(std::move(block));
        if (last) break;
      }
    } catch (...) {
      const std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    const std::lock_guard lock(mutex_);
    producer_done_ = true;
    changed_.notify_all();
  }
  Block spare_block() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return full_.size() < kQueueBlocks || stop_; });
    if (stop_) return {};
    if (spare_.empty()) return Block{std::make_unique_for_overwrite<char[]>(kBlockSize), 0};
    Block block = std::move(spare_.back());
    spare_.pop_back();
    return block;
  }
  void push_block(Block block) {
    const std::lock_guard lock(mutex_);
    full_.push_back(std::move(block));
    changed_.notify_all();
  }

  std::atomic<bool> stop_ = false; // before inner_, which polls it
  std::unique_ptr<InputStream> inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> full_;
  std::vector<Block> spare_;
  std::exception_ptr error_;
  bool producer_done_ = false;
  Block current_;
  std::size_t current_pos_ = 0;
  std::thread producer_; // last: starts once everything above exists
};

// The decoded bytes of `source`, as text: a trace.dat (spooled to a file libtracecmd can seek in)
// or a Perfetto trace is converted; anything else is passed on as it is.
std::unique_ptr<InputStream> open_container(std::unique_ptr<FileSource> source,
                                            Compression compression,
                                            const std::atomic<bool>* stop) {
  const std::string name = source->name();
  std::unique_ptr<InputStream> bytes;
  if (compression == Compression::none)
    bytes = std::make_unique<PlainStream>(std::move(source), stop);
  else
    bytes = std::make_unique<DecodingStream>(std::move(source), compression, stop);
  auto peeked = std::make_unique<PeekedStream>(std::move(bytes), kContainerSniff);
  const auto* head = reinterpret_cast<const unsigned char*>(peeked->head().data());
  const std::size_t len = peeked->head().size();
  if (is_trace_dat(head, len)) {
    const int fd = spool_to_tmpfile({}, *peeked, name, "the trace.dat");
    return make_trace_dat_stream(fd, name, stop);
  }
  if (looks_like_perfetto(head, len)) return make_perfetto_stream(std::move(peeked), name, stop);
  return peeked;
}

} // namespace

bool is_binary_kernel_trace(const std::string& path) {
  auto source = std::make_unique<FileSource>(path);
  const std::string_view head = source->sniff();
  const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
  const Compression compression = detect_compression(bytes, head.size());
  if (compression == Compression::none && !may_be_perfetto(bytes, head.size()))
    return is_trace_dat(bytes, head.size());
  std::unique_ptr<InputStream> decoded;
  if (compression == Compression::none)
    decoded = std::make_unique<PlainStream>(std::move(source));
  else
    decoded = std::make_unique<DecodingStream>(std::move(source), compression, nullptr);
  const PeekedStream peeked(std::move(decoded), kContainerSniff);
  const auto* first = reinterpret_cast<const unsigned char*>(peeked.head().data());
  return is_trace_dat(first, peeked.head().size()) ||
         looks_like_perfetto(first, peeked.head().size());
}

std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

std::uint64_t input_bytes_read() {
  return g_bytes_read.load(std::memory_order_relaxed);
}

std::unique_ptr<InputStream> open_input(const std::string& path) {
  auto source = std::make_unique<FileSource>(path);
  const std::string_view head = source->sniff();
  const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
  const Compression compression = detect_compression(bytes, head.size());
  if (compression == Compression::none && is_trace_dat(bytes, head.size()) && source->seekable()) {
    const int fd = ::dup(source->fd());
    if (fd < 0) throw InputError(source->name() + ": cannot open: " + errno_message(errno));
    const std::string name = source->name();
    return std::make_unique<ThreadedStream>(
        [&](const std::atomic<bool>* stop) { return make_trace_dat_stream(fd, name, stop); });
  }
  if (compression == Compression::none && !may_be_perfetto(bytes, head.size()) &&
      !is_trace_dat(bytes, head.size()))
    return std::make_unique<PlainStream>(std::move(source));
  return std::make_unique<ThreadedStream>([&](const std::atomic<bool>* stop) {
    return open_container(std::move(source), compression, stop);
  });
}

} // namespace memsim::trace
