// Linux 6.18 as a composition of the zone's kernel functions: boot (ascending __free_pages_ok
// with FPI_TO_TAIL), rmqueue (rmqueue_pcplist for the cached orders, else rmqueue_buddy; a
// HIGHATOMIC reserve after an ALLOC_HIGHATOMIC take), __rmqueue with the rmqueue_mode memo,
// __free_frozen_pages, ZONE_BELOW_HIGH from get_page_from_freelist, vm.defrag_mode, the vmstat
// tick's decay_pcp_high, and the prediction hooks of the ground-truth replay
// (docs/kernel-6.18.md).
#include "policy/linux_6_18.hpp"

#include <algorithm>
#include <climits>

#include "policy/linux_6_1.hpp"
#include "zone/fallback_311.hpp"

namespace memsim {

Linux618Switches linux_6_18_switches(const Config& config) {
  Linux618Switches s;
  s.hygiene = config.policy_flag("linux_6_18.hygiene");
  s.claim_steal = config.policy_flag("linux_6_18.claim_steal");
  s.defrag_mode = config.policy_flag("linux_6_18.defrag_mode");
  s.pcp_autotune = config.policy_flag("linux_6_18.pcp_autotune");
  s.highatomic = config.policy_flag("linux_6_18.highatomic");
  return s;
}

namespace {

unsigned clamp_unsigned(std::uint64_t value) {
  return static_cast<unsigned>(std::min<std::uint64_t>(value, UINT_MAX));
}

// Linux 6.18 zone_set_pageset_high_and_batch() with percpu_pagelist_high_fraction 0:
// high_min = zone_highsize(fraction 0) (6.1's high), high_max = zone_highsize(fraction 8);
// tuning off: both high_min. --proc-in's values win; pcp->high starts at the snapshot's.
PcpRules618 pcp_rules(const Zone& zone, const Config& config, const ZoneParams61& params,
                      const Linux618Switches& s) {
  PcpRules618 rules;
  const std::uint64_t batch = params.batch;
  const std::uint64_t cpus = std::max(1U, config.zone.cpus);
  rules.batch = clamp_unsigned(batch);
  rules.high_min = config.pcp.high_min.value_or(
      clamp_unsigned(std::max(params.watermark.low / cpus, batch << 2)));
  rules.high_max = config.pcp.high_max.value_or(
      clamp_unsigned(std::max(linux_managed_pages(zone, config) / 8 / cpus, batch << 2)));
  if (!s.pcp_autotune) rules.high_max = rules.high_min;
  rules.start_high = config.pcp.high.value_or(0);
  rules.pageblock_order = config.zone.pageblock_order;
  rules.hygiene = s.hygiene;
  rules.high_wmark = params.watermark.high;
  return rules;
}

std::uint64_t free_pages_of(const Zone& zone, Migratetype only, bool all) {
  std::uint64_t pages = 0;
  for (unsigned o = 0; o < zone.max_order(); ++o)
    pages += (all ? zone.nr_free(o) : zone.free_list(o, only).count) << o;
  return pages;
}

} // namespace

Linux618Policy::Linux618Policy(Zone& zone, const Config& config)
    : zone_(zone), config_(config), switches_(linux_6_18_switches(config)),
      params_(linux_zone_params(zone, config)),
      pcp_(config.zone.cpus, pcp_rules(zone, config, params_, switches_)),
      highatomic_{0, linux_managed_pages(zone, config)}, boost_{0,
                                                                linux_managed_pages(zone, config),
                                                                params_.watermark.high,
                                                                zone.geometry().pageblock_pages} {
  zone_.set_rules(buddy_rules());
}

// Boot as 6.1 (D61-8): an order-10 free is two order-9 frees of split_large_buddy that merge
// again at the tail, the same lists as one order-10 tail free.
void Linux618Policy::boot() {
  zone_.boot_free(true);
}

bool Linux618Policy::uses_pcp(unsigned order) const {
  return config_.pcp.enabled && pcp_.pcp_allowed_order(order);
}

// alloc_pages(): get_page_from_freelist with the fast path's flags (ALLOC_NOFRAGMENT in
// defrag_mode); a defrag_mode request that fails is tried once more without it, where the
// slow path would drop it after reclaim and compaction; a request that may reclaim and still
// finds nothing drains every CPU's lists and tries again, as the slow path's direct reclaim
// does before giving up (docs/kernel-6.18.md, docs/decisions.md 137).
Taken Linux618Policy::alloc(const AllocRequest& request) {
  if (!highatomic_counted_) {
    highatomic_.nr_reserved = highatomic_pageblock_pages(zone_);
    highatomic_counted_ = true;
  }
  const bool gfp = switches_.highatomic && request.has_gfp;
  const AllocFlags flags{gfp && alloc_flags_highatomic(request.gfp, request.order),
                         gfp && alloc_flags_non_block(request.gfp)};
  Taken taken = get_page_from_freelist(request, flags, switches_.defrag_mode);
  if (taken.block == kNoPage && switches_.defrag_mode)
    taken = get_page_from_freelist(request, flags, false);
  const bool may_reclaim = !request.has_gfp || (request.gfp & gfp::direct_reclaim) != 0;
  if (taken.block == kNoPage && may_reclaim && config_.pcp.enabled) {
    drain_all_pages();
    taken = get_page_from_freelist(request, flags, false);
  }
  return taken;
}

// drain_pages_zone(): free_pcppages_bulk from the first list in chunks of batch << 5 until the
// CPU's lists are empty.
void Linux618Policy::drain_all_pages() {
  ++drain_all_calls_;
  const std::uint64_t chunk = std::uint64_t{pcp_.rules().batch} << 5;
  for (unsigned cpu = 0; cpu < config_.zone.cpus; ++cpu) {
    while (pcp_.count(cpu) != 0) {
      const std::uint64_t to_drain = std::min(pcp_.count(cpu), chunk);
      pcp_.begin_drain(zone_, cpu, kNoPage, to_drain);
      for (std::uint64_t drained = 0; drained < to_drain;) {
        const PageIdx block = pcp_.next_drain(zone_, cpu);
        if (block == kNoPage) break;
        drained += std::uint64_t{1} << zone_.page(block).order;
        pcp_.drain_block(zone_, cpu, block);
      }
    }
  }
}

// Linux 6.18 get_page_from_freelist() for one zone: the high-watermark test that sets
// ZONE_BELOW_HIGH (no watermark gates the take, docs/semantics.md D61-4), rmqueue, and
// reserve_highatomic_pageblock after an ALLOC_HIGHATOMIC take (per-CPU takes included).
Taken Linux618Policy::get_page_from_freelist(const AllocRequest& request, const AllocFlags& flags,
                                             bool nofragment) {
  nofragment_ = nofragment;
  if (!pcp_.zone_below_high() && !zone_watermark_fast_high(request.order))
    pcp_.set_zone_below_high(true);
  Taken taken;
  if (uses_pcp(request.order))
    taken = pcp_.rmqueue_pcplist(zone_, *this, request.order, request.mt, request.cpu);
  if (taken.block == kNoPage) taken = rmqueue_buddy(zone_, *this, request.order, request.mt, flags);
  if (taken.block != kNoPage && flags.highatomic) {
    zone_.pcp_release(taken.block); // prep_new_page: no longer PageBuddy for the pageblock walk
    reserve_highatomic_pageblock_618(zone_, highatomic_, taken.block, request.order);
  }
  return taken;
}

// Linux 6.18 __rmqueue(): NORMAL tries the own lists and falls into CLAIM, which falls into
// STEAL (skipped under ALLOC_NOFRAGMENT). A claim refilled the own lists: back to NORMAL; a
// steal stays in STEAL for the rest of the refill. 6.10-6.14 (claim_steal off): own lists,
// then __rmqueue_fallback, no memo.
Taken Linux618Policy::rmqueue(unsigned order, Migratetype mt) {
  if (!switches_.claim_steal || mode_ == RmqueueMode::normal) {
    if (const PageIdx page = zone_.rmqueue_smallest(order, mt); page != kNoPage)
      return {page, false, TakeSource::own_list};
  }
  return rmqueue_fallback(order, mt);
}

Taken Linux618Policy::rmqueue_fallback(unsigned order, Migratetype mt) {
  const Fallback618Context ctx{mt, nofragment_, &boost_, &counters_};
  if (!switches_.claim_steal) return rmqueue_fallback_610(zone_, order, ctx);
  if (mode_ != RmqueueMode::steal) {
    const Taken claimed = rmqueue_claim(zone_, order, ctx);
    if (claimed.block != kNoPage) {
      mode_ = RmqueueMode::normal;
      return claimed;
    }
  }
  if (nofragment_) return {};
  const Taken stolen = rmqueue_steal(zone_, order, ctx);
  if (stolen.block != kNoPage) mode_ = RmqueueMode::steal;
  return stolen;
}

// __free_frozen_pages(): the cached orders through the per-CPU lists, the rest by
// __free_pages_ok. 6.18 has no cold frees.
void Linux618Policy::free(PageIdx block, unsigned order, unsigned cpu, bool /*cold*/) {
  if (uses_pcp(order)) {
    pcp_.free_frozen_page(zone_, block, order, cpu);
  } else {
    free_one_page(block, order);
  }
}

// Linux 6.18 free_one_page() -> split_large_buddy(): a block above pageblock order is freed
// pageblock by pageblock, each with its own pageblock's type (6.10+; off: one __free_one_page).
void Linux618Policy::free_one_page(PageIdx block, unsigned order) {
  const unsigned pageblock_order = zone_.pageblock_order();
  if (!switches_.hygiene || order <= pageblock_order) {
    zone_.free_pages_ok(block, order);
    return;
  }
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t pfn = block; pfn < end; pfn += zone_.geometry().pageblock_pages)
    zone_.free_pages_ok(static_cast<PageIdx>(pfn), pageblock_order);
}

