// Per-CPU page lists of 3.11 (order 0 only): buffered_rmqueue's pcp branch with its
// rmqueue_bulk refill, and free_hot_cold_page with its free_pcppages_bulk spill.
#include <algorithm>

#include "policy/policy.hpp"
#include "zone/zone.hpp"

namespace memsim {

void Zone::pcp_link(PageList& list, PageIdx page, bool tail) {
  Page& p = pages_[page];
  if (tail) {
    p.prev = list.tail;
    p.next = kNoPage;
    if (list.tail == kNoPage)
      list.head = page;
    else
      pages_[list.tail].next = page;
    list.tail = page;
  } else {
    p.next = list.head;
    p.prev = kNoPage;
    if (list.head == kNoPage)
      list.tail = page;
    else
      pages_[list.head].prev = page;
    list.head = page;
  }
  ++list.count;
  ++regions_[region_of(page)].pcp_pages;
}

void Zone::pcp_unlink(PageList& list, PageIdx page) {
  Page& p = pages_[page];
  if (p.prev == kNoPage)
    list.head = p.next;
  else
    pages_[p.prev].next = p.next;
  if (p.next == kNoPage)
    list.tail = p.prev;
  else
    pages_[p.next].prev = p.prev;
  p.prev = p.next = kNoPage;
  --list.count;
  --regions_[region_of(page)].pcp_pages;
}

// buffered_rmqueue(): order 0 through the CPU's list, other orders straight from __rmqueue.
Taken Zone::alloc_pages(unsigned order, Migratetype mt, unsigned cpu, bool cold) {
  if (order == 0 && config_.pcp.enabled) return rmqueue_pcp(mt, cpu, cold);
  return policy_.rmqueue(*this, order, mt);
}

// buffered_rmqueue(), order 0: refill an empty list with rmqueue_bulk, then pop the head
// (hot) or the tail (cold). Fails when the list is still empty (docs/semantics.md D7).
Taken Zone::rmqueue_pcp(Migratetype mt, unsigned cpu, bool cold) {
  PerCpuPages& pcp = pcp_[cpu];
  PageList& list = pcp.lists[index_of(mt)];
  if (list.empty()) {
    rmqueue_bulk(pcp, mt, cold);
    if (list.empty()) return {};
  }
  const PageIdx page = cold ? list.tail : list.head;
  pcp_unlink(list, page);
  --pcp.count;
  return {page, (pages_[page].flags & kPageFallback) != 0};
}

// rmqueue_bulk(): `batch` __rmqueue calls; each page is linked after the previous one (hot:
// list_add on the last page, i.e. appended; cold: list_add_tail on it, i.e. prepended), so a
// hot or cold pop both return the first page taken. Each page's freepage migratetype is the
// requested type, whatever list it came from.
std::uint64_t Zone::rmqueue_bulk(PerCpuPages& pcp, Migratetype mt, bool cold) {
  PageList& list = pcp.lists[index_of(mt)];
  std::uint64_t taken = 0;
  for (; taken < geometry_.pcp_batch; ++taken) {
    const Taken t = policy_.rmqueue(*this, 0, mt);
    if (t.block == kNoPage) break;
    Page& p = pages_[t.block];
    p.state = PageState::pcp;
    p.order = 0;
    p.mt = mt;
    p.flags = t.fallback ? kPageFallback : 0;
    pcp_link(list, t.block, !cold);
    ++pcp.count;
  }
  return taken;
}

// free_hot_cold_page(): the page takes its pageblock's type as freepage migratetype; RESERVE
// pages ride the MOVABLE list. A list reaching `high` spills min(batch, count) pages.
void Zone::free_hot_cold_page(PageIdx page, unsigned cpu, bool cold) {
  PerCpuPages& pcp = pcp_[cpu];
  const Migratetype mt = pageblock_migratetype(page);
  Page& p = pages_[page];
  p.state = PageState::pcp;
  p.order = 0;
  p.mt = mt;
  p.flags = 0;
  const Migratetype list_mt = index_of(mt) >= kRequestableTypes ? Migratetype::movable : mt;
  pcp_link(pcp.lists[index_of(list_mt)], page, cold);
  ++pcp.count;
  if (pcp.count >= geometry_.pcp_high) {
    free_pcppages_bulk(pcp, std::min<std::uint64_t>(geometry_.pcp_batch, pcp.count));
  }
}

// free_pcppages_bulk(): round-robin over the three lists starting after UNMOVABLE, taking
// up to batch_free pages off each list's tail (coldest); batch_free grows with every list
// looked at and carries over between rounds exactly as coded; when only one list is left it
// is drained. Each page goes to __free_one_page with its freepage migratetype.
void Zone::free_pcppages_bulk(PerCpuPages& pcp, std::uint64_t count) {
  int mt = 0;
  std::uint64_t batch_free = 0;
  std::uint64_t to_free = count;
  while (to_free != 0) {
    PageList* list = nullptr;
    do {
      ++batch_free;
      if (++mt == kRequestableTypes) mt = 0;
      list = &pcp.lists[mt];
    } while (list->empty());
    if (batch_free == kRequestableTypes) batch_free = to_free;
    do {
      const PageIdx page = list->tail;
      pcp_unlink(*list, page);
      --pcp.count;
      pages_[page].state = PageState::tail;
      free_one_page(page, 0, pages_[page].mt);
    } while (--to_free != 0 && --batch_free != 0 && !list->empty());
  }
}

} // namespace memsim
