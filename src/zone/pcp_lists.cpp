// Per-order per-CPU lists of Linux 6.1 mm/page_alloc.c: order_to_pindex, rmqueue_pcplist /
// __rmqueue_pcplist with rmqueue_bulk, free_unref_page / free_unref_page_commit with
// nr_pcp_high and nr_pcp_free, and free_pcppages_bulk, each literal (docs/semantics.md D61-16,
// D61-17), plus the PcpModel hooks that drive and ask the same lists from outside.
#include "zone/pcp_lists.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {

PerCpuPages61::PerCpuPages61(unsigned cpus, const PcpRules61& rules) : cpus_(cpus), rules_(rules) {}

// Linux 6.1 mm/page_alloc.c pcp_allowed_order(): orders up to PAGE_ALLOC_COSTLY_ORDER and the
// THP order (CONFIG_TRANSPARENT_HUGEPAGE).
bool PerCpuPages61::pcp_allowed_order(unsigned order) const {
  if (!rules_.high_orders) return order == 0;
  return order <= kCostlyOrder || order == rules_.pageblock_order;
}

// Linux 6.1 mm/page_alloc.c order_to_pindex(): 3 x order + type below the costly order; the
// THP order has one list for MOVABLE and one for the rest (NR_PCP_THP = 2, 6.1.97+).
unsigned PerCpuPages61::order_to_pindex(Migratetype mt, unsigned order) const {
  if (order > kCostlyOrder) return kLowOrderLists + (mt == Migratetype::movable ? 1U : 0U);
  return kRequestableTypes * order + pcp_type_61(mt);
}

// Linux 6.1 mm/page_alloc.c pindex_to_order().
unsigned PerCpuPages61::pindex_to_order(unsigned pindex) const {
  return pindex >= kLowOrderLists ? rules_.pageblock_order : pindex / kRequestableTypes;
}

// Linux 6.1 mm/page_alloc.c rmqueue_pcplist() and __rmqueue_pcplist(): free_factor is halved
// on every entry, even when the refill then fails (D61-17); the list head is handed out.
Taken PerCpuPages61::rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt,
                                     unsigned cpu) {
  Cpu& pcp = cpus_[cpu];
  pcp.free_factor >>= 1;
  PageList& list = pcp.lists[order_to_pindex(mt, order)];
  if (list.empty()) {
    rmqueue_bulk(zone, buddy, pcp, order, mt);
    if (list.empty()) return {};
  }
  const PageIdx page = list.head;
  const bool fallback = (zone.page(page).flags & kPageFallback) != 0;
  zone.pcp_unlink(list, page);
  zone.pcp_release(page);
  pcp.count -= std::int64_t{1} << order;
  return {page, fallback, TakeSource::pcp};
}

// Linux 6.1 mm/page_alloc.c rmqueue_bulk() with __rmqueue_pcplist's count: max(batch >> order,
// 2) __rmqueue calls when batch > 1, each block list_add_tail'ed (so the list is in extraction
// order) with the requested type cached and the call's fallback flag (D61-10).
void PerCpuPages61::rmqueue_bulk(Zone& zone, Rmqueue& buddy, Cpu& pcp, unsigned order,
                                 Migratetype mt) {
  unsigned batch = rules_.batch;
  if (batch > 1) batch = std::max(batch >> order, 2U);
  for (unsigned i = 0; i < batch; ++i) {
    const Taken t = buddy.rmqueue(order, mt);
    if (t.block == kNoPage) break;
    link(zone, pcp, {0, t.block, order, mt, PcpInsert::refill, false, t.fallback});
  }
}

// Linux 6.1 mm/page_alloc.c free_unref_page() (with free_unref_page_prepare): the cached type is
// the pageblock's at free time; a per-CPU trylock never fails here (D61-4).
void PerCpuPages61::free_unref_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu) {
  const Migratetype mt = zone.pageblock_migratetype(page);
  if (mt == Migratetype::isolate) {
    zone.free_one_page(page, order, mt);
    return;
  }
  free_unref_page_commit(zone, cpus_[cpu], page, mt, order);
}

