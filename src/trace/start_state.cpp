// build_start_state() (proc_snapshot.hpp): the chosen zone's real state when tracing began
// (docs/spec.md §7.1). The page dump says which pages were free or in use; the trace, which saw
// what happened next, corrects it: a page first taken from the buddy was free, one first found on
// a per-CPU list was there (on that CPU's list), one first freed was in use. The free pages are
// split canonically and compared with buddyinfo; the pageblock types come from
// pageblock_types.cpp.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/kernel_generation.hpp"
#include "trace/pageblock_types.hpp"
#include "trace/proc_snapshot.hpp"
#include "trace/trace_evidence.hpp"

namespace memsim {
namespace {

using trace::FirstTouch;

enum class PageState : std::uint8_t { free, in_use, reserved, pcp };

constexpr std::uint64_t kSectionPages = 32768;

// The zone with the most allocations of the trace; ties and no allocations: the most present.
std::size_t choose_zone(const ProcFiles& files, const StartStateOptions& options) {
  if (!options.zone.empty()) {
    const ZoneInfo& named = zone_named(files, options.zone);
    return static_cast<std::size_t>(&named - files.zones.data());
  }
  std::optional<std::size_t> best;
  const auto allocs = [&](std::size_t z) -> std::uint64_t {
    return options.evidence != nullptr ? options.evidence->zone_allocs()[z] : 0;
  };
  for (std::size_t z = 0; z < files.zones.size(); ++z) {
    const ZoneInfo& zone = files.zones[z];
    if (zone.present == 0) continue;
    if (!best || allocs(z) > allocs(*best) ||
        (allocs(z) == allocs(*best) && zone.present > files.zones[*best].present))
      best = z;
  }
  if (!best)
    throw InputError(fmt::format("{}: no zone with present pages",
                                 (std::filesystem::path(files.dir) / "zoneinfo").string()));
  return *best;
}

// [from, to) as the fewest blocks aligned to their order (at most max_order - 1).
template <typename Add>
void for_each_aligned(std::uint64_t from, std::uint64_t to, unsigned max_order, Add&& add) {
  while (from < to) {
    unsigned order = 0;
    while (order + 1 < max_order && from % (std::uint64_t{2} << order) == 0 &&
           from + (std::uint64_t{2} << order) <= to)
      ++order;
    add(from, order);
    from += std::uint64_t{1} << order;
  }
}

void append_edge(std::vector<PreallocatedBlock>& out, std::uint64_t from, std::uint64_t to,
                 unsigned max_order) {
  for_each_aligned(from, to, max_order, [&](std::uint64_t pfn, unsigned order) {
    out.push_back(PreallocatedBlock{pfn, order, Migratetype::unmovable, std::nullopt});
  });
}

class Builder {
public:
  Builder(const ProcFiles& files, const std::vector<ZonePages>* dumps,
          const StartStateOptions& options)
      : files_(files), dumps_(dumps), options_(options), zone_index_(choose_zone(files, options)),
        zone_(files.zones[zone_index_]) {}

  ProcSnapshot run();

private:
  const trace::TraceEvidence* evidence() const { return options_.evidence; }
  void geometry();
  void page_states(const ZonePages& pages);
  void claim_pcp();
  void free_blocks();
  void pageblocks();
  void zone_parameters();
  void report();
  PageState& state(std::uint64_t pfn) { return states_[pfn - snap_.real_start_pfn]; }

