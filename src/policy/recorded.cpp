// The recorded policy's allocations, frees and buddy-level events (docs/spec.md §7.2); the
// compaction window and untracked frees are in recorded_compaction.cpp.
#include "policy/recorded.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/kernel_generation.hpp"
#include "zone/fallback_311.hpp"

namespace memsim {

namespace {

int slot(Migratetype mt) {
  return index_of(mt) < kRequestableTypes ? index_of(mt) : index_of(Migratetype::movable);
}

} // namespace

RecordedPolicy::RecordedPolicy(Zone& zone, const Config& config)
    : zone_(zone), config_(config),
      lists_(std::size_t{config.zone.cpus} * config.zone.max_order * kRequestableTypes),
      direct_(config.zone.cpus), cpu_of_(zone.pages(), 0), fallback_pending_(config.zone.cpus) {}

void RecordedPolicy::bind_trace(const TraceHeader& header) {
  header_ = &header;
  if (header.kernel) kernel_ = *header.kernel;
  if (header.meta.contains("buddy_events") && header.meta["buddy_events"].is_object()) {
    const auto& events = header.meta["buddy_events"];
    traced_isolation_ = events.contains("mm_compaction_isolate_freepages");
  }
}

// memmap_init() leaves every pageblock MOVABLE and the boot frees ascending; since 5.10
// (__free_pages_core) each block goes to its list's tail (FPI_TO_TAIL).
void RecordedPolicy::boot() {
  if (predictor_ != nullptr) { // the predicting generation's list mechanics (§7.4)
    zone_.set_rules(predictor_->buddy_rules());
    zone_.boot_free(predictor_->boot_to_tail());
    return;
  }
  BuddyRules rules;
  rules.move_to_tail = kernel_ >= KernelVersion{5, 10}; // move_freepages(): list_move_tail
  rules.merge_barrier = kernel_ >= KernelVersion{6, 1};
  rules.match_buddy_type = kernel_ >= KernelVersion{6, 10};
  zone_.set_rules(rules);
  zone_.boot_free(kernel_ >= KernelVersion{5, 10});
}

// The start state's per-CPU blocks (docs/spec.md §7.1) onto their CPU's lists.
bool RecordedPolicy::in_zone(Pfn pfn, unsigned order) const {
  const Pfn start = zone_.config().zone.start_pfn;
  if (order >= zone_.max_order()) return false;
  return pfn >= start && pfn - start + (std::uint64_t{1} << order) <= zone_.pages();
}

// A block of 2^order pages starts on a multiple of 2^order (the zone starts on a max-order one).
bool RecordedPolicy::aligned(Pfn pfn, unsigned order) {
  return order < 64 && (pfn & ((std::uint64_t{1} << order) - 1)) == 0;
}

bool RecordedPolicy::pcp_allowed(unsigned order) const {
  return trace::pcp_allowed_order(order, kernel_, zone_.pageblock_order());
}

PageList& RecordedPolicy::list(unsigned cpu, unsigned order, Migratetype mt) {
  const std::size_t at =
      (std::size_t{cpu} * config_.zone.max_order + order) * kRequestableTypes + slot(mt);
  return lists_[at];
}

PageList& RecordedPolicy::list_of(PageIdx block) {
  const Page& p = zone_.page(block);
  if ((p.flags & kDirect) != 0) return direct(cpu_of_[block]);
  return list(cpu_of_[block], p.order, p.mt);
}

void RecordedPolicy::pcp_add(PageIdx block, unsigned order, Migratetype mt, unsigned cpu,
                             std::uint8_t flags, bool tail) {
  cpu_of_[block] = static_cast<std::uint16_t>(cpu);
  if (model_ != nullptr && (flags & kDirect) == 0 && model_->caches(order)) {
    model_->add(zone_, {cpu, block, order, mt, tail ? PcpInsert::refill : PcpInsert::free, false,
                        (flags & kPageFallback) != 0});
    in_model_[block] = true;
    ++model_blocks_;
    return;
  }
  PageList& to = (flags & kDirect) != 0 ? direct(cpu) : list(cpu, order, mt);
  zone_.pcp_link(to, block, order, mt, flags, tail);
}

void RecordedPolicy::pcp_remove(PageIdx block) {
  if (in_model(block)) {
    model_->remove(zone_, cpu_of_[block], block);
    in_model_[block] = false;
    --model_blocks_;
    return;
  }
  zone_.pcp_unlink(list_of(block), block);
  zone_.pcp_release(block);
}

void RecordedPolicy::release_pcp(PageIdx block, Migratetype mt) {
  const unsigned order = zone_.page(block).order;
  pcp_remove(block);
  zone_.free_one_page(block, order, mt);
}

unsigned RecordedPolicy::release_overlapping(PageIdx block, unsigned order) {
  unsigned released = 0;
  for (unsigned k = order + 1; k < zone_.max_order(); ++k) { // a larger block holding it
    const auto head = static_cast<PageIdx>(block & ~((PageIdx{1} << k) - 1));
    const Page& p = zone_.page(head);
    if (p.state == PageState::pcp && head + (std::uint64_t{1} << p.order) > block) {
      release_pcp(head, p.mt);
      ++released;
    }
  }
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t i = block; i < end;) {
    const Page& p = zone_.page(static_cast<PageIdx>(i));
    if (p.state != PageState::pcp) {
      ++i;
      continue;
    }
    const std::uint64_t size = std::uint64_t{1} << p.order;
    release_pcp(static_cast<PageIdx>(i), p.mt);
    ++released;
    i += size;
  }
  return released;
}

