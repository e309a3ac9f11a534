// The Perfetto reader of perfetto_source.hpp. Field numbers (Perfetto's protos/perfetto/trace/):
// Trace.packet 1 (trace.proto); TracePacket.ftrace_events 1, compressed_packets 50 (deflate,
// zlib-wrapped), zstd_compressed_packets 133 (trace_packet.proto); FtraceEventBundle.cpu 1,
// event 2, lost_events 3 (ftrace/ftrace_event_bundle.proto). Each CPU's events arrive in time
// order, bundle after bundle; the CPUs interleave (traced_probes drains every CPU's buffer about
// every 100 ms, and a CPU may first appear at any point), so an event waits in its CPU's queue
// until it is kMergeWindowNs older than the newest event read, or until the end.
#include "trace/perfetto_source.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include "memsim/error.hpp"
#include "trace/perfetto_events.hpp"
#include "trace/protobuf_wire.hpp"

namespace memsim::trace {
namespace {

constexpr std::size_t kFillBytes = std::size_t{64} << 10;
constexpr std::size_t kMaxPacket = std::size_t{256} << 20;   // bytes of one packet
constexpr std::size_t kMaxInflated = std::size_t{256} << 20; // of one compressed_packets
constexpr std::uint64_t kMergeWindowNs = 5'000'000'000;      // see the file comment
constexpr std::size_t kMaxBuffered = std::size_t{1} << 22;   // events waiting to be merged
constexpr std::uint64_t kMaxCpus = 4096;

// An event waiting to be merged: its FtraceEvent bytes (decoded when it is printed, smaller than
// its text) lie in its CPU's arena.
struct Pending {
  std::uint64_t ts = 0;
  std::uint64_t packet = 0;
  std::uint32_t offset = 0; // in the arena, from CpuQueue::base
  std::uint32_t size = 0;
  bool lost_before = false; // the ring buffer lost events just before this one
};

// One CPU's events in time order, their bytes appended to one arena that is compacted as the
// events before leave it.
class CpuQueue {
public:
  bool empty() const { return events_.empty(); }
  const Pending& front() const { return events_.front(); }
  std::string_view bytes(const Pending& p) const {
    return std::string_view(arena_).substr(p.offset - base_, p.size);
  }
  void push(std::uint64_t ts, std::uint64_t packet, std::string_view bytes) {
    if (bytes.size() > kMaxEventBytes) throw WireError("an event of more than 1 MiB");
    events_.push_back({ts, packet, static_cast<std::uint32_t>(base_ + arena_.size()),
                       static_cast<std::uint32_t>(bytes.size()), std::exchange(lost, false)});
    arena_.append(bytes);
  }
  void pop() {
    events_.pop_front();
    const std::size_t used = events_.empty() ? arena_.size() : events_.front().offset - base_;
    if (used < kCompactBytes || used * 2 < arena_.size()) return;
    arena_.erase(0, used);
    base_ += static_cast<std::uint32_t>(used);
    if (base_ > (1u << 31)) { // keep offsets far from overflowing
      for (Pending& p : events_) p.offset -= base_;
      base_ = 0;
    }
  }
  bool lost = false; // lost events to report before the CPU's next event

private:
  static constexpr std::size_t kMaxEventBytes = std::size_t{1} << 20;
  static constexpr std::size_t kCompactBytes = std::size_t{1} << 20;
  std::deque<Pending> events_;
  std::string arena_;
  std::uint32_t base_ = 0;
};

std::string inflate_packets(std::string_view in) {
  z_stream zs{};
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) throw WireError("cannot initialise zlib");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data())); // zlib is not const-correct
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    const std::size_t used = out.size();
    if (used >= kMaxInflated) rc = Z_MEM_ERROR;
    if (rc != Z_OK) break;
    out.resize(used + (std::size_t{1} << 20));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = 1u << 20;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) rc = Z_DATA_ERROR; // truncated
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw WireError("corrupt compressed_packets (deflate)");
  return out;
}

std::string unzstd_packets(std::string_view in) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) throw WireError("cannot initialise zstd");
  std::string out;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t rc = 1;
  while (rc != 0 && out.size() < kMaxInflated) {
    const std::size_t used = out.size();
    out.resize(used + (std::size_t{1} << 20));
    ZSTD_outBuffer output{out.data() + used, std::size_t{1} << 20, 0};
    rc = ZSTD_decompressStream(ctx, &output, &input);
    out.resize(used + output.pos);
    if (ZSTD_isError(rc) != 0 || (input.pos == input.size && output.pos == 0 && rc != 0)) break;
  }
  ZSTD_freeDCtx(ctx);
  if (rc != 0) throw WireError("corrupt zstd_compressed_packets");
  return out;
}

class PerfettoStream final : public InputStream {
public:
  PerfettoStream(std::unique_ptr<InputStream> input, const std::string& name,
                 const std::atomic<bool>* stop)
      : input_(std::move(input)), name_(name), stop_(stop), text_("# perfetto trace\n") {
    buffer_.resize(std::size_t{1} << 20);
  }

