// The per-CPU lists of Linux 6.18 mm/page_alloc.c with auto-tuning: rmqueue_pcplist /
// __rmqueue_pcplist with nr_pcp_alloc, __free_frozen_pages / free_frozen_page_commit with
// nr_pcp_high and nr_pcp_free, decay_pcp_high, and the zone_watermark_ok() that clears
// ZONE_BELOW_HIGH after a drain. The lists and free_pcppages_bulk are PcpOrderLists'
// (zone/pcp_lists); this file keeps pcp->high, free_count, alloc_factor and the flags.
#include "zone/pcp_618.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {

PerCpuPages618::PerCpuPages618(unsigned cpus, const PcpRules618& rules)
    : PcpOrderLists(cpus, {rules.pageblock_order, true,
                           rules.hygiene ? DrainType::pageblock : DrainType::cached}),
      tuning_(cpus, Tuning{rules.start_high, 0, 0, false}), rules_(rules) {}

// Linux 6.18 mm/page_alloc.c rmqueue_pcplist() and __rmqueue_pcplist(): free_count is halved on
// every entry, even when the refill then fails; the refill's size is nr_pcp_alloc()'s.
Taken PerCpuPages618::rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt,
                                      unsigned cpu) {
  tuning_[cpu].free_count >>= 1;
  if (list_empty(cpu, order, mt))
    rmqueue_bulk(zone, buddy, cpu, order, mt, nr_pcp_alloc(cpu, order));
  return take_head(zone, cpu, order, mt);
}

// The lazy clamp both nr_pcp_high() and nr_pcp_alloc() open with:
// high = pcp->high = clamp(pcp->high, high_min, high_max) (the kernel's clamp: min(max())).
std::int64_t PerCpuPages618::clamp_high(unsigned cpu) {
  std::int64_t& high = tuning_[cpu].high;
  high = std::min(std::max(high, std::int64_t{rules_.high_min}), std::int64_t{rules_.high_max});
  return high;
}

// Linux 6.18 mm/page_alloc.c nr_pcp_alloc(): order 0 refills batch << alloc_factor pages (63,
// 126, 252, ... while they fit below high - count - batch), higher orders batch >> order (at
// least 2); with tuning on and the zone not below its high watermark every refill grows high.
std::int64_t PerCpuPages618::nr_pcp_alloc(unsigned cpu, unsigned order) {
  Tuning& t = tuning_[cpu];
  const std::int64_t base_batch = rules_.batch;
  std::int64_t high = clamp_high(cpu);
  if (high < base_batch) return 1; // PCP disabled or boot pageset
  std::int64_t batch = order != 0 ? base_batch : base_batch << t.alloc_factor;
  if (rules_.high_min != rules_.high_max && !zone_below_high_)
    high = t.high = std::min(high + batch, std::int64_t{rules_.high_max});
  if (order == 0) {
    const std::int64_t max_nr_alloc = std::max(high - pages(cpu) - base_batch, base_batch);
    if (batch <= max_nr_alloc && t.alloc_factor < kBatchScaleMax) ++t.alloc_factor;
    batch = std::min(batch, max_nr_alloc);
  }
  if (batch > 1) batch = std::max(batch >> order, std::int64_t{2});
  return batch;
}

// Linux 6.18 mm/page_alloc.c __free_frozen_pages(), its per-CPU part: the pageblock's type
// (3 bits + the isolate bit), ISOLATE straight to the buddy; the per-CPU trylock never fails
// here. HIGHATOMIC (and CMA) rides the MOVABLE list; the block's type is cached as 6.1 does,
// which only a drain without hygiene reads.
void PerCpuPages618::free_frozen_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu) {
  if (free_isolated(zone, page, order)) return;
  free_frozen_page_commit(zone, cpu, page, zone.pageblock_migratetype(page), order);
}

// Linux 6.18 mm/page_alloc.c free_frozen_page_commit(): list_add (head), the free_high test,
// free_count, then a drain starting at this page's list when the count reaches nr_pcp_high;
// after a drain ZONE_BELOW_HIGH is cleared once the zone is above its high watermark.
void PerCpuPages618::free_frozen_page_commit(Zone& zone, unsigned cpu, PageIdx page, Migratetype mt,
                                             unsigned order) {
  Tuning& t = tuning_[cpu];
  t.alloc_factor >>= 1;
  const unsigned pindex = link_free(zone, cpu, page, order, mt);
  const bool flush = free_high(cpu, order);
  if (t.free_count < std::int64_t{rules_.batch} << kBatchScaleMax)
    t.free_count += std::int64_t{1} << order;
  const std::int64_t high = nr_pcp_high(cpu, flush);
  if (pages(cpu) < high) return;
  free_pcppages_bulk(zone, cpu, nr_pcp_free(cpu, high, flush), pindex);
  if (zone_below_high_ && zone_watermark_ok(zone)) zone_below_high_ = false;
}