  const ProcFiles& files_;
  const std::vector<ZonePages>* dumps_;
  const StartStateOptions& options_;
  std::size_t zone_index_;
  const ZoneInfo& zone_;
  ProcSnapshot snap_;
  StartState start_;
  std::vector<PageState> states_;            // [real_start_pfn, real_end_pfn)
  std::vector<PageClass> classes_;           // the same span, from the dump
  std::vector<std::uint64_t> free_by_order_; // the canonical split
  std::uint64_t grown_pages_ = 0;            // uninitialised at the snapshot, touched by the trace
  std::uint64_t preallocated_pages_ = 0;
  PageblockTypes types_;
};

void Builder::geometry() {
  const std::string zoneinfo = (std::filesystem::path(files_.dir) / "zoneinfo").string();
  check_zone_span(zone_, zoneinfo);
  snap_.zone_name = zone_.name;
  snap_.real_start_pfn = *zone_.start_pfn;
  snap_.real_end_pfn = *zone_.start_pfn + *zone_.spanned;
  snap_.present = zone_.present;
  snap_.managed = zone_.managed;
  snap_.nr_free_pages = zone_.nr_free_pages;
  for (const ZonePageset& set : zone_.pagesets) snap_.cpus = std::max(snap_.cpus, set.cpu + 1);
  snap_.pageblock_order = files_.pagetypes.pageblock_order;
  if (dumps_ != nullptr && (*dumps_)[zone_index_].covered) {
    const ZonePages& pages = (*dumps_)[zone_index_];
    snap_.uninitialised_pages = pages.uninitialised;
    std::uint64_t end = pages.end_pfn;
    if (evidence() != nullptr && pages.uninitialised != 0) { // grown during the trace
      const std::uint64_t touched = evidence()->touched_end(end, snap_.real_end_pfn);
      if (touched > end) {
        end = std::min(snap_.real_end_pfn,
                       (touched + kSectionPages - 1) / kSectionPages * kSectionPages);
        grown_pages_ = end - pages.end_pfn;
      }
    }
    snap_.real_end_pfn = end;
  }
  const std::uint64_t block = std::uint64_t{1} << (options_.max_order - 1);
  snap_.start_pfn = snap_.real_start_pfn / block * block;
  snap_.pages = (snap_.real_end_pfn + block - 1) / block * block - snap_.start_pfn;
}

// Every page's state from the dump, corrected by the trace's first touches.
void Builder::page_states(const ZonePages& pages) {
  const std::uint64_t span = snap_.real_end_pfn - snap_.real_start_pfn;
  classes_.assign(span, PageClass::free); // pages grown during the trace: free
  std::copy_n(pages.classes.begin(), std::min<std::uint64_t>(span, pages.classes.size()),
              classes_.begin());
  states_.assign(span, PageState::free);
  for (std::uint64_t i = 0; i < span; ++i)
    if (classes_[i] == PageClass::reserved || classes_[i] == PageClass::hole)
      states_[i] = PageState::reserved;
  for (const PreallocatedBlock& block : pages.reserved)
    if (block.pfn < snap_.real_end_pfn) snap_.preallocated.push_back(block);
  for (const PreallocatedBlock& block : pages.in_use) {
    const std::uint64_t end = block.pfn + (std::uint64_t{1} << block.order);
    if (end > snap_.real_end_pfn) continue;
    bool free_by_trace = false;
    for (std::uint64_t p = block.pfn; p < end && evidence() != nullptr; ++p) {
      const FirstTouch touch = evidence()->first_touch(p);
      free_by_trace = free_by_trace || touch == FirstTouch::taken || touch == FirstTouch::pcp;
    }
    if (free_by_trace) {
      ++snap_.dropped_blocks;
      continue;
    }
    for (std::uint64_t p = block.pfn; p < end; ++p) state(p) = PageState::in_use;
    snap_.preallocated.push_back(block);
  }
  if (evidence() == nullptr) return;
  // A free page the trace frees first was in use: the free's block, when all of it looked free.
  for (std::uint64_t pfn = snap_.real_start_pfn; pfn < snap_.real_end_pfn; ++pfn) {
    const auto order = evidence()->freed_order(pfn);
    if (!order || state(pfn) != PageState::free) continue;
    const std::uint64_t end = pfn + (std::uint64_t{1} << *order);
    if (pfn % (std::uint64_t{1} << *order) != 0 || end > snap_.real_end_pfn) continue;
    bool all_free = true;
    for (std::uint64_t p = pfn; p < end && all_free; ++p) all_free = state(p) == PageState::free;
    if (!all_free) continue;
    for (std::uint64_t p = pfn; p < end; ++p) state(p) = PageState::in_use;
    snap_.preallocated.push_back(PreallocatedBlock{pfn, *order, Migratetype::unmovable, pfn});
    ++snap_.corrected_blocks;
  }
}

// The per-CPU blocks the trace shows (docs/spec.md §7.1), on their CPU's list.
void Builder::claim_pcp() {
  if (evidence() == nullptr) return;
  const bool takes = evidence()->count(trace::LineKind::zone_locked) != 0;
  const trace::MigratetypeNumbering numbering{options_.kernel, files_.pagetypes.cma};
  std::uint32_t rank = 0;
  for (const trace::PcpCandidate& c : evidence()->pcp_candidates()) {
    ++rank;
    if (!c.drained &&
        (!takes || !trace::pcp_allowed_order(c.order, options_.kernel, snap_.pageblock_order)))
      continue; // no buddy-level events, or an order no list holds: it was in the buddy
    const std::uint64_t end = c.pfn + (std::uint64_t{1} << c.order);
    if (c.pfn < snap_.real_start_pfn || end > snap_.real_end_pfn) continue;
    bool usable = true;
    for (std::uint64_t p = c.pfn; p < end && usable; ++p)
      usable = state(p) != PageState::reserved && state(p) != PageState::pcp &&
               evidence()->first_touch(p) == FirstTouch::pcp;
    if (!usable) continue;
    for (std::uint64_t p = c.pfn; p < end; ++p) state(p) = PageState::pcp;
    const Migratetype mt = c.drained ? trace::kernel_migratetype(c.mt_number, numbering) : c.mt;
    start_.pcp.push_back(PcpBlock{c.pfn, c.order, c.cpu, mt, rank, c.drained});
  }
  for (const std::uint64_t pfn : evidence()->first_takes())
    if (pfn >= snap_.real_start_pfn && pfn < snap_.real_end_pfn) start_.first_takes.push_back(pfn);
  std::sort(start_.pcp.begin(), start_.pcp.end(),
            [](const PcpBlock& a, const PcpBlock& b) { return a.pfn < b.pfn; });
  std::erase_if(snap_.preallocated, [&](const PreallocatedBlock& block) {
    return block.id && block.pfn >= snap_.real_start_pfn && block.pfn < snap_.real_end_pfn &&
           state(block.pfn) == PageState::pcp;
  });
}

// The free pages as the canonical split of their maximal runs (docs/spec.md §7.1).
void Builder::free_blocks() {
  free_by_order_.assign(options_.max_order, 0);
  for (std::uint64_t pfn = snap_.real_start_pfn; pfn < snap_.real_end_pfn;) {
    if (state(pfn) != PageState::free) {
      ++pfn;
      continue;
    }
    std::uint64_t end = pfn;
    while (end < snap_.real_end_pfn && state(end) == PageState::free) ++end;
    for_each_aligned(pfn, end, options_.max_order,
                     [&](std::uint64_t, unsigned order) { ++free_by_order_[order]; });
    snap_.free_pages_found += end - pfn;
    pfn = end;
  }
  for (const PreallocatedBlock& block : snap_.preallocated) {
    if (block.pfn < snap_.real_start_pfn || block.pfn >= snap_.real_end_pfn) continue; // edges
    const std::uint64_t pages = std::uint64_t{1} << block.order;
    (block.id ? snap_.in_use_pages : snap_.reserved_pages) += pages;
  }
}

void Builder::pageblocks() {
  const unsigned order = snap_.pageblock_order;
  const std::uint64_t first = snap_.start_pfn >> order;
  const std::uint64_t count = ((snap_.start_pfn + snap_.pages - 1) >> order) - first + 1;
  const trace::MigratetypeNumbering numbering{options_.kernel, files_.pagetypes.cma};
  std::vector<PageblockFacts> facts(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    PageblockFacts& f = facts[i];
    const std::uint64_t from = std::max((first + i) << order, snap_.real_start_pfn);
    const std::uint64_t to = std::min((first + i + 1) << order, snap_.real_end_pfn);
    f.outside = true;
    const std::uint64_t visited = ((first + i) << order) + snap_.real_start_pfn % (1u << order);
    f.counted = false;
    for (std::uint64_t p = from; p < to; ++p) {
      const PageClass c = classes_.empty() ? PageClass::free : classes_[p - snap_.real_start_pfn];
      f.outside = f.outside && c == PageClass::hole;
      f.counted = f.counted || (p == visited && c != PageClass::hole);
      if (state(p) != PageState::in_use) continue;
      f.movable_in_use += c == PageClass::movable;
      f.nonmovable += c == PageClass::slab || c == PageClass::other;
      f.slab += c == PageClass::slab;
    }
    if (f.outside || evidence() == nullptr) continue;
    if (const auto number = evidence()->pageblock_number(first + i))
      f.trace_mt = trace::kernel_migratetype(*number, numbering);
  }
  const auto targets = files_.pagetypes.blocks.find({zone_.node, zone_.name});
  types_ = infer_pageblock_types(facts, targets == files_.pagetypes.blocks.end()
                                            ? std::map<Migratetype, std::uint64_t>{}
                                            : targets->second);
  start_.pageblock_types = types_.types;
}

void Builder::zone_parameters() {
  start_.managed_pages = zone_.managed;
  start_.watermark_min = zone_.min;
  start_.watermark_low = zone_.low;
  start_.watermark_high = zone_.high;
  for (const ZonePageset& set : zone_.pagesets) {
    StartState::CpuPageset pageset;
    pageset.high = static_cast<unsigned>(set.high);
    pageset.batch = static_cast<unsigned>(set.batch);
    if (set.high_min) pageset.high_min = static_cast<unsigned>(*set.high_min);
    if (set.high_max) pageset.high_max = static_cast<unsigned>(*set.high_max);
    start_.pagesets.push_back(pageset);
  }
}

// The stats' `start_state` section (docs/spec.md §7.1).
void Builder::report() {
  nlohmann::json& out = start_.report;
  out = {{"snapshot", files_.dir},
         {"zone", zone_.name},
         {"kernel", trace::kernel_version_name(options_.kernel)},
         {"start_pfn", snap_.real_start_pfn},
         {"end_pfn", snap_.real_end_pfn},
         {"uninitialised_pages", snap_.uninitialised_pages - grown_pages_},
         {"kpageflags", snap_.has_kpageflags}};
  std::uint64_t pcp_pages = 0, pcp_real = 0;
  for (const PcpBlock& block : start_.pcp) pcp_pages += std::uint64_t{1} << block.order;
  for (const ZonePageset& set : zone_.pagesets) pcp_real += set.count;
  out["pcp_pages"] = {{"trace", pcp_pages}, {"zoneinfo", pcp_real}};
  if (snap_.has_kpageflags) {
    out["buddy_flag"] = (*dumps_)[zone_index_].buddy_on_every_page ? "every page" : "head only";
    out["free_pages"] = snap_.free_pages_found;
    out["in_use_pages"] = snap_.in_use_pages;
    out["reserved_pages"] = snap_.reserved_pages;
    out["dropped_blocks"] = snap_.dropped_blocks;
    out["corrected_blocks"] = snap_.corrected_blocks;
    out["buddyinfo"] = free_by_order_;
    const auto real = files_.buddyinfo ? files_.buddyinfo->find({zone_.node, zone_.name})
                                       : std::optional<BuddyInfo::const_iterator>{};
    if (real && *real != files_.buddyinfo->end()) {
      const std::vector<std::uint64_t>& counts = (*real)->second;
      nlohmann::json diff = nlohmann::json::array();
      for (std::size_t k = 0; k < std::max(counts.size(), free_by_order_.size()); ++k) {
        const auto at = [k](const std::vector<std::uint64_t>& v) {
          return k < v.size() ? static_cast<std::int64_t>(v[k]) : std::int64_t{0};
        };
        diff.push_back(at(free_by_order_) - at(counts));
      }
      out["buddyinfo_real"] = counts;
      out["buddyinfo_diff"] = std::move(diff);
    }
  }
  const auto& e = types_.by_evidence;
  out["pageblocks_by_evidence"] = {
      {"trace", e[0]}, {"flags", e[1]}, {"default", e[2]}, {"counts", e[3]}};
  nlohmann::json blocks = nlohmann::json::object(), real_blocks = nlohmann::json::object();
  for (const auto& [mt, count] : types_.counts) blocks[std::string(to_string(mt))] = count;
  const auto targets = files_.pagetypes.blocks.find({zone_.node, zone_.name});
  if (targets != files_.pagetypes.blocks.end())
    for (const auto& [mt, count] : targets->second) real_blocks[std::string(to_string(mt))] = count;
  out["pageblocks"] = std::move(blocks);
  out["pageblocks_real"] = std::move(real_blocks);
}

ProcSnapshot Builder::run() {
  geometry();
  append_edge(snap_.preallocated, snap_.start_pfn, snap_.real_start_pfn, options_.max_order);
  states_.assign(snap_.real_end_pfn - snap_.real_start_pfn, PageState::free);
  if (dumps_ != nullptr) {
    const ZonePages& pages = (*dumps_)[zone_index_];
    if (!pages.covered) throw InputError(pages.missing);
    snap_.has_kpageflags = true;
    page_states(pages);
  }
  claim_pcp();
  if (dumps_ != nullptr) free_blocks();
  pageblocks();
  zone_parameters();
  append_edge(snap_.preallocated, snap_.real_end_pfn, snap_.start_pfn + snap_.pages,
              options_.max_order);
  std::sort(snap_.preallocated.begin(), snap_.preallocated.end(),
            [](const PreallocatedBlock& a, const PreallocatedBlock& b) { return a.pfn < b.pfn; });
  report();
  snap_.start_state = std::move(start_);
  return std::move(snap_);
}

} // namespace

ProcSnapshot build_start_state(const ProcFiles& files, const std::vector<ZonePages>* dumps,
                               const StartStateOptions& options) {
  return Builder(files, dumps, options).run();
}

ProcSnapshot read_proc_snapshot(const std::string& dir, unsigned max_order) {
  const ProcFiles files = read_proc_files(dir, max_order);
  const auto dumps = read_page_dumps(files, max_order);
  StartStateOptions options;
  options.max_order = max_order;
  options.kernel = files.kernel.value_or(KernelVersion{6, 1});
  return build_start_state(files, dumps ? &*dumps : nullptr, options);
}

} // namespace memsim
