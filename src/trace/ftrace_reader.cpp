// The ftrace kmem text reader behind open_ftrace() and open_trace() (SPEC §4.5). Two passes over
// the file: the first finds the geometry, the meta (the highest page allocated, the highest CPU,
// the skipped lines, the failed allocations) and the exact number of events; the second
// converts. In each pass a producer thread splits and parses the lines (ftrace_line.hpp) into
// batches while the reader's thread converts them, keeping the live allocations by pfn so that
// a free inside a larger live allocation becomes a split followed by order-0 frees.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "trace/ftrace_line.hpp"
#include "trace/input_stream.hpp"
#include "trace/proc_snapshot.hpp"
#include "trace/readers.hpp"

namespace memsim {
namespace {

using trace::LineKind;
using trace::ParsedLine;

constexpr unsigned kMaxOrderBound = 11; // orders 0..10 can enclose a free (SPEC §4.5)
constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kDefaultRegionBytes = std::uint64_t{512} << 20;
constexpr std::size_t kBatchLines = 4096;
constexpr std::size_t kQueuedBatches = 8;

// A line that becomes events (alloc, free, mark) or an error (bad), owning what it needs.
struct LineRecord {
  LineKind kind = LineKind::alloc;
  std::uint8_t order = 0;
  Migratetype mt = Migratetype::unmovable;
  std::uint32_t cpu = 0;
  std::uint64_t pfn = 0;
  double t = 0.0;
  std::uint64_t line = 0;
  std::string text; // mark: the label; bad: the whole error message
};
using Batch = std::vector<LineRecord>;
using SkippedCounts = std::map<std::string, std::uint64_t, std::less<>>;

// Splits and parses the lines of a file on its own thread into a bounded queue of batches;
// counts the lines it does not forward (unparsed, other events) per kind.
class LineProducer {
public:
  LineProducer(const std::string& path, std::string name, bool pre_4_4, bool with_time)
      : source_(std::make_unique<trace::LineSource>(path)), name_(std::move(name)),
        pre_4_4_(pre_4_4), with_time_(with_time) {
    thread_ = std::thread([this] { run(); });
  }
  ~LineProducer() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  LineProducer(const LineProducer&) = delete;
  LineProducer& operator=(const LineProducer&) = delete;

  // Swaps the next batch into `batch` (its old storage is reused); false at the end of the
  // input. Rethrows the producer's error after the lines before it.
  bool next_batch(Batch& batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty() || done_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return false;
    }
    batch.clear();
    spare_.push_back(std::move(batch));
    batch = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return true;
  }
  // Valid once next_batch() returned false.
  const SkippedCounts& skipped() const { return skipped_; }
  std::uint64_t lines() const { return lines_; }

private:
  void run() {
    try {
      produce();
    } catch (...) {
      const std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    changed_.notify_all();
  }

  void produce() {
    ParsedLine parsed;
    std::string_view text;
    Batch batch = take_spare();
    std::string_view last_name;
    std::uint64_t* last_count = nullptr;
    while (source_->next(text)) {
      trace::parse_line(text, pre_4_4_, parsed, with_time_);
      if (parsed.kind == LineKind::unparsed || parsed.kind == LineKind::other) {
        const std::string_view kind = parsed.kind == LineKind::other ? parsed.name : "unparsed";
        if (kind != last_name || last_count == nullptr) {
          auto it = skipped_.find(kind);
          if (it == skipped_.end()) it = skipped_.emplace(std::string(kind), 0).first;
          last_name = it->first;
          last_count = &it->second;
        }
        ++*last_count;
        continue;
      }
      record(parsed, source_->line_number(), batch.emplace_back());
      if (batch.size() == kBatchLines && !publish(batch)) return;
    }
    lines_ = source_->line_number();
    if (!batch.empty()) publish(batch);
  }

  void record(const ParsedLine& parsed, std::uint64_t line, LineRecord& r) const {
    r.kind = parsed.kind;
    r.order = static_cast<std::uint8_t>(parsed.order);
    r.mt = parsed.mt;
    r.cpu = parsed.cpu;
    r.pfn = parsed.pfn;
    r.t = parsed.t;
    r.line = line;
    if (parsed.kind == LineKind::mark) {
      r.text.assign(parsed.label);
    } else if (parsed.kind == LineKind::bad) {
      r.text =
          fmt::format("{}:{}: malformed {} line: {}", name_, line, parsed.name, parsed.message);
    } else {
      r.text.clear();
    }
  }

  Batch take_spare() {
    const std::lock_guard lock(mutex_);
    Batch batch;
    if (!spare_.empty()) {
      batch = std::move(spare_.back());
      spare_.pop_back();
    }
    batch.reserve(kBatchLines);
    return batch;
  }

  // Queues `batch` and gives it a fresh one; false when the reader is gone.
  bool publish(Batch& batch) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return ready_.size() < kQueuedBatches || stop_; });
      if (stop_) return false;
      ready_.push_back(std::move(batch));
    }
    changed_.notify_all();
    batch = take_spare();
    return true;
  }

  std::unique_ptr<trace::LineSource> source_;
  std::string name_;
  bool pre_4_4_;
  bool with_time_;
  SkippedCounts skipped_;
  std::uint64_t lines_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> ready_;
  std::vector<Batch> spare_;
  bool done_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_; // last: started once everything above exists
};