// Linux 6.18 zone_watermark_fast() / __zone_watermark_ok() with ALLOC_WMARK_HIGH and no
// ALLOC_RESERVES: free pages less the free HIGHATOMIC pages (and 2^order - 1) above the mark
// (lowmem_reserve 0 for the one zone), and for order > 0 a free block of that order or more on
// an UNMOVABLE, MOVABLE or RECLAIMABLE list.
bool Linux618Policy::zone_watermark_fast_high(unsigned order) const {
  const auto free = static_cast<std::int64_t>(free_pages_of(zone_, Migratetype::movable, true));
  const auto highatomic =
      static_cast<std::int64_t>(free_pages_of(zone_, Migratetype::highatomic, false));
  const auto mark = static_cast<std::int64_t>(params_.watermark.high);
  if (order == 0) return free - std::min(free, highatomic) > mark;
  if (free - ((std::int64_t{1} << order) - 1) - highatomic <= mark) return false;
  for (unsigned o = order; o < zone_.max_order(); ++o)
    for (const Migratetype mt :
         {Migratetype::unmovable, Migratetype::movable, Migratetype::reclaimable})
      if (!zone_.free_list(o, mt).empty()) return true;
  return false;
}

// The vmstat worker's refresh_cpu_vm_stats() calls decay_pcp_high() about once a second on
// every CPU; the trace does not show when, so memsim runs it for every CPU at each whole second
// of trace time after the first event (at most 64 ticks per gap).
void Linux618Policy::advance_time(double t) {
  if (next_tick_ < 0) {
    next_tick_ = t + 1.0;
    return;
  }
  for (unsigned ticks = 0; t >= next_tick_ && ticks < 64; ++ticks) {
    for (unsigned cpu = 0; cpu < config_.zone.cpus; ++cpu) pcp_.decay_pcp_high(zone_, cpu);
    next_tick_ += 1.0;
  }
  if (t >= next_tick_) next_tick_ = t + 1.0;
}