// Linux 6.1 mm/page_alloc.c free_unref_page_commit(): list_add (head), then a drain starting
// at this page's list when the count reaches nr_pcp_high.
void PerCpuPages61::free_unref_page_commit(Zone& zone, Cpu& pcp, PageIdx page, Migratetype mt,
                                           unsigned order) {
  const unsigned pindex = order_to_pindex(pcp_list_type(mt), order);
  link(zone, pcp, {0, page, order, mt, PcpInsert::free, false, false});
  const bool free_high = pcp.free_factor != 0 && order != 0 && order <= kCostlyOrder;
  const std::int64_t high = nr_pcp_high(free_high);
  if (pcp.count >= high)
    free_pcppages_bulk(zone, pcp, nr_pcp_free(pcp, high, rules_.batch, free_high), pindex);
}

// Linux 6.1 mm/page_alloc.c nr_pcp_high(): ZONE_RECLAIM_ACTIVE is never set (D61-4).
unsigned PerCpuPages61::nr_pcp_high(bool free_high) const {
  if (rules_.high == 0 || free_high) return 0;
  return rules_.high;
}

// Linux 6.1 mm/page_alloc.c nr_pcp_free(), with the kernel's clamp() = min(max(n, lo), hi):
// hi wins when lo > hi (D61-17). free_factor grows up to CONFIG_PCP_BATCH_SCALE_MAX.
std::int64_t PerCpuPages61::nr_pcp_free(Cpu& pcp, std::int64_t high, std::int64_t batch,
                                        bool free_high) const {
  if (free_high) return pcp.count;
  if (high < batch) return 1;
  const std::int64_t min_nr_free = batch;
  const std::int64_t max_nr_free = high - batch;
  const std::int64_t n = batch << pcp.free_factor;
  if (rules_.free_factor && n < max_nr_free && pcp.free_factor < kBatchScaleMax) ++pcp.free_factor;
  return std::min(std::max(n, min_nr_free), max_nr_free);
}

DrainCursor PerCpuPages61::fresh_cursor(unsigned pindex) {
  return {static_cast<int>(pindex) - 1, 0, static_cast<int>(kLists) - 1, false};
}

// free_pcppages_bulk()'s "remove pages from lists in a round-robin fashion": stay on the list
// being drained while it has pages, else step on (wrapping to min_pindex), narrowing the window
// past empty lists at its edges. -1 when every list is empty (the kernel never asks then).
int PerCpuPages61::next_drain_list(const Cpu& pcp, DrainCursor& cursor) const {
  if (std::all_of(pcp.lists.begin(), pcp.lists.end(), [](const PageList& l) { return l.empty(); }))
    return -1;
  if (cursor.on_list && !pcp.lists[static_cast<unsigned>(cursor.pindex)].empty())
    return cursor.pindex;
  for (;;) {
    if (++cursor.pindex > cursor.max_pindex) cursor.pindex = cursor.min_pindex;
    if (!pcp.lists[static_cast<unsigned>(cursor.pindex)].empty()) break;
    if (cursor.pindex == cursor.max_pindex) --cursor.max_pindex;
    if (cursor.pindex == cursor.min_pindex) ++cursor.min_pindex;
  }
  cursor.on_list = true;
  return cursor.pindex;
}

// Linux 6.1 mm/page_alloc.c free_pcppages_bulk(), literally (D61-16): count = min(count,
// pcp->count); the freed page's list first; each list visited is drained from its tail until
// empty or count <= 0 (count may go below 0 on a high-order list); each block to
// __free_one_page with its cached type.
void PerCpuPages61::free_pcppages_bulk(Zone& zone, Cpu& pcp, std::int64_t count, unsigned pindex) {
  count = std::min(count, pcp.count);
  pcp.cursor = fresh_cursor(pindex);
  while (count > 0) {
    const auto p = static_cast<unsigned>(next_drain_list(pcp, pcp.cursor));
    PageList& list = pcp.lists[p];
    const std::int64_t nr_pages = std::int64_t{1} << pindex_to_order(p);
    do {
      drain_one(zone, pcp, list.tail);
      count -= nr_pages;
    } while (count > 0 && !list.empty());
  }
}