// The order of the live allocation starting at each pfn (kNone: none), in pages of 64 Ki pfns
// allocated on first use: a trace's pfns cluster in the machine's memory, so the live set costs
// a byte per pfn of the memory it touches and a lookup stays in cache (a hash map of every live
// pfn does not).
class LiveOrders {
public:
  static constexpr std::uint8_t kNone = 0xff;

  std::uint8_t get(std::uint64_t pfn) const {
    const std::uint8_t* page = find_page(pfn >> kPageShift);
    return page == nullptr ? kNone : page[pfn & kPageMask];
  }
  void set(std::uint64_t pfn, std::uint8_t order) {
    page_for(pfn >> kPageShift)[pfn & kPageMask] = order;
  }
  void erase(std::uint64_t pfn) {
    std::uint8_t* page = find_page(pfn >> kPageShift);
    if (page != nullptr) page[pfn & kPageMask] = kNone;
  }

private:
  static constexpr unsigned kPageShift = 16;
  static constexpr std::uint64_t kPageMask = (std::uint64_t{1} << kPageShift) - 1;

  std::uint8_t* find_page(std::uint64_t index) const {
    if (index == last_index_) return last_page_;
    const auto it = pages_.find(index);
    if (it == pages_.end()) return nullptr;
    last_index_ = index;
    last_page_ = it->second.get();
    return last_page_;
  }
  std::uint8_t* page_for(std::uint64_t index) {
    std::uint8_t* page = find_page(index);
    if (page != nullptr) return page;
    auto fresh = std::make_unique<std::uint8_t[]>(std::size_t{1} << kPageShift);
    std::fill_n(fresh.get(), std::size_t{1} << kPageShift, kNone);
    page = fresh.get();
    pages_.emplace(index, std::move(fresh));
    last_index_ = index;
    last_page_ = page;
    return page;
  }

  absl::flat_hash_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> pages_;
  mutable std::uint64_t last_index_ = ~std::uint64_t{0};
  mutable std::uint8_t* last_page_ = nullptr;
};

// Turns line records into memsim events, tracking live allocations by pfn for splits.
class Converter {
public:
  explicit Converter(std::vector<Event>& queue) : queue_(queue) {}