// free_frozen_page_commit()'s free_high (6.16+ threshold batch + high_min / 2): the second of
// consecutive order 1..3 frees while free_count is over the threshold, and with
// PCPF_FREE_HIGH_BATCH only once batch pages are cached. Sets / clears PCPF_PREV_FREE_HIGH_ORDER.
bool PerCpuPages618::free_high(unsigned cpu, unsigned order) {
  Tuning& t = tuning_[cpu];
  if (order == 0 || order > kCostlyOrder) {
    t.prev_free_high_order = false;
    return false;
  }
  const std::int64_t batch = rules_.batch;
  const bool high = t.free_count >= batch + rules_.high_min / 2 && t.prev_free_high_order &&
                    (!rules_.free_high_batch || pages(cpu) >= batch);
  t.prev_free_high_order = true;
  return high;
}

// Linux 6.18 mm/page_alloc.c nr_pcp_high(): the count at which a free drains. ZONE_RECLAIM_ACTIVE
// is never set (no kswapd in a replay). Below the high watermark high shrinks by
// max(free_count, batch) and a drain needs count >= high_min; else a drain grows high to hold
// free_count + batch.
std::int64_t PerCpuPages618::nr_pcp_high(unsigned cpu, bool free_high) {
  Tuning& t = tuning_[cpu];
  const std::int64_t batch = rules_.batch;
  const std::int64_t high_min = rules_.high_min;
  const std::int64_t high_max = rules_.high_max;
  std::int64_t high = clamp_high(cpu);
  if (high == 0) return 0;
  if (free_high) {
    t.high = std::max(high - (batch << kBatchScaleMax), high_min);
    return 0;
  }
  if (high_min == high_max) return high;
  if (zone_below_high_) {
    t.high = std::max(high - std::max(t.free_count, batch), high_min);
    high = std::max(pages(cpu), high_min);
  } else if (pages(cpu) >= high) {
    const std::int64_t need_high = t.free_count + batch;
    if (t.high < need_high) t.high = std::min(std::max(need_high, high_min), high_max);
  }
  return high;
}

// Linux 6.18 mm/page_alloc.c nr_pcp_free(): a free_high flush frees up to batch << 5 pages;
// otherwise clamp_t(free_count, batch, high - batch) (min(max()): high - batch wins).
std::int64_t PerCpuPages618::nr_pcp_free(unsigned cpu, std::int64_t high, bool free_high) const {
  const std::int64_t batch = rules_.batch;
  if (free_high) return std::min(pages(cpu), batch << kBatchScaleMax);
  if (high < batch) return 1;
  return std::min(std::max(tuning_[cpu].free_count, batch), high - batch);
}

// Linux 6.18 mm/page_alloc.c zone_watermark_ok(zone, 0, high_wmark_pages(zone), ZONE_MOVABLE, 0)
// (__zone_watermark_ok at order 0 without ALLOC_RESERVES): NR_FREE_PAGES (every free list but
// ISOLATE's) less nr_free_highatomic must exceed the mark; lowmem_reserve is 0 in a one-zone
// model and there is no CMA.
bool PerCpuPages618::zone_watermark_ok(const Zone& zone) const {
  std::int64_t free_pages = 0;
  for (unsigned o = 0; o < zone.max_order(); ++o)
    for (int t = 0; t < kMigratetypes; ++t) {
      const Migratetype mt = migratetype_at(t);
      const auto pages = static_cast<std::int64_t>(zone.free_list(o, mt).count << o);
      if (mt == Migratetype::highatomic) free_pages -= pages; // unusable_free
      if (mt != Migratetype::isolate) free_pages += pages;
    }
  return free_pages > static_cast<std::int64_t>(rules_.high_wmark);
}

// Linux 6.18 mm/page_alloc.c decay_pcp_high() (6.18.y stable: the drain in chunks of batch):
// high falls by high / 8 per call, never below count - (batch << 5) nor high_min, and the lists
// are drained down to it through free_pcppages_bulk from list 0.
bool PerCpuPages618::decay_pcp_high(Zone& zone, unsigned cpu) {
  Tuning& t = tuning_[cpu];
  const std::int64_t batch = rules_.batch;
  const std::int64_t high_min = rules_.high_min;
  bool todo = false;
  if (t.high > high_min) {
    t.high = std::max({pages(cpu) - (batch << kBatchScaleMax), t.high - (t.high >> 3), high_min});
    todo = t.high > high_min;
  }
  for (std::int64_t to_drain = pages(cpu) - t.high; to_drain > 0;) {
    const std::int64_t batched = std::min(to_drain, batch);
    free_pcppages_bulk(zone, cpu, batched, 0);
    todo = true;
    to_drain -= batched;
  }
  return todo;
}

void PerCpuPages618::check_invariants(const Zone& zone) const {
  PcpOrderLists::check_invariants(zone);
  const std::int64_t free_count_cap =
      (std::int64_t{rules_.batch} << kBatchScaleMax) + (std::int64_t{1} << rules_.pageblock_order);
  for (unsigned cpu = 0; cpu < tuning_.size(); ++cpu) {
    const Tuning& t = tuning_[cpu];
    if (t.high < 0 || t.free_count < 0 || t.free_count >= free_count_cap ||
        t.alloc_factor > kBatchScaleMax)
      throw InternalError(fmt::format(
          "invariant violated: pcp tuning of cpu {} out of bounds (high {}, free_count {}, "
          "alloc_factor {})",
          cpu, t.high, t.free_count, t.alloc_factor));
  }
}

} // namespace memsim