  std::size_t read(char* dst, std::size_t max) override {
    std::size_t done = 0;
    while (done < max) {
      if (pos_ == text_.size() && (stopped() || !refill())) break;
      const std::size_t n = std::min(max - done, text_.size() - pos_);
      std::memcpy(dst + done, text_.data() + pos_, n);
      pos_ += n;
      done += n;
    }
    return done;
  }

private:
  bool stopped() const { return stop_ != nullptr && stop_->load(std::memory_order_relaxed); }
  bool refill() {
    text_.clear();
    pos_ = 0;
    while (text_.size() < kFillBytes && !finished_) {
      if (!input_done_ && read_packet()) {
        emit_ready(false);
        continue;
      }
      input_done_ = true;
      if (emit_ready(true)) continue; // the text is full: more in the next refill
      if (undecoded_ != 0)
        text_ += fmt::format("# perfetto: {} events of other kinds not decoded\n", undecoded_);
      finished_ = true;
    }
    return !text_.empty();
  }

  // Reads one field of the Trace message; false at the end of the input.
  bool read_packet() {
    std::uint64_t tag = 0;
    if (!read_varint_from_input(tag, true)) return false;
    ++packet_;
    const unsigned type = static_cast<unsigned>(tag & 7);
    if (type != 2) malformed("a Trace field that is not a packet");
    std::uint64_t len = 0;
    if (!read_varint_from_input(len, false)) malformed("truncated packet length");
    if (len > kMaxPacket) malformed(fmt::format("packet of {} bytes", len));
    std::string packet(static_cast<std::size_t>(len), '\0');
    if (!read_exact(packet.data(), packet.size())) malformed("truncated packet");
    if ((tag >> 3) != 1) return true; // not a packet: skipped
    try {
      on_packet(packet, 0);
    } catch (const WireError& e) {
      malformed(e.what());
    }
    return true;
  }

  void on_packet(std::string_view packet, int depth) {
    WireReader reader(packet);
    WireField f;
    while (reader.next(f)) {
      if (f.type != WireType::bytes) continue;
      if (f.number == 1) on_bundle(f.bytes);
      if (f.number != 50 && f.number != 133) continue;
      if (depth > 0) throw WireError("compressed packets inside compressed packets");
      const std::string inner = f.number == 50 ? inflate_packets(f.bytes) : unzstd_packets(f.bytes);
      WireReader trace(inner);
      WireField p;
      while (trace.next(p))
        if (p.number == 1 && p.type == WireType::bytes) on_packet(p.bytes, depth + 1);
    }
  }