bool RecordedPolicy::take(PageIdx block, unsigned order, const char* kind) {
  if (zone_.take_free(block, order)) return true;
  const unsigned pcp = release_overlapping(block, order);
  const unsigned targets = release_targets(block, order);
  const unsigned set_aside = release_set_aside(block, order); // free after all
  if (pcp + targets + set_aside == 0) return false;
  if (pcp != 0) count(kind);
  if (targets != 0) count("compaction_target_retaken");
  return zone_.take_free(block, order);
}

// mm_page_alloc at the traced pfn: off the per-CPU (or direct) list it was refilled to, else
// out of the free lists as expand() would split its free block.
Taken RecordedPolicy::alloc(const AllocRequest& request) {
  if (!request.has_pfn) throw InternalError("recorded: an allocation without its traced pfn");
  if (!in_zone(request.pfn, request.order)) {
    ++outside_zone_;
    return {kNoPage, false, TakeSource::untracked};
  }
  if (!aligned(request.pfn, request.order)) {
    count("misaligned_block");
    return {kNoPage, false, TakeSource::untracked};
  }
  const PageIdx block = index(request.pfn);
  const Page& p = zone_.page(block);
  if (p.state == PageState::pcp && p.order == request.order) {
    const bool fallback = (p.flags & kPageFallback) != 0;
    if (predictor_ != nullptr && (p.flags & kDirect) == 0) score_pcp_alloc(block, request);
    pcp_remove(block);
    return {block, fallback, TakeSource::pcp};
  }
  if (take(block, request.order, "alloc_over_pcp_block"))
    return {block, false, TakeSource::own_list};
  count("alloc_not_free");
  return {kNoPage, false, TakeSource::untracked};
}

// mm_page_free: onto the CPU's list when the generation caches the order and the block's next
// event is a drain or an allocation of it (Event::flag), else __free_one_page.
void RecordedPolicy::free(PageIdx block, unsigned order, unsigned cpu, bool /*cold*/) {
  const Migratetype mt = zone_.pageblock_migratetype(block);
  if (free_hint_ && pcp_allowed(order) && mt != Migratetype::isolate) {
    pcp_add(block, order, mt, cpu, 0, false); // free_unref_page_commit(): list_add
    if (predictor_ != nullptr) freed_just_[cpu] = block;
    return;
  }
  zone_.free_pages_ok(block, order);
}

void RecordedPolicy::observe(const Event& e) {
  if (predictor_ != nullptr) predict_observe(e);
  switch (e.op) {
  case EventOp::free:
    free_hint_ = e.flag;
    return;
  case EventOp::zone_locked:
    return zone_locked(e);
  case EventOp::pcpu_drain:
    return pcpu_drain(e);
  case EventOp::extfrag:
    return extfrag(e);
  case EventOp::compaction_begin:
    return compaction_begin(e);
  case EventOp::compaction_end:
    return compaction_end();
  case EventOp::migrate:
    return migrate(e);
  case EventOp::isolate_freepages:
    return isolate_freepages(e);
  default:
    return;
  }
}

