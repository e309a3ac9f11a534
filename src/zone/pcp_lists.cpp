// Per-order per-CPU lists of Linux mm/page_alloc.c: the list machinery 6.1 and 6.18 share
// (order_to_pindex, rmqueue_bulk's tail adds, free_pcppages_bulk's round robin, the PcpModel
// hooks) and 6.1's rules: rmqueue_pcplist / __rmqueue_pcplist, free_unref_page /
// free_unref_page_commit with nr_pcp_high and nr_pcp_free, each literal (docs/semantics.md
// D61-16, D61-17).
#include "zone/pcp_lists.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {

PcpOrderLists::PcpOrderLists(unsigned cpus, const PcpListRules& shape)
    : cpus_(cpus), shape_(shape) {}

// Linux 6.1 / 6.18 mm/page_alloc.c pcp_allowed_order(): orders up to PAGE_ALLOC_COSTLY_ORDER
// and the THP order (CONFIG_TRANSPARENT_HUGEPAGE).
bool PcpOrderLists::pcp_allowed_order(unsigned order) const {
  if (!shape_.high_orders) return order == 0;
  return order <= kCostlyOrder || order == shape_.pageblock_order;
}

// Linux 6.1 / 6.18 mm/page_alloc.c order_to_pindex(): 3 x order + type below the costly order;
// the THP order has one list for MOVABLE and one for the rest (NR_PCP_THP = 2, 6.1.97+).
unsigned PcpOrderLists::order_to_pindex(Migratetype mt, unsigned order) const {
  if (order > kCostlyOrder) return kLowOrderLists + (mt == Migratetype::movable ? 1U : 0U);
  return kRequestableTypes * order + pcp_type_61(mt);
}

// Linux 6.1 / 6.18 mm/page_alloc.c pindex_to_order().
unsigned PcpOrderLists::pindex_to_order(unsigned pindex) const {
  return pindex >= kLowOrderLists ? shape_.pageblock_order : pindex / kRequestableTypes;
}

// Linux 6.1 / 6.18 mm/page_alloc.c rmqueue_bulk().
void PcpOrderLists::rmqueue_bulk(Zone& zone, Rmqueue& buddy, unsigned cpu, unsigned order,
                                 Migratetype mt, std::int64_t count) {
  buddy.begin_bulk();
  for (std::int64_t i = 0; i < count; ++i) {
    const Taken t = buddy.rmqueue(order, mt);
    if (t.block == kNoPage) break;
    link(zone, cpus_[cpu], {cpu, t.block, order, mt, PcpInsert::refill, false, t.fallback});
  }
}

// Linux 6.1 / 6.18 mm/page_alloc.c __rmqueue_pcplist(): list_first_entry, list_del, count.
Taken PcpOrderLists::take_head(Zone& zone, unsigned cpu, unsigned order, Migratetype mt) {
  Cpu& pcp = cpus_[cpu];
  PageList& list = pcp.lists[order_to_pindex(mt, order)];
  if (list.empty()) return {};
  const PageIdx page = list.head;
  const bool fallback = (zone.page(page).flags & kPageFallback) != 0;
  zone.pcp_unlink(list, page);
  zone.pcp_release(page);
  pcp.count -= std::int64_t{1} << order;
  return {page, fallback, TakeSource::pcp};
}

bool PcpOrderLists::free_isolated(Zone& zone, PageIdx page, unsigned order) {
  if (zone.pageblock_migratetype(page) != Migratetype::isolate) return false;
  zone.free_one_page(page, order, Migratetype::isolate);
  return true;
}

unsigned PcpOrderLists::link_free(Zone& zone, unsigned cpu, PageIdx page, unsigned order,
                                  Migratetype mt) {
  link(zone, cpus_[cpu], {cpu, page, order, mt, PcpInsert::free, false, false});
  return order_to_pindex(pcp_list_type(mt), order);
}

DrainCursor PcpOrderLists::fresh_cursor(unsigned pindex) {
  return {static_cast<int>(pindex) - 1, 0, static_cast<int>(kLists) - 1, false};
}

