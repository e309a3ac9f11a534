// The ftrace kmem text reader behind open_ftrace() and open_trace() (docs/spec.md §4.5, §7.1). Two
// passes over the file: the first finds the geometry, the meta (the highest page allocated, the
// highest CPU, the skipped lines, the failed allocations, the buddy-level events), the exact
// number of events and, with --proc-in, the trace's evidence on the machine's start state
// (trace_evidence.hpp); the second converts (ftrace_converter.hpp). In each pass the pipeline of
// ftrace_pipeline.hpp cuts and parses the lines on other threads while the reader's thread
// converts them.
#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "trace/free_hints.hpp"
#include "trace/ftrace_converter.hpp"
#include "trace/ftrace_line.hpp"
#include "trace/ftrace_pipeline.hpp"
#include "trace/input_stream.hpp"
#include "trace/kernel_generation.hpp"
#include "trace/proc_snapshot.hpp"
#include "trace/readers.hpp"
#include "trace/trace_evidence.hpp"

namespace memsim {
namespace {

using trace::Batch;
using trace::Converter;
using trace::LineKind;
using trace::LinePipeline;
using trace::LineRecord;
using trace::ParsedLine;

constexpr unsigned kMaxOrder = 11;             // MAX_ORDER of the snapshots' kernels
constexpr unsigned kDefaultPageblockOrder = 9; // x86-64 with THP (docs/spec.md §7.1)
constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kDefaultRegionBytes = std::uint64_t{512} << 20;

// The /proc snapshot of --proc-in, while the reader needs it.
struct ProcInput {
  ProcFiles files;
  std::optional<std::vector<ZonePages>> dumps;
};

class FtraceReader final : public TraceReader {
public:
  FtraceReader(const std::string& path, const FtraceOptions& options)
      : path_(path), name_(options.name.empty() ? trace::display_name(path) : options.name),
        options_(options), converter_(queue_) {
    if (path == "-")
      throw InputError(name_ + ": ftrace text is read in two passes; give a file, not stdin");
    if (!options.proc_in.empty()) {
      proc_.emplace();
      proc_->files = read_proc_files(options.proc_in, kMaxOrder);
      proc_->dumps = read_page_dumps(proc_->files, kMaxOrder);
    }
    line_options_.gfp_pre_4_4 = options.gfp_pre_4_4;
    line_options_.kernel = proc_ && proc_->files.kernel ? proc_->files.kernel : options.kernel;
    first_pass();
    seed(converter_);
    proc_.reset();
    line_options_.with_time = true;
    lines_.emplace(path_, trace::ParseOptions{name_, line_options_});
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
  // The pages in use by kpageflags, in every zone, live before the trace: both passes convert
  // with the same seeds (so the first pass counts the second's events).
  void seed(Converter& converter) const {
    if (!proc_ || !proc_->dumps) return;
    for (const ZonePages& zone : *proc_->dumps)
      for (const PreallocatedBlock& block : zone.in_use)
        converter.add_preallocated(block.pfn, block.order);
  }

  struct FirstPass {
    std::uint64_t max_end = 0;
    std::int64_t max_cpu = -1;
    std::uint64_t failed = 0;
    std::uint64_t bad = 0;
    std::uint64_t events = 0;
    std::optional<LineRecord> first_alloc; // the first allocation with a pfn
  };

  // An allocation in no zone of the --proc-in snapshot: the snapshot is another machine's.
  void check_zones_hold_trace(const FirstPass& pass, const trace::TraceEvidence& evidence) const {
    if (!proc_ || !pass.first_alloc) return;
    for (const std::uint64_t n : evidence.zone_allocs())
      if (n != 0) return;
    std::string zones;
    for (const ZoneInfo& zone : proc_->files.zones) {
      const std::uint64_t start = zone.start_pfn.value_or(0);
      const std::uint64_t end = start + zone.spanned.value_or(0);
      if (end == start) continue; // an empty zone (Normal on a small machine, Device)
      zones += fmt::format("{}zone {} (pfn {:#x}-{:#x})", zones.empty() ? "" : ", ", zone.name,
                           start, end - 1);
    }
    const LineRecord& r = *pass.first_alloc;
    throw InputError(fmt::format(
        "{}: alloc of pfn {:#x} (order {}) lies outside every zone of the --proc-in snapshot {} "
        "({}), as does every allocation of the trace: the snapshot is of another machine",
        where(r.line), r.pfn, r.order, options_.proc_in, zones));
  }

  trace::TraceEvidence make_evidence() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    if (!proc_) return trace::TraceEvidence(spans, 0, false);
    for (const ZoneInfo& zone : proc_->files.zones) {
      const std::uint64_t start = zone.start_pfn.value_or(0);
      spans.emplace_back(start, start + zone.spanned.value_or(0));
    }
    return trace::TraceEvidence(std::move(spans), proc_->files.pagetypes.pageblock_order, true);
  }