// mm_page_alloc_zone_locked: the block leaves the free lists (__rmqueue_smallest); with
// percpu_refill=1 onto the CPU's list (rmqueue_bulk: list_add_tail), else it waits for its
// mm_page_alloc.
void RecordedPolicy::zone_locked(const Event& e) {
  if (!in_zone(e.pfn, e.order)) return count("buddy_event_outside_zone");
  if (!aligned(e.pfn, e.order)) return count("misaligned_block");
  const PageIdx block = index(e.pfn);
  if (predictor_ != nullptr) predict_take(block, e);
  if (!take(block, e.order, "take_over_pcp_block")) return count("take_not_free");
  std::uint8_t flags = 0;
  if (fallback_pending_[e.cpu % fallback_pending_.size()]) {
    flags = kPageFallback;
    fallback_pending_[e.cpu % fallback_pending_.size()] = false;
  }
  const bool refill = e.flag && index_of(e.mt) < kRequestableTypes;
  if (!refill) flags = static_cast<std::uint8_t>(flags | kDirect);
  pcp_add(block, e.order, e.mt, e.cpu % config_.zone.cpus, flags, true);
}

// mm_page_pcpu_drain: free_pcppages_bulk() frees the page with its cached (printed) type.
void RecordedPolicy::pcpu_drain(const Event& e) {
  if (!in_zone(e.pfn, e.order)) return count("buddy_event_outside_zone");
  if (!aligned(e.pfn, e.order)) return count("misaligned_block");
  const PageIdx block = index(e.pfn);
  const Page& p = zone_.page(block);
  if (p.state != PageState::pcp || p.order != e.order) return count("drain_not_pcp");
  if (predictor_ != nullptr) score_drain(block, e.order, e.mt);
  if (in_model(block)) { // free_pcppages_bulk of the predicting generation
    model_->drain_block(zone_, cpu_of_[block], block);
    in_model_[block] = false;
    --model_blocks_;
    return;
  }
  release_pcp(block, e.mt);
}

// mm_page_alloc_extfrag: counted as the kernel's fallback; change_ownership=1 re-types the
// pageblock(s); from 6.15 a steal or a claim of a whole block is also the take itself.
void RecordedPolicy::extfrag(const Event& e) {
  FallbackCounts& fallbacks = counters_.fallbacks;
  ++fallbacks.total;
  if (e.fallback_order < zone_.pageblock_order()) ++fallbacks.fragmenting;
  ++fallbacks.by_pair[static_cast<std::size_t>(index_of(e.mt))]
                     [static_cast<std::size_t>(index_of(e.fallback_mt))];
  if (e.flag) fallbacks.change_ownership = fallbacks.change_ownership.value_or(0) + 1;
  if (!in_zone(e.pfn, std::max(e.order, e.fallback_order)))
    return count("buddy_event_outside_zone");
  if (!aligned(e.pfn, e.order)) return count("misaligned_block");
  if (predictor_ != nullptr) predict_fallback(e);
  if (e.flag) {
    claim(e);
  } else {
    ++counters_.ownership.steals[static_cast<std::size_t>(index_of(e.mt))]
                                [static_cast<std::size_t>(index_of(e.fallback_mt))];
  }
  if (kernel_ >= KernelVersion{6, 15}) return fallback_take(e);
  fallback_pending_[e.cpu % fallback_pending_.size()] = true;
}

// The claimed pageblocks take the allocation's type and their free pages move to its lists
// (steal_suitable_fallback / try_to_claim_block: move_freepages_block, set_pageblock_migratetype;
// change_pageblock_range for a fallback of pageblock order or more).
void RecordedPolicy::claim(const Event& e) {
  const PageIdx block = index(e.pfn);
  const unsigned pb = zone_.pageblock_order();
  const std::uint64_t first = e.fallback_order >= pb ? block : block >> pb << pb;
  const std::uint64_t span = std::uint64_t{1}
                             << std::max(e.fallback_order, static_cast<std::uint8_t>(pb));
  for (std::uint64_t page = first; page < first + span && page < zone_.pages();
       page += PageIdx{1} << pb) {
    const auto at = static_cast<PageIdx>(page);
    if (zone_.pageblock_migratetype(at) == e.mt) continue;
    zone_.move_freepages_block(at, e.mt);
    zone_.set_pageblock_migratetype(at, e.mt);
    ++counters_.ownership.claims[static_cast<std::size_t>(index_of(e.mt))];
  }
}