PageIdx Linux618Policy::would_fallback(unsigned order, Migratetype mt, bool nofragment) const {
  if (!switches_.claim_steal) return would_fallback_610(zone_, order, mt, nofragment);
  if (const PageIdx page = would_claim(zone_, order, mt, nofragment); page != kNoPage) return page;
  return nofragment ? kNoPage : would_steal(zone_, order, mt);
}

// __rmqueue in RMQUEUE_NORMAL without changing anything (the defrag_mode retry included).
PageIdx Linux618Policy::would_rmqueue(unsigned order, Migratetype mt) const {
  if (const PageIdx own = zone_.peek_smallest(order, mt); own != kNoPage) return own;
  const PageIdx page = would_fallback(order, mt, switches_.defrag_mode);
  if (page != kNoPage || !switches_.defrag_mode) return page;
  return would_fallback(order, mt, false);
}

// docs/spec.md §9: the own lists, else a block a fallback would hand out; HIGHATOMIC lists serve
// only gfp-qualified requests, which a probe is not.
ProbeAnswer Linux618Policy::probe(unsigned order, Migratetype mt) const {
  if (own_available(zone_, order, mt)) return ProbeAnswer::own;
  if (would_fallback(order, mt, false) != kNoPage) return ProbeAnswer::fallback;
  return ProbeAnswer::none;
}

