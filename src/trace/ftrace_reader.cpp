// The ftrace kmem text reader behind open_ftrace() and open_trace() (docs/spec.md §4.5). Two passes
// over the file: the first finds the geometry, the meta (the highest page allocated, the highest
// CPU, the skipped lines, the failed allocations) and the exact number of events; the second
// converts. In each pass the pipeline of ftrace_pipeline.hpp cuts and parses the lines on other
// threads while the reader's thread converts them, keeping the live allocations by pfn so that
// a free inside a larger live allocation becomes a split followed by order-0 frees.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "trace/ftrace_line.hpp"
#include "trace/ftrace_pipeline.hpp"
#include "trace/input_stream.hpp"
#include "trace/proc_snapshot.hpp"
#include "trace/readers.hpp"

namespace memsim {
namespace {

using trace::LineKind;
using trace::ParsedLine;

constexpr unsigned kMaxOrderBound = 11; // orders 0..10 can enclose a free (docs/spec.md §4.5)
constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kDefaultRegionBytes = std::uint64_t{512} << 20;

using trace::Batch;
using trace::LinePipeline;
using trace::LineRecord;

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
  // order-0 frees (docs/spec.md §4.5).
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
    lines_.emplace(path_, trace::ParseOptions{name_, options_.gfp_pre_4_4, true});
  }

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override {
    while (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      while (record_ == batch_.size()) { // a chunk of skipped lines gives an empty batch
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
    LinePipeline producer(path_, trace::ParseOptions{name_, options_.gfp_pre_4_4, false});
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
        if (r.kind == LineKind::alloc) {
          pass.max_end = std::max(pass.max_end, r.pfn + (std::uint64_t{1} << r.order));
          if (proc_)
            check_in_snapshot_zone(*proc_, options_.proc_in, r.pfn, r.order, where(r.line));
        }
        pass.max_cpu = std::max(pass.max_cpu, static_cast<std::int64_t>(r.cpu));
        converter.convert(r);
        if (proc_) seeded.convert(r);
        // The events the second pass writes: with --proc-in a free covering several blocks
        // declared in use becomes one free per block.
        pass.events += proc_ ? seeded_queue.size() : queue.size();
        queue.clear();
        seeded_queue.clear();
      }
    }
    if (proc_) drop_preallocated(seeded.dropped());
    make_header(pass, producer, converter.unmatched(), proc_ ? seeded.unmatched() : 0);
  }

  void make_header(const FirstPass& pass, const LinePipeline& producer, std::uint64_t unmatched,
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
      // A size with a unit: a bare number in a trace header means pages (docs/spec.md §2).
      header_.zone = {{"memory", fmt::format("{}MiB", (regions * kDefaultRegionBytes) >> 20)},
                      {"start_pfn", 0},
                      {"cpus", cpus}};
    }
    nlohmann::json skipped = nlohmann::json::object();
    for (const auto& [kind, count] : producer.skipped()) skipped[kind] = count;
    nlohmann::json unknown_gfp = nlohmann::json::object();
    for (const auto& [name, count] : producer.unknown_gfp()) unknown_gfp[name] = count;
    header_.meta = {{"source", name_},
                    {"format", "ftrace"},
                    {"lines", producer.lines()},
                    {"events", pass.events},
                    {"failed_in_trace", pass.failed},
                    {"skipped", std::move(skipped)},
                    {"bad_lines", pass.bad},
                    {"highest_page_end", pass.max_end},
                    {"unmatched_frees", unmatched},
                    {"unknown_gfp", std::move(unknown_gfp)}};
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
  std::optional<LinePipeline> lines_;
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
