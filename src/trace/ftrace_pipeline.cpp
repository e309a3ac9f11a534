// The ftrace parsing pipeline (ftrace_pipeline.hpp): a cutting thread, two parsing workers and
// the consumer, around one mutex. Chunks carry a sequence number; parsed batches wait in a map
// keyed by it until the consumer reaches them and numbers their lines.
#include "trace/ftrace_pipeline.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "trace/input_stream.hpp"

namespace memsim::trace {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kInFlight = 8; // chunks cut but not yet taken by the consumer
constexpr unsigned kWorkers = 2;

struct RawChunk {
  std::uint64_t seq = 0;
  std::vector<char> bytes; // whole lines (the last one may lack its '\n' at the end)
};

// The records' lines count from 1 in the chunk (and a bad record's text lacks its "NAME:LINE: "
// prefix) until the consumer, which knows the lines before the chunk, takes it.
struct ParsedChunk {
  Batch records;
  SkippedCounts skipped;
  SkippedCounts unknown_gfp;
  std::uint64_t lines = 0;
};

} // namespace

struct LinePipeline::State {
  ParseOptions options;
  std::unique_ptr<InputStream> input;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<RawChunk> raw;                    // cut, not yet parsed
  std::map<std::uint64_t, ParsedChunk> parsed; // parsed, not yet taken
  std::vector<std::vector<char>> spare_bytes;
  std::uint64_t cut = 0;   // chunks cut so far
  std::uint64_t taken = 0; // chunks handed to the consumer
  bool end = false;        // the cutter is done (`cut` is final)
  bool stop = false;
  std::exception_ptr error;        // the cutter's, after chunk `cut - 1`
  std::exception_ptr worker_error; // a worker's (no memory): ends the reading at once
  std::uint64_t lines = 0;         // in the taken chunks
  SkippedCounts skipped;           // merged from the taken chunks
  SkippedCounts unknown_gfp;       // merged from the taken chunks

  std::thread cutter;
  std::vector<std::thread> workers;

  void run_cutter();
  void cut_chunks();
  bool publish_raw(RawChunk chunk);
  void run_worker();
  void parse_chunks();
  void parse_chunk(const RawChunk& chunk, ParsedChunk& out) const;
};

void LinePipeline::State::run_cutter() {
  try {
    cut_chunks();
  } catch (...) {
    const std::lock_guard lock(mutex);
    error = std::current_exception();
  }
  {
    const std::lock_guard lock(mutex);
    end = true;
  }
  changed.notify_all();
}

void LinePipeline::State::cut_chunks() {
  std::vector<char> carry; // the unfinished last line of the previous read
  for (std::uint64_t seq = 0;; ++seq) {
    std::vector<char> bytes;
    {
      const std::lock_guard lock(mutex);
      if (!spare_bytes.empty()) {
        bytes = std::move(spare_bytes.back());
        spare_bytes.pop_back();
      }
    }
    bytes.assign(carry.begin(), carry.end());
    bool at_end = false;
    std::size_t cut_at = 0;
    for (;;) { // read until the chunk holds a line end (a line may be longer than a chunk)
      const std::size_t old = bytes.size();
      const std::size_t want = std::max(kChunkBytes, old) - (old >= kChunkBytes ? 0 : old);
      bytes.resize(old + want);
      const std::size_t got = input->read(bytes.data() + old, want);
      bytes.resize(old + got);
      at_end = got < want;
      const void* last = bytes.empty() ? nullptr : ::memrchr(bytes.data(), '\n', bytes.size());
      if (at_end) {
        cut_at = bytes.size();
        break;
      }
      if (last != nullptr) {
        cut_at = static_cast<std::size_t>(static_cast<const char*>(last) - bytes.data()) + 1;
        break;
      }
    }
    carry.assign(bytes.begin() + static_cast<std::ptrdiff_t>(cut_at), bytes.end());
    bytes.resize(cut_at);
    if (bytes.empty()) return;
    if (!publish_raw(RawChunk{seq, std::move(bytes)})) return;
    if (at_end) return;
  }
}

bool LinePipeline::State::publish_raw(RawChunk chunk) {
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return cut - taken < kInFlight || stop; });
    if (stop) return false;
    raw.push_back(std::move(chunk));
    ++cut;
  }
  changed.notify_all();
  return true;
}

void LinePipeline::State::run_worker() {
  try {
    parse_chunks();
  } catch (...) { // out of memory: reported in order like a read error, the rest abandoned
    const std::lock_guard lock(mutex);
    if (!worker_error) worker_error = std::current_exception();
  }
  changed.notify_all();
}