void Linux618Policy::report(PolicyReport& out) const {
  out.region_held.assign(zone_.geometry().regions, false);
  out.pcp_count.clear();
  for (unsigned cpu = 0; cpu < config_.zone.cpus; ++cpu) out.pcp_count.push_back(pcp_.count(cpu));
  out.pcp_high = config_.zone.cpus == 0 ? 0 : pcp_.high(0);
  out.pcp_batch = pcp_.rules().batch;
  out.min_wmark = params_.watermark.min;
}

const std::vector<Migratetype>& Linux618Policy::list_types() const {
  return linux_list_types();
}

void Linux618Policy::config_json(nlohmann::ordered_json& out) const {
  const PcpRules618& r = pcp_.rules();
  out["pcp"]["batch"] = r.batch;
  out["pcp"]["high"] = r.start_high != 0 ? r.start_high : r.high_min; // clamped at first use
  out["pcp"]["high_min"] = r.high_min;
  out["pcp"]["high_max"] = r.high_max;
  linux_params_json(params_, out);
  const Linux618Switches& s = switches_;
  out["linux_6_18"] = {{"hygiene", s.hygiene},
                       {"claim_steal", s.claim_steal},
                       {"defrag_mode", s.defrag_mode},
                       {"pcp_autotune", s.pcp_autotune},
                       {"highatomic", s.highatomic}};
}

// Bookkeeping at the end: watermark_boost, nr_reserved_highatomic, ZONE_BELOW_HIGH and each
// CPU's tuned pcp->high.
void Linux618Policy::state_json(nlohmann::ordered_json& out) const {
  out["watermark_boost"] = boost_.boost;
  out["nr_reserved_highatomic"] = highatomic_.nr_reserved;
  out["zone_below_high"] = pcp_.zone_below_high();
  out["drain_all_pages"] = drain_all_calls_;
  nlohmann::ordered_json highs = nlohmann::ordered_json::array();
  for (unsigned cpu = 0; cpu < config_.zone.cpus; ++cpu) highs.push_back(pcp_.high(cpu));
  out["pcp_high"] = highs;
}

void Linux618Policy::check_invariants() const {
  pcp_.check_invariants(zone_);
}

} // namespace memsim