  // A block live before the trace (--proc-in): a free covering several of them frees each.
  void add_preallocated(std::uint64_t pfn, unsigned order) {
    live_.set(pfn, static_cast<std::uint8_t>(order | kPreallocated));
    seeded_ = true;
  }
  // The preallocated blocks (first pfns) that the trace allocated before freeing them: they were
  // free when tracing began (pages on per-CPU lists look in use in kpageflags), so they are
  // dropped (D29).
  const std::vector<std::uint64_t>& dropped() const { return dropped_; }

  void convert(const LineRecord& r) {
    switch (r.kind) {
    case LineKind::mark: {
      Event& e = push(r);
      e.op = EventOp::mark;
      e.label = r.text;
      break;
    }
    case LineKind::alloc: {
      if (r.pfn == 0) break;
      if (seeded_) drop_preallocated(r.pfn, r.order);
      live_.set(r.pfn, r.order);
      Event& e = push(r);
      e.op = EventOp::alloc;
      e.id = r.pfn;
      e.order = r.order;
      e.has_order = true;
      e.mt = r.mt;
      break;
    }
    case LineKind::free:
      free(r);
      break;
    default:
      break;
    }
  }
  // Frees of a pfn that was not live (replay counts them as unmatched).
  std::uint64_t unmatched() const { return unmatched_; }

private:
  static constexpr std::uint8_t kPreallocated = 0x80;
  static constexpr std::uint8_t kOrderMask = 0x7f;

  Event& push(const LineRecord& r) {
    Event& e = queue_.emplace_back();
    e.cpu = r.cpu;
    e.t = r.t;
    e.has_t = true;
    e.pos = r.line;
    return e;
  }
  void push_free(const LineRecord& r, std::uint64_t pfn, unsigned order) {
    Event& e = push(r);
    e.op = EventOp::free;
    e.id = pfn;
    e.order = static_cast<std::uint8_t>(order);
    e.has_order = true;
  }

  void free(const LineRecord& r) {
    const std::uint8_t live = live_.get(r.pfn);
    if (live != LiveOrders::kNone && (live & kOrderMask) == r.order) {
      live_.erase(r.pfn);
      return push_free(r, r.pfn, r.order);
    }
    if (split(r)) return;
    if (live != LiveOrders::kNone && (live & kPreallocated) != 0 && (live & kOrderMask) < r.order)
      return free_preallocated(r);
    if (live == LiveOrders::kNone)
      ++unmatched_;
    else
      live_.erase(r.pfn);
    push_free(r, r.pfn, r.order);
  }

  // A free inside a live allocation of a higher order (its first page included) becomes split +
  // order-0 frees (SPEC §4.5).
  bool split(const LineRecord& r) {
    for (unsigned k = r.order + 1u; k < kMaxOrderBound; ++k) {
      const std::uint64_t head = r.pfn & ~((std::uint64_t{1} << k) - 1);
      const std::uint8_t live = live_.get(head);
      if (live == LiveOrders::kNone || (live & kOrderMask) != k) continue;
      for (std::uint64_t p = head; p < head + (std::uint64_t{1} << k); ++p) live_.set(p, 0);
      Event& e = push(r);
      e.op = EventOp::split;
      e.id = head;
      for (std::uint64_t p = r.pfn; p < r.pfn + (std::uint64_t{1} << r.order); ++p) {
        live_.erase(p);
        push_free(r, p, 0);
      }
      return true;
    }
    return false;
  }

  void drop_preallocated(std::uint64_t pfn, unsigned order) {
    const auto drop = [this](std::uint64_t head) {
      const std::uint8_t live = live_.get(head);
      if (live == LiveOrders::kNone || (live & kPreallocated) == 0) return false;
      live_.erase(head);
      dropped_.push_back(head);
      return true;
    };
    for (std::uint64_t p = pfn; p < pfn + (std::uint64_t{1} << order); ++p) drop(p);
    for (unsigned k = order + 1u; k < kMaxOrderBound; ++k) {
      const std::uint64_t head = pfn & ~((std::uint64_t{1} << k) - 1);
      if ((live_.get(head) & kOrderMask) == k && drop(head)) break;
    }
  }