// free_pcppages_bulk()'s "remove pages from lists in a round-robin fashion": stay on the list
// being drained while it has pages, else step on (wrapping to min_pindex), narrowing the window
// past empty lists at its edges (6.1; 6.18 has no window, which visits the same lists in the
// same order since a list emptied by a drain stays empty). -1 when every list is empty.
int PcpOrderLists::next_drain_list(const Cpu& pcp, DrainCursor& cursor) const {
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

// Linux 6.1 / 6.18 mm/page_alloc.c free_pcppages_bulk(), literally (D61-16).
void PcpOrderLists::free_pcppages_bulk(Zone& zone, unsigned cpu, std::int64_t count,
                                       unsigned pindex) {
  Cpu& pcp = cpus_[cpu];
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

// One page of free_pcppages_bulk(): 6.1 frees it with its cached type (get_pcppage_migratetype),
// 6.18 with get_pfnblock_migratetype() at this moment.
void PcpOrderLists::drain_one(Zone& zone, Cpu& pcp, PageIdx page) {
  const Page& p = zone.page(page);
  const Migratetype mt =
      shape_.drain_type == DrainType::cached ? p.mt : zone.pageblock_migratetype(page);
  const unsigned order = p.order;
  zone.pcp_unlink(pcp.lists[pindex_of(zone, page)], page);
  zone.pcp_release(page);
  pcp.count -= std::int64_t{1} << order;
  zone.free_one_page(page, order, mt);
}

void PcpOrderLists::link(Zone& zone, Cpu& pcp, const PcpEntry& entry) {
  PageList& list = pcp.lists[order_to_pindex(pcp_list_type(entry.mt), entry.order)];
  const bool refill = entry.how == PcpInsert::refill;
  zone.pcp_link(list, entry.block, entry.order, entry.mt,
                refill && entry.fallback ? kPageFallback : 0, refill);
  pcp.count += std::int64_t{1} << entry.order;
}

unsigned PcpOrderLists::pindex_of(const Zone& zone, PageIdx block) const {
  const Page& p = zone.page(block);
  return order_to_pindex(pcp_list_type(p.mt), p.order);
}

void PcpOrderLists::add(Zone& zone, const PcpEntry& entry) {
  link(zone, cpus_[entry.cpu], entry);
}

void PcpOrderLists::remove(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  const unsigned order = zone.page(block).order;
  zone.pcp_unlink(pcp.lists[pindex_of(zone, block)], block);
  zone.pcp_release(block);
  pcp.count -= std::int64_t{1} << order;
}

PageIdx PcpOrderLists::peek(const Zone& /*zone*/, const PcpQuery& query) const {
  if (!pcp_allowed_order(query.order)) return kNoPage;
  return cpus_[query.cpu].lists[order_to_pindex(query.mt, query.order)].head;
}

// drain_pages_zone() and 6.18's decay_pcp_high() start at list 0; a drain after a free at the
// freed page's list. The count only says when the kernel stops, which the trace shows.
void PcpOrderLists::begin_drain(const Zone& zone, unsigned cpu, PageIdx freed,
                                std::uint64_t /*count*/) {
  cpus_[cpu].cursor = fresh_cursor(freed == kNoPage ? 0 : pindex_of(zone, freed));
}

PageIdx PcpOrderLists::next_drain(const Zone& /*zone*/, unsigned cpu) const {
  const Cpu& pcp = cpus_[cpu];
  DrainCursor cursor = pcp.cursor;
  const int p = next_drain_list(pcp, cursor);
  return p < 0 ? kNoPage : pcp.lists[static_cast<unsigned>(p)].tail;
}

void PcpOrderLists::drain_block(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  pcp.cursor.pindex = static_cast<int>(pindex_of(zone, block));
  pcp.cursor.on_list = true;
  drain_one(zone, pcp, block);
}

PerCpuPages61::PerCpuPages61(unsigned cpus, const PcpRules61& rules)
    : PcpOrderLists(cpus, {rules.pageblock_order, rules.high_orders, DrainType::cached}),
      free_factor_(cpus, 0), rules_(rules) {}

// Linux 6.1 mm/page_alloc.c rmqueue_pcplist() and __rmqueue_pcplist(): free_factor is halved
// on every entry, even when the refill then fails (D61-17); an empty list is refilled by
// rmqueue_bulk with max(batch >> order, 2) blocks when batch > 1; the list head is handed out.
Taken PerCpuPages61::rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt,
                                     unsigned cpu) {
  free_factor_[cpu] >>= 1;
  if (list_empty(cpu, order, mt)) {
    unsigned batch = rules_.batch;
    if (batch > 1) batch = std::max(batch >> order, 2U);
    rmqueue_bulk(zone, buddy, cpu, order, mt, batch);
  }
  return take_head(zone, cpu, order, mt);
}

// Linux 6.1 mm/page_alloc.c free_unref_page() (with free_unref_page_prepare): the cached type is
// the pageblock's at free time; a per-CPU trylock never fails here (D61-4).
void PerCpuPages61::free_unref_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu) {
  if (free_isolated(zone, page, order)) return;
  free_unref_page_commit(zone, cpu, page, zone.pageblock_migratetype(page), order);
}

// Linux 6.1 mm/page_alloc.c free_unref_page_commit(): list_add (head), then a drain starting
// at this page's list when the count reaches nr_pcp_high.
void PerCpuPages61::free_unref_page_commit(Zone& zone, unsigned cpu, PageIdx page, Migratetype mt,
                                           unsigned order) {
  const unsigned pindex = link_free(zone, cpu, page, order, mt);
  const bool free_high = free_factor_[cpu] != 0 && order != 0 && order <= kCostlyOrder;
  const std::int64_t high = nr_pcp_high(free_high);
  if (pages(cpu) >= high)
    free_pcppages_bulk(zone, cpu, nr_pcp_free(cpu, high, rules_.batch, free_high), pindex);
}

// Linux 6.1 mm/page_alloc.c nr_pcp_high(): ZONE_RECLAIM_ACTIVE is never set (D61-4).
unsigned PerCpuPages61::nr_pcp_high(bool free_high) const {
  if (rules_.high == 0 || free_high) return 0;
  return rules_.high;
}

// Linux 6.1 mm/page_alloc.c nr_pcp_free(), with the kernel's clamp() = min(max(n, lo), hi):
// hi wins when lo > hi (D61-17). free_factor grows up to CONFIG_PCP_BATCH_SCALE_MAX.
std::int64_t PerCpuPages61::nr_pcp_free(unsigned cpu, std::int64_t high, std::int64_t batch,
                                        bool free_high) {
  if (free_high) return pages(cpu);
  if (high < batch) return 1;
  const std::int64_t min_nr_free = batch;
  const std::int64_t max_nr_free = high - batch;
  unsigned& free_factor = free_factor_[cpu];
  const std::int64_t n = batch << free_factor;
  if (rules_.free_factor && n < max_nr_free && free_factor < kBatchScaleMax) ++free_factor;
  return std::min(std::max(n, min_nr_free), max_nr_free);
}

void PcpOrderLists::check_invariants(const Zone& zone) const {
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