  void first_pass() {
    trace::LineOptions options = line_options_;
    options.with_time = false;
    LinePipeline producer(path_, trace::ParseOptions{name_, options});
    std::vector<Event> queue;
    Converter converter(queue);
    std::vector<Event> seeded_queue;
    Converter seeded(seeded_queue); // with --proc-in: the frees still unmatched
    seed(seeded);
    const bool seeding = proc_ && proc_->dumps;
    trace::TraceEvidence evidence = make_evidence();
    std::optional<trace::FreeHints> hints;
    if (options_.free_hints) hints.emplace();
    FirstPass pass;
    Batch batch;
    while (producer.next_batch(batch)) {
      for (const LineRecord& r : batch) {
        if (r.kind == LineKind::bad) {
          if (!options_.skip_bad_lines) throw InputError(r.text);
          ++pass.bad;
          continue;
        }
        if (r.kind == LineKind::alloc && r.pfn == 0) ++pass.failed;
        if (r.kind == LineKind::alloc && r.pfn != 0) {
          pass.max_end = std::max(pass.max_end, r.pfn + (std::uint64_t{1} << r.order));
          if (!pass.first_alloc) pass.first_alloc = r;
        }
        if (r.kind <= LineKind::free)
          pass.max_cpu = std::max(pass.max_cpu, static_cast<std::int64_t>(r.cpu));
        evidence.add(r);
        if (hints) hints->add(r);
        converter.convert(r);
        if (seeding) seeded.convert(r);
        const std::vector<Event>& counted = seeding ? seeded_queue : queue;
        for (const Event& e : counted) pass.events += is_trace_event(e.op) ? 1 : 0;
        queue.clear();
        seeded_queue.clear();
      }
    }
    if (hints)
      converter_.set_free_hints(
          std::move(*hints).finish(evidence.count(LineKind::pcpu_drain) != 0));
    resolve_kernel(evidence);
    check_zones_hold_trace(pass, evidence);
    if (proc_) {
      StartStateOptions start{options_.zone, &evidence, *header_.kernel, kMaxOrder};
      snap_ = build_start_state(proc_->files, proc_->dumps ? &*proc_->dumps : nullptr, start);
    }
    make_header(pass, producer, evidence, converter.unmatched(),
                seeding ? seeded.unmatched() : converter.unmatched());
  }

  // docs/spec.md §7.2: DIR/version, else --kernel, else the pfn format (hex since 5.14).
  void resolve_kernel(const trace::TraceEvidence& evidence) {
    std::string from;
    if (proc_ && proc_->files.kernel) {
      header_.kernel = proc_->files.kernel;
      from = options_.proc_in + "/version";
    } else if (options_.kernel) {
      header_.kernel = options_.kernel;
      from = "--kernel";
    } else if (evidence.pfn_hex().value_or(true)) {
      header_.kernel = KernelVersion{6, 1};
      from = "default for hex pfns";
    } else {
      header_.kernel = KernelVersion{3, 0};
      from = "default for decimal pfns";
    }
    kernel_from_ = from;
    converter_.set_numbering({*header_.kernel, proc_ && proc_->files.pagetypes.cma});
  }