  void on_bundle(std::string_view bundle) {
    std::uint64_t cpu = 0;
    bool lost = false;
    std::vector<std::string_view> events;
    WireReader reader(bundle);
    WireField f;
    while (reader.next(f)) {
      if (f.number == 1 && f.type == WireType::varint) cpu = f.value;
      if (f.number == 2 && f.type == WireType::bytes) events.push_back(f.bytes);
      if (f.number == 3 && f.type == WireType::varint) lost = f.value != 0;
    }
    if (cpu >= kMaxCpus) throw WireError(fmt::format("bundle of CPU {}", cpu));
    if (queues_.size() <= cpu) queues_.resize(static_cast<std::size_t>(cpu) + 1);
    CpuQueue& queue = queues_[static_cast<std::size_t>(cpu)];
    queue.lost |= lost;
    for (std::string_view bytes : events) {
      std::uint64_t ts = 0;
      read_event_time(bytes, ts);
      if (emitted_any_ && ts < last_emitted_)
        throw WireError(fmt::format("an event of CPU {} at {} ns comes after events {} s later "
                                    "were merged; the CPUs cannot be put in time order",
                                    cpu, ts, kMergeWindowNs / 1'000'000'000));
      queue.push(ts, packet_, bytes);
      newest_ = std::max(newest_, ts);
      ++buffered_;
    }
  }

  // Moves the events that can no longer be preceded by another into the text (all of them
  // `at_end`), until the text holds kFillBytes; true when it stopped for that.
  bool emit_ready(bool at_end) {
    for (;;) {
      if (text_.size() >= kFillBytes) return true;
      std::size_t best = queues_.size();
      for (std::size_t cpu = 0; cpu < queues_.size(); ++cpu) {
        const CpuQueue& q = queues_[cpu];
        if (!q.empty() && (best == queues_.size() || q.front().ts < queues_[best].front().ts))
          best = cpu;
      }
      if (best == queues_.size()) return false;
      const Pending& head = queues_[best].front();
      if (!at_end && head.ts + kMergeWindowNs >= newest_ && buffered_ <= kMaxBuffered) return false;
      emit(best, head);
      queues_[best].pop();
      --buffered_;
    }
  }

  void emit(std::size_t cpu, const Pending& pending) {
    last_emitted_ = pending.ts;
    emitted_any_ = true;
    try {
      decode_ftrace_event(queues_[cpu].bytes(pending), event_);
    } catch (const WireError& e) {
      packet_ = pending.packet;
      malformed(e.what());
    }
    if (event_.text.empty()) {
      ++undecoded_;
      return;
    }
    if (pending.lost_before) text_ += fmt::format("CPU:{} [EVENTS DROPPED]\n", cpu);
    const std::uint64_t usecs = (pending.ts + 500) / 1000; // rounded, as the kernel's ns2usecs
    char prefix[96];
    const auto n =
        fmt::format_to_n(prefix, sizeof prefix, "{:>16}-{:<5} [{:03}] {:>5}.{:06}: ", "<...>",
                         event_.pid, cpu, usecs / 1'000'000, usecs % 1'000'000);
    text_.append(prefix, std::min(n.size, sizeof prefix));
    text_.append(event_.text) += '\n';
  }

  bool read_varint_from_input(std::uint64_t& value, bool end_ok) {
    value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      char byte = 0;
      if (!read_exact(&byte, 1)) {
        if (shift == 0 && end_ok) return false;
        malformed("truncated varint");
      }
      value |= std::uint64_t{static_cast<unsigned char>(byte) & 0x7fu} << shift;
      if ((static_cast<unsigned char>(byte) & 0x80u) == 0) return true;
    }
    malformed("varint longer than 10 bytes");
  }

  bool read_exact(char* dst, std::size_t len) {
    while (len > 0) {
      if (have_ == used_) {
        have_ = input_->read(buffer_.data(), buffer_.size());
        used_ = 0;
        if (have_ == 0) return false;
      }
      const std::size_t n = std::min(len, have_ - used_);
      std::memcpy(dst, buffer_.data() + used_, n);
      used_ += n;
      dst += n;
      len -= n;
    }
    return true;
  }

  [[noreturn]] void malformed(const std::string& what) const {
    throw InputError(
        fmt::format("{}: packet {}: malformed Perfetto trace: {}", name_, packet_, what));
  }

  std::unique_ptr<InputStream> input_;
  std::string name_;
  const std::atomic<bool>* stop_;
  std::vector<char> buffer_;
  std::size_t have_ = 0, used_ = 0;
  std::uint64_t packet_ = 0;
  std::vector<CpuQueue> queues_;
  std::size_t buffered_ = 0;
  std::uint64_t newest_ = 0, last_emitted_ = 0;
  bool emitted_any_ = false;
  std::uint64_t undecoded_ = 0;
  PerfettoEvent event_; // reused by emit()
  bool input_done_ = false;
  bool finished_ = false;
  std::string text_;
  std::size_t pos_ = 0;
};

// The fields of a message parse up to its end, or up to `end` when the message is cut there (a
// field running past the cut is accepted); `binary` tells whether a byte text never holds is seen.
bool parses_as_message(const char* p, const char* stop, const char* end, bool& binary) {
  for (const char* q = p; q < end; ++q) {
    const auto c = static_cast<unsigned char>(*q);
    if (c < 0x09 || (c > 0x0d && c < 0x20)) binary = true;
  }
  const bool cut = stop > end;
  while (p < end) {
    std::uint64_t tag = 0;
    std::uint64_t value = 0;
    if (!read_varint(p, end, tag)) return cut;
    if ((tag >> 3) == 0) return false;
    switch (tag & 7) {
    case 0:
      if (!read_varint(p, end, value)) return cut;
      break;
    case 1:
    case 5: {
      const std::size_t size = (tag & 7) == 1 ? 8 : 4;
      if (static_cast<std::size_t>(end - p) < size) return cut;
      p += size;
      break;
    }
    case 2:
      if (!read_varint(p, end, value)) return cut;
      if (value > static_cast<std::uint64_t>(stop - p)) return false;
      if (value > static_cast<std::uint64_t>(end - p)) return cut;
      p += value;
      break;
    default:
      return false;
    }
  }
  return true;
}

} // namespace

bool may_be_perfetto(const unsigned char* head, std::size_t len) {
  return len > 0 && head[0] == 0x0a;
}

bool looks_like_perfetto(const unsigned char* head, std::size_t len) {
  if (!may_be_perfetto(head, len)) return false;
  const char* p = reinterpret_cast<const char*>(head) + 1;
  const char* end = reinterpret_cast<const char*>(head) + len;
  std::uint64_t size = 0;
  if (!read_varint(p, end, size) || size == 0 || size > kMaxPacket) return false;
  const bool whole = size <= static_cast<std::uint64_t>(end - p);
  const char* stop = p + size;
  bool binary = false;
  return parses_as_message(p, stop, whole ? stop : end, binary) && binary;
}

std::unique_ptr<InputStream> make_perfetto_stream(std::unique_ptr<InputStream> input,
                                                  const std::string& name,
                                                  const std::atomic<bool>* stop) {
  return std::make_unique<PerfettoStream>(std::move(input), name, stop);
}

} // namespace memsim::trace
