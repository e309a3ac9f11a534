// Per-CPU page lists of Linux 3.11 (order 0 only): the rmqueue_bulk refill of buffered_rmqueue's
// per-CPU branch and the free_pcppages_bulk spill of free_hot_cold_page (both per-event paths are
// inline in pcp_311.hpp), and the lists' invariants.
#include "zone/pcp_311.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {

PerCpuPages311::PerCpuPages311(unsigned cpus, unsigned batch, unsigned high)
    : cpus_(cpus), batch_(batch), high_(high) {}

// rmqueue_bulk(): `batch` __rmqueue calls; each page is linked after the previous one (hot:
// list_add on the last page, i.e. appended; cold: list_add_tail on it, i.e. prepended), so a
// hot or cold pop both return the first page taken. Each page's freepage migratetype is the
// requested type, whatever list it came from.
void PerCpuPages311::rmqueue_bulk(Zone& zone, Rmqueue& buddy, Cpu& pcp, Migratetype mt, bool cold) {
  PageList& list = pcp.lists[index_of(mt)];
  for (unsigned taken = 0; taken < batch_; ++taken) {
    const Taken t = buddy.rmqueue(0, mt);
    if (t.block == kNoPage) break;
    zone.pcp_link(list, t.block, 0, mt, t.fallback ? kPageFallback : 0, !cold);
    ++pcp.count;
  }
}

// free_pcppages_bulk(): round-robin over the three lists starting after UNMOVABLE, taking
// up to batch_free pages off each list's tail (coldest); batch_free grows with every list
// looked at and carries over between rounds exactly as coded; when only one list is left it
// is drained. Each page goes to __free_one_page with its freepage migratetype.
void PerCpuPages311::free_pcppages_bulk(Zone& zone, Cpu& pcp, std::uint64_t count) {
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
      const Migratetype cached = zone.page(page).mt;
      zone.pcp_unlink(*list, page);
      zone.pcp_release(page);
      --pcp.count;
      zone.free_one_page(page, 0, cached);
    } while (--to_free != 0 && --batch_free != 0 && !list->empty());
  }
}

// --- PcpModel (docs/spec.md §7.4) ---

// A refill appends (hot) or prepends (cold) as rmqueue_bulk links; a free goes to the head (hot)
// or the tail (cold) as free_hot_cold_page does.
void PerCpuPages311::add(Zone& zone, const PcpEntry& entry) {
  Cpu& pcp = cpus_[entry.cpu];
  const bool refill = entry.how == PcpInsert::refill;
  const bool tail = refill ? !entry.cold : entry.cold;
  zone.pcp_link(pcp.lists[index_of(pcp_list_type(entry.mt))], entry.block, 0, entry.mt,
                refill && entry.fallback ? kPageFallback : 0, tail);
  ++pcp.count;
}

void PerCpuPages311::remove(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  zone.pcp_unlink(pcp.lists[index_of(pcp_list_type(zone.page(block).mt))], block);
  zone.pcp_release(block);
  --pcp.count;
}

PageIdx PerCpuPages311::peek(const Zone& /*zone*/, const PcpQuery& query) const {
  if (query.order != 0) return kNoPage;
  const PageList& list = cpus_[query.cpu].lists[index_of(pcp_list_type(query.mt))];
  return query.cold ? list.tail : list.head;
}

// Every free_pcppages_bulk() call starts with migratetype = 0 and batch_free = 0, whatever
// was freed.
void PerCpuPages311::begin_drain(const Zone& /*zone*/, unsigned cpu, PageIdx /*freed*/,
                                 std::uint64_t /*count*/) {
  cpus_[cpu].drain = DrainState{};
}

int PerCpuPages311::next_drain_list(const Cpu& pcp, DrainState& state) {
  if (std::all_of(pcp.lists.begin(), pcp.lists.end(), [](const PageList& l) { return l.empty(); }))
    return -1;
  if (state.on_list && !pcp.lists[static_cast<unsigned>(state.mt)].empty()) return state.mt;
  do {
    ++state.batch_free;
    if (++state.mt == kRequestableTypes) state.mt = 0;
  } while (pcp.lists[static_cast<unsigned>(state.mt)].empty());
  if (state.batch_free == kRequestableTypes) state.batch_free = ~std::uint64_t{0};
  state.on_list = true;
  return state.mt;
}

PageIdx PerCpuPages311::next_drain(const Zone& /*zone*/, unsigned cpu) const {
  DrainState state = cpus_[cpu].drain;
  const int mt = next_drain_list(cpus_[cpu], state);
  return mt < 0 ? kNoPage : cpus_[cpu].lists[static_cast<unsigned>(mt)].tail;
}

// One page of the inner loop, off the list the trace says (the loop goes on to the next list
// from there); it goes to __free_one_page with its freepage migratetype.
void PerCpuPages311::drain_block(Zone& zone, unsigned cpu, PageIdx block) {
  Cpu& pcp = cpus_[cpu];
  const Migratetype cached = zone.page(block).mt;
  const int mt = index_of(pcp_list_type(cached));
  DrainState& state = pcp.drain;
  if (!state.on_list || state.mt != mt) {
    do { // the lists the outer loop looks at on the way
      ++state.batch_free;
      if (++state.mt == kRequestableTypes) state.mt = 0;
    } while (state.mt != mt);
    if (state.batch_free == kRequestableTypes) state.batch_free = ~std::uint64_t{0};
  }
  PageList& list = pcp.lists[static_cast<unsigned>(mt)];
  zone.pcp_unlink(list, block);
  zone.pcp_release(block);
  --pcp.count;
  zone.free_one_page(block, 0, cached);
  if (state.batch_free != 0) --state.batch_free;
  state.on_list = state.batch_free != 0 && !list.empty();
}

void PerCpuPages311::check_invariants(const Zone& zone) const {
  std::uint64_t listed = 0;
  for (const Cpu& pcp : cpus_) {
    std::uint64_t n = 0;
    for (const PageList& list : pcp.lists) {
      std::uint64_t m = 0;
      for (PageIdx i = list.head; i != kNoPage; i = zone.page(i).next) {
        if (zone.page(i).state != PageState::pcp)
          throw InternalError(fmt::format("invariant violated: page {} on a pcp list", i));
        if (++m > zone.pages()) throw InternalError("invariant violated: pcp list has a cycle");
      }
      if (m != list.count)
        throw InternalError("invariant violated: pcp list count disagrees with its pages");
      n += m;
    }
    if (n != pcp.count)
      throw InternalError("invariant violated: pcp count disagrees with its lists");
    listed += n;
  }
  std::uint64_t in_state = 0;
  for (const RegionCounters& r : zone.region_counters()) in_state += r.pcp_pages;
  if (listed != in_state)
    throw InternalError("invariant violated: pages in pcp state that are on no pcp list");
}

} // namespace memsim