  void make_header(const FirstPass& pass, const LinePipeline& producer,
                   const trace::TraceEvidence& evidence, std::uint64_t unmatched,
                   std::uint64_t unmatched_with_proc) {
    const std::uint64_t cpus =
        static_cast<std::uint64_t>(std::max<std::int64_t>(pass.max_cpu + 1, 1));
    std::string pageblock_from = "pagetypeinfo";
    if (snap_) {
      header_.zone = {{"memory", snap_->pages},
                      {"start_pfn", snap_->start_pfn},
                      {"pageblock_order", snap_->pageblock_order},
                      {"cpus", std::max<std::uint64_t>(cpus, snap_->cpus)}};
      header_.preallocated = std::move(snap_->preallocated);
      header_.start_state = std::move(snap_->start_state);
    } else {
      const std::uint64_t bytes = pass.max_end * kPageSize;
      const std::uint64_t regions =
          std::max<std::uint64_t>(1, (bytes + kDefaultRegionBytes - 1) / kDefaultRegionBytes);
      const auto extfrag = evidence.extfrag_pageblock_order();
      pageblock_from = extfrag ? "mm_page_alloc_extfrag" : "default";
      // A size with a unit: a bare number in a trace header means pages (docs/spec.md §2).
      header_.zone = {{"memory", fmt::format("{}MiB", (regions * kDefaultRegionBytes) >> 20)},
                      {"start_pfn", 0},
                      {"pageblock_order", extfrag.value_or(kDefaultPageblockOrder)},
                      {"cpus", cpus}};
    }
    nlohmann::json skipped = nlohmann::json::object();
    for (const auto& [kind, count] : producer.skipped()) skipped[kind] = count;
    nlohmann::json unknown_gfp = nlohmann::json::object();
    for (const auto& [name, count] : producer.unknown_gfp()) unknown_gfp[name] = count;
    nlohmann::json kernel_events = nlohmann::json::object();
    for (std::size_t k = 0; k < trace::kKernelEventNames.size(); ++k)
      if (evidence.kernel_events()[k] != 0)
        kernel_events[trace::kKernelEventNames[k]] = evidence.kernel_events()[k];
    header_.meta = {
        {"source", name_},
        {"format", "ftrace"},
        {"lines", producer.lines()},
        {"events", pass.events},
        {"failed_in_trace", pass.failed},
        {"skipped", std::move(skipped)},
        {"buddy_events", std::move(kernel_events)},
        {"bad_lines", pass.bad},
        {"highest_page_end", pass.max_end},
        {"unmatched_frees", unmatched},
        {"kernel",
         {{"version", trace::kernel_version_name(*header_.kernel)}, {"from", kernel_from_}}},
        {"pageblock_order_from", pageblock_from},
        {"unknown_gfp", std::move(unknown_gfp)}};
    if (snap_) header_.meta["proc_in"] = proc_meta(unmatched_with_proc);
    header_.events = pass.events;
    header_.ftrace = true;
  }

  nlohmann::json proc_meta(std::uint64_t unmatched_with_proc) const {
    return {{"dir", options_.proc_in},
            {"zone", snap_->zone_name},
            {"start_pfn", snap_->real_start_pfn},
            {"end_pfn", snap_->real_end_pfn},
            {"uninitialised_pages", snap_->uninitialised_pages},
            {"kpageflags", snap_->has_kpageflags},
            {"free_pages", snap_->free_pages_found},
            {"nr_free_pages", snap_->nr_free_pages},
            {"preallocated_blocks", header_.preallocated.size()},
            {"dropped_blocks", snap_->dropped_blocks},
            {"pcp_blocks", header_.start_state ? header_.start_state->pcp.size() : 0},
            {"unmatched_frees", unmatched_with_proc}};
  }

  std::string path_;
  std::string name_;
  FtraceOptions options_;
  trace::LineOptions line_options_;
  std::optional<ProcInput> proc_;
  std::optional<ProcSnapshot> snap_;
  std::string kernel_from_;
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
    trace::parse_line(line, trace::LineOptions{}, parsed);
    if (parsed.kind != LineKind::unparsed) return true;
  }
  return false;
}

std::unique_ptr<TraceReader> open_ftrace(const std::string& path, const FtraceOptions& options) {
  return std::make_unique<FtraceReader>(path, options);
}

} // namespace memsim