  // A free starting on a smaller block live before the trace: one free per such block it
  // covers (--proc-in declares pages one by one unless kpageflags shows a compound page).
  void free_preallocated(const LineRecord& r) {
    const std::uint64_t end = r.pfn + (std::uint64_t{1} << r.order);
    for (std::uint64_t p = r.pfn; p < end;) {
      const std::uint8_t live = live_.get(p);
      if (live == LiveOrders::kNone) {
        ++p;
        continue;
      }
      const unsigned order = live & kOrderMask;
      live_.erase(p);
      push_free(r, p, order);
      p += std::uint64_t{1} << order;
    }
  }

  std::vector<Event>& queue_;
  LiveOrders live_; // first pfn -> order (| kPreallocated)
  std::uint64_t unmatched_ = 0;
  bool seeded_ = false;
  std::vector<std::uint64_t> dropped_;
};

class FtraceReader final : public TraceReader {
public:
  FtraceReader(const std::string& path, const FtraceOptions& options)
      : path_(path), name_(options.name.empty() ? trace::display_name(path) : options.name),
        options_(options), converter_(queue_) {
    if (path == "-")
      throw InputError(name_ + ": ftrace text is read in two passes; give a file, not stdin");
    if (!options.proc_in.empty()) proc_ = read_proc_snapshot(options.proc_in);
    first_pass();
    if (proc_) seed(converter_);
    lines_.emplace(path_, name_, options_.gfp_pre_4_4, true);
  }

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override {
    while (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      if (record_ == batch_.size()) {
        record_ = 0;
        if (!lines_->next_batch(batch_)) return false;
      }
      const LineRecord& r = batch_[record_++];
      if (r.kind == LineKind::bad) {
        if (options_.skip_bad_lines) continue;
        throw InputError(r.text);
      }
      converter_.convert(r);
    }
    out = std::move(queue_[head_++]);
    return true;
  }
  std::string where(std::uint64_t pos) const override { return fmt::format("{}:{}", name_, pos); }

private:
  void seed(Converter& converter) const {
    for (const PreallocatedBlock& block : proc_->preallocated)
      if (block.id) converter.add_preallocated(block.pfn, block.order);
  }

  struct FirstPass {
    std::uint64_t max_end = 0;
    std::int64_t max_cpu = -1;
    std::uint64_t failed = 0;
    std::uint64_t bad = 0;
    std::uint64_t events = 0;
  };

  void first_pass() {
    LineProducer producer(path_, name_, options_.gfp_pre_4_4, false);
    std::vector<Event> queue;
    Converter converter(queue);
    std::vector<Event> seeded_queue;
    Converter seeded(seeded_queue); // with --proc-in: the frees still unmatched
    if (proc_) seed(seeded);
    FirstPass pass;
    Batch batch;
    while (producer.next_batch(batch)) {
      for (const LineRecord& r : batch) {
        if (r.kind == LineKind::bad) {
          if (!options_.skip_bad_lines) throw InputError(r.text);
          ++pass.bad;
          continue;
        }
        if (r.kind == LineKind::alloc && r.pfn == 0) {
          ++pass.failed;
          continue;
        }
        if (r.kind == LineKind::alloc)
          pass.max_end = std::max(pass.max_end, r.pfn + (std::uint64_t{1} << r.order));
        pass.max_cpu = std::max(pass.max_cpu, static_cast<std::int64_t>(r.cpu));
        converter.convert(r);
        pass.events += queue.size();
        queue.clear();
        if (proc_) {
          seeded.convert(r);
          seeded_queue.clear();
        }
      }
    }
    if (proc_) drop_preallocated(seeded.dropped());
    make_header(pass, producer, converter.unmatched(), proc_ ? seeded.unmatched() : 0);
  }