void LinePipeline::State::parse_chunks() {
  for (;;) {
    RawChunk chunk;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [this] { return !raw.empty() || end || stop; });
      if (stop || raw.empty()) return;
      chunk = std::move(raw.front());
      raw.pop_front();
    }
    ParsedChunk out;
    parse_chunk(chunk, out);
    {
      const std::lock_guard lock(mutex);
      parsed.emplace(chunk.seq, std::move(out));
      spare_bytes.push_back(std::move(chunk.bytes));
    }
    changed.notify_all();
  }
}

void LinePipeline::State::parse_chunk(const RawChunk& chunk, ParsedChunk& out) const {
  const char* data = chunk.bytes.data();
  const std::size_t size = chunk.bytes.size();
  out.records.reserve(size / 100);
  ParsedLine line_parsed;
  std::string_view last_name;
  std::uint64_t* last_count = nullptr;
  std::uint64_t line = 1;
  for (std::size_t pos = 0; pos < size; ++line) {
    const void* newline = std::memchr(data + pos, '\n', size - pos);
    const std::size_t stop_at =
        newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - data)
                           : size;
    std::string_view text(data + pos, stop_at - pos);
    pos = stop_at + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    parse_line(text, options.line, line_parsed);
    if (line_parsed.kind == LineKind::unparsed || line_parsed.kind == LineKind::other) {
      const std::string_view kind =
          line_parsed.kind == LineKind::other ? line_parsed.name : "unparsed";
      if (last_count == nullptr || kind != last_name) {
        auto it = out.skipped.find(kind);
        if (it == out.skipped.end()) it = out.skipped.emplace(std::string(kind), 0).first;
        last_name = it->first;
        last_count = &it->second;
      }
      ++*last_count;
      continue;
    }
    if (!line_parsed.unknown_gfp.empty()) {
      auto it = out.unknown_gfp.find(line_parsed.unknown_gfp);
      if (it == out.unknown_gfp.end())
        it = out.unknown_gfp.emplace(std::string(line_parsed.unknown_gfp), 0).first;
      ++it->second;
    }
    LineRecord& r = out.records.emplace_back();
    r.kind = line_parsed.kind;
    r.order = static_cast<std::uint8_t>(line_parsed.order);
    r.mt = line_parsed.mt;
    r.cpu = line_parsed.cpu;
    r.pfn = line_parsed.pfn;
    r.t = line_parsed.t;
    r.line = line;
    r.k = line_parsed.k;
    if (line_parsed.kind == LineKind::mark)
      r.text.assign(line_parsed.label);
    else if (line_parsed.kind == LineKind::bad)
      r.text = fmt::format("malformed {} line: {}", line_parsed.name, line_parsed.message);
  }
  out.lines = line - 1;
}

LinePipeline::LinePipeline(const std::string& path, ParseOptions options)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->input = open_input(path);
  State& s = *state_;
  s.cutter = std::thread([&s] { s.run_cutter(); });
  for (unsigned i = 0; i < kWorkers; ++i) s.workers.emplace_back([&s] { s.run_worker(); });
}

LinePipeline::~LinePipeline() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->changed.notify_all();
  state_->cutter.join();
  for (std::thread& worker : state_->workers) worker.join();
}

bool LinePipeline::next_batch(Batch& batch) {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  s.changed.wait(lock, [&s] {
    return s.parsed.count(s.taken) != 0 || (s.end && s.taken == s.cut) || s.worker_error;
  });
  if (s.worker_error) std::rethrow_exception(s.worker_error);
  const auto it = s.parsed.find(s.taken);
  if (it == s.parsed.end()) {
    if (s.error) std::rethrow_exception(s.error);
    return false;
  }
  batch = std::move(it->second.records);
  for (LineRecord& r : batch) {
    r.line += s.lines;
    if (r.kind == LineKind::bad) r.text = fmt::format("{}:{}: {}", s.options.name, r.line, r.text);
  }
  s.lines += it->second.lines;
  for (auto& [kind, count] : it->second.skipped) s.skipped[kind] += count;
  for (auto& [name, count] : it->second.unknown_gfp) s.unknown_gfp[name] += count;
  s.parsed.erase(it);
  ++s.taken;
  lock.unlock();
  s.changed.notify_all();
  return true;
}

SkippedCounts LinePipeline::skipped() const {
  const std::lock_guard lock(state_->mutex);
  return state_->skipped;
}

SkippedCounts LinePipeline::unknown_gfp() const {
  const std::lock_guard lock(state_->mutex);
  return state_->unknown_gfp;
}

std::uint64_t LinePipeline::lines() const {
  const std::lock_guard lock(state_->mutex);
  return state_->lines;
}

} // namespace memsim::trace