void PerCpuPages61::drain_one(Zone& zone, Cpu& pcp, PageIdx page) {
  const Page& p = zone.page(page);
  const Migratetype cached = p.mt;
  const unsigned order = p.order;
  zone.pcp_unlink(pcp.lists[pindex_of(zone, page)], page);
  zone.pcp_release(page);
  pcp.count -= std::int64_t{1} << order;
  zone.free_one_page(page, order, cached);
}

void PerCpuPages61::link(Zone& zone, Cpu& pcp, const PcpEntry& entry) {
  PageList& list = pcp.lists[order_to_pindex(pcp_list_type(entry.mt), entry.order)];
  const bool refill = entry.how == PcpInsert::refill;
  zone.pcp_link(list, entry.block, entry.order, entry.mt,
                refill && entry.fallback ? kPageFallback : 0, refill);
  pcp.count += std::int64_t{1} << entry.order;
}

unsigned PerCpuPages61::pindex_of(const Zone& zone, PageIdx block) const {
  const Page& p = zone.page(block);
  return order_to_pindex(pcp_list_type(p.mt), p.order);
}

void PerCpuPages61::add(Zone& zone, const PcpEntry& entry) {
  link(zone, cpus_[entry.cpu], entry);
}

void PerCpuPages61::remove(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  const unsigned order = zone.page(block).order;
  zone.pcp_unlink(pcp.lists[pindex_of(zone, block)], block);
  zone.pcp_release(block);
  pcp.count -= std::int64_t{1} << order;
}

PageIdx PerCpuPages61::peek(const Zone& /*zone*/, const PcpQuery& query) const {
  if (!pcp_allowed_order(query.order)) return kNoPage;
  return cpus_[query.cpu].lists[order_to_pindex(query.mt, query.order)].head;
}

// drain_pages_zone() starts at list 0; a drain after a free at the freed page's list. The count
// only says when the kernel stops, which the trace shows.
void PerCpuPages61::begin_drain(const Zone& zone, unsigned cpu, PageIdx freed,
                                std::uint64_t /*count*/) {
  cpus_[cpu].cursor = fresh_cursor(freed == kNoPage ? 0 : pindex_of(zone, freed));
}

PageIdx PerCpuPages61::next_drain(const Zone& /*zone*/, unsigned cpu) const {
  const Cpu& pcp = cpus_[cpu];
  DrainCursor cursor = pcp.cursor;
  const int p = next_drain_list(pcp, cursor);
  return p < 0 ? kNoPage : pcp.lists[static_cast<unsigned>(p)].tail;
}

void PerCpuPages61::drain_block(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  pcp.cursor.pindex = static_cast<int>(pindex_of(zone, block));
  pcp.cursor.on_list = true;
  drain_one(zone, pcp, block);
}

void PerCpuPages61::check_invariants(const Zone& zone) const {
  const auto broken = [](const std::string& what) {
    throw InternalError("invariant violated: " + what);
  };
  std::uint64_t listed = 0;
  for (unsigned cpu = 0; cpu < cpus_.size(); ++cpu) {
    std::int64_t pages = 0;
    for (unsigned p = 0; p < kLists; ++p) {
      std::uint64_t n = 0;
      for (PageIdx i = cpus_[cpu].lists[p].head; i != kNoPage; i = zone.page(i).next) {
        const Page& page = zone.page(i);
        if (page.state != PageState::pcp || pindex_of(zone, i) != p ||
            page.order != pindex_to_order(p))
          broken(fmt::format("page {} on pcp list {} of cpu {} does not belong there", i, p, cpu));
        if (++n > zone.pages()) broken("pcp list has a cycle");
        pages += std::int64_t{1} << page.order;
      }
      if (n != cpus_[cpu].lists[p].count) broken("pcp list count disagrees with its pages");
    }
    if (pages != cpus_[cpu].count)
      broken(fmt::format("pcp count {} of cpu {} but its lists hold {} pages", cpus_[cpu].count,
                         cpu, pages));
    listed += static_cast<std::uint64_t>(pages);
  }
  std::uint64_t in_state = 0;
  for (const RegionCounters& r : zone.region_counters()) in_state += r.pcp_pages;
  if (listed != in_state) broken("pages in pcp state that are on no pcp list");
}

} // namespace memsim