  void make_header(const FirstPass& pass, const LineProducer& producer, std::uint64_t unmatched,
                   std::uint64_t unmatched_with_proc) {
    const std::uint64_t cpus =
        static_cast<std::uint64_t>(std::max<std::int64_t>(pass.max_cpu + 1, 1));
    if (proc_) {
      header_.zone = {{"memory", proc_->pages},
                      {"start_pfn", proc_->start_pfn},
                      {"pageblock_order", proc_->pageblock_order},
                      {"cpus", std::max<std::uint64_t>(cpus, proc_->cpus)}};
      header_.preallocated = proc_->preallocated;
    } else {
      const std::uint64_t bytes = pass.max_end * kPageSize;
      const std::uint64_t regions =
          std::max<std::uint64_t>(1, (bytes + kDefaultRegionBytes - 1) / kDefaultRegionBytes);
      // A size with a unit: a bare number in a trace header means pages (SPEC §2).
      header_.zone = {{"memory", fmt::format("{}MiB", (regions * kDefaultRegionBytes) >> 20)},
                      {"start_pfn", 0},
                      {"cpus", cpus}};
    }
    nlohmann::json skipped = nlohmann::json::object();
    for (const auto& [kind, count] : producer.skipped()) skipped[kind] = count;
    header_.meta = {{"source", name_},
                    {"format", "ftrace"},
                    {"lines", producer.lines()},
                    {"events", pass.events},
                    {"failed_in_trace", pass.failed},
                    {"skipped", std::move(skipped)},
                    {"bad_lines", pass.bad},
                    {"highest_page_end", pass.max_end},
                    {"unmatched_frees", unmatched}};
    if (proc_) header_.meta["proc_in"] = proc_meta(unmatched_with_proc);
    header_.events = pass.events;
    header_.ftrace = true;
  }

  void drop_preallocated(std::vector<std::uint64_t> dropped) {
    dropped_ = dropped.size();
    std::sort(dropped.begin(), dropped.end());
    std::erase_if(proc_->preallocated, [&](const PreallocatedBlock& block) {
      return block.id && std::binary_search(dropped.begin(), dropped.end(), block.pfn);
    });
  }

  nlohmann::json proc_meta(std::uint64_t unmatched_with_proc) const {
    return {{"dir", options_.proc_in},
            {"zone", proc_->zone_name},
            {"start_pfn", proc_->real_start_pfn},
            {"end_pfn", proc_->real_end_pfn},
            {"kpageflags", proc_->has_kpageflags},
            {"free_pages", proc_->free_pages_found},
            {"nr_free_pages", proc_->nr_free_pages},
            {"preallocated_blocks", proc_->preallocated.size()},
            {"dropped_blocks", dropped_},
            {"unmatched_frees", unmatched_with_proc}};
  }

  std::string path_;
  std::string name_;
  FtraceOptions options_;
  std::optional<ProcSnapshot> proc_;
  std::size_t dropped_ = 0; // preallocated blocks the trace allocated first
  TraceHeader header_;
  std::optional<LineProducer> lines_;
  Batch batch_;
  std::size_t record_ = 0;
  std::vector<Event> queue_;
  std::size_t head_ = 0;
  Converter converter_;
};

} // namespace

bool looks_like_ftrace(std::string_view head) {
  std::size_t begin = 0;
  for (int lines = 0; lines < 32 && begin < head.size(); ++lines) {
    std::size_t end = head.find('\n', begin);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    if (line[first] == '{' || line[first] == '[') return false; // JSON
    if (line[first] == '#') return true;                        // a tracer header
    ParsedLine parsed;
    trace::parse_line(line, false, parsed);
    if (parsed.kind != LineKind::unparsed) return true;
  }
  return false;
}

std::unique_ptr<TraceReader> open_ftrace(const std::string& path, const FtraceOptions& options) {
  return std::make_unique<FtraceReader>(path, options);
}

} // namespace memsim