// 6.15+: __rmqueue_steal and a claim of a whole free block hand the block out with no
// zone_locked line; a claim below pageblock order took its block by the zone_locked before it.
void RecordedPolicy::fallback_take(const Event& e) {
  const PageIdx block = index(e.pfn);
  const Page& p = zone_.page(block);
  if (p.state == PageState::pcp) { // the zone_locked of a claim below pageblock order
    zone_.set_pcp_flags(block, static_cast<std::uint8_t>(p.flags | kPageFallback));
    return;
  }
  if (!take(block, e.order, "take_over_pcp_block")) return count("take_not_free");
  std::uint8_t flags = kPageFallback;
  if (!pcp_allowed(e.order) || index_of(e.mt) >= kRequestableTypes)
    flags = static_cast<std::uint8_t>(flags | kDirect);
  pcp_add(block, e.order, e.mt, e.cpu % config_.zone.cpus, flags, true);
}

// Whether a request could be served now (docs/spec.md §9): the requested type's lists, else any
// other requestable type's (the fallback lists), else none.
ProbeAnswer RecordedPolicy::probe(unsigned order, Migratetype mt) const {
  if (own_available(zone_, order, mt)) return ProbeAnswer::own;
  for (int t = 0; t < kRequestableTypes; ++t)
    if (migratetype_at(t) != mt && own_available(zone_, order, migratetype_at(t)))
      return ProbeAnswer::fallback;
  return ProbeAnswer::none;
}

void RecordedPolicy::report(PolicyReport& out) const {
  out.region_held.assign(zone_.geometry().regions, false);
  out.pcp_count.assign(config_.zone.cpus, 0);
  for (unsigned cpu = 0; cpu < config_.zone.cpus; ++cpu) {
    if (model_ != nullptr) out.pcp_count[cpu] += model_->count(cpu);
    for (std::size_t i = 0; i < std::size_t{config_.zone.max_order} * kRequestableTypes; ++i) {
      const PageList& l = lists_[std::size_t{cpu} * config_.zone.max_order * kRequestableTypes + i];
      for (PageIdx b = l.head; b != kNoPage; b = zone_.page(b).next)
        out.pcp_count[cpu] += std::uint64_t{1} << zone_.page(b).order;
    }
  }
  out.pcp_high = zone_.geometry().pcp_high;
  out.pcp_batch = zone_.geometry().pcp_batch;
  out.min_wmark = zone_.geometry().min_wmark;
}

const std::vector<Migratetype>& RecordedPolicy::list_types() const {
  static const std::vector<Migratetype> modern{Migratetype::unmovable, Migratetype::reclaimable,
                                               Migratetype::movable, Migratetype::highatomic};
  static const std::vector<Migratetype> old{Migratetype::unmovable, Migratetype::reclaimable,
                                            Migratetype::movable, Migratetype::reserve};
  return kernel_ >= KernelVersion{4, 4} ? modern : old;
}

void RecordedPolicy::config_json(nlohmann::ordered_json& out) const {
  out["recorded"] = {{"kernel", trace::kernel_version_name(kernel_)}};
}

nlohmann::ordered_json RecordedPolicy::section_json() const {
  nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
  for (const auto& [kind, n] : inconsistent_) kinds[kind] = n;
  nlohmann::ordered_json out = {{"silent_allocs", silent_allocs_},
                                {"compaction_targets", compaction_targets_},
                                {"outside_zone", outside_zone_},
                                {"inconsistent", std::move(kinds)}};
  if (predictor_ != nullptr) out["repairs"] = agreement_.repairs;
  return out;
}

// Every per-CPU block is on the list its page says, once.
void RecordedPolicy::check_invariants() const {
  std::uint64_t listed = 0;
  const auto walk = [&](const PageList& l) {
    std::uint64_t n = 0;
    for (PageIdx b = l.head; b != kNoPage; b = zone_.page(b).next) {
      if (zone_.page(b).state != PageState::pcp)
        throw InternalError(fmt::format("recorded: page {} on a per-CPU list is not pcp", b));
      ++n;
    }
    if (n != l.count) throw InternalError("recorded: a per-CPU list count disagrees");
    listed += n;
  };
  for (const PageList& l : lists_) walk(l);
  for (const PageList& l : direct_) walk(l);
  listed += model_blocks_;
  std::uint64_t heads = 0;
  for (PageIdx i = 0; i < zone_.pages(); ++i)
    if (zone_.page(i).state == PageState::pcp) ++heads;
  if (heads != listed)
    throw InternalError(fmt::format("recorded: {} pcp pages but {} listed", heads, listed));
}

} // namespace memsim
