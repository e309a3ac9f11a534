// The zone's state and its primitives: construction, free-list linking, the lists of back-ends
// and per-CPU models, and the per-region / per-pageblock counters the stats read. The buddy
// functions are in buddy.cpp, initialisation in boot.cpp, the recount in invariants.cpp.
#include "zone/zone.hpp"

#include <algorithm>

namespace memsim {

Zone::Zone(const Config& config, const Geometry& geometry)
    : config_(config), geometry_(geometry), pages_(geometry.pages),
      pageblock_mt_((geometry.pages + geometry.pageblock_pages - 1) / geometry.pageblock_pages,
                    Migratetype::movable), // memmap_init_zone(): every pageblock MOVABLE
      free_area_(config.zone.max_order), nr_free_(config.zone.max_order, 0),
      regions_(geometry.regions), pageblock_allocated_(pageblock_mt_.size()) {}

void Zone::link(PageIdx block, unsigned order, Migratetype mt, PageIdx prev, PageIdx next) {
  Page& p = pages_[block];
  p.order = static_cast<std::uint8_t>(order);
  p.state = PageState::free_head;
  p.mt = mt;
  p.flags = 0;
  list_link(pages_.data(), free_area_[order][index_of(mt)], block, prev, next);
  ++nr_free_[order];
}

void Zone::link_head(PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, kNoPage, free_list(order, mt).head);
}

void Zone::link_tail(PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, free_list(order, mt).tail, kNoPage);
}

void Zone::link_after(PageIdx at, PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, at, pages_[at].next);
}

void Zone::link_before(PageIdx at, PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, pages_[at].prev, at);
}

void Zone::unlink(PageIdx block) {
  const Page& p = pages_[block];
  --nr_free_[p.order];
  list_unlink(pages_.data(), free_area_[p.order][index_of(p.mt)], block);
}

void Zone::hold_block(PageList& list, PageIdx block) {
  pages_[block].state = PageState::held;
  list_link_tail(pages_.data(), list, block);
}

void Zone::unhold_block(PageList& list, PageIdx block) {
  list_unlink(pages_.data(), list, block);
  pages_[block].state = PageState::tail;
}

void Zone::pcp_link(PageList& list, PageIdx block, unsigned order, Migratetype mt,
                    std::uint8_t flags, bool tail) {
  Page& p = pages_[block];
  p.state = PageState::pcp;
  p.order = static_cast<std::uint8_t>(order);
  p.mt = mt;
  p.flags = flags;
  if (tail) {
    list_link_tail(pages_.data(), list, block);
  } else {
    list_link_head(pages_.data(), list, block);
  }
  regions_[region_of(block)].pcp_pages += std::uint64_t{1} << order;
}

void Zone::pcp_unlink(PageList& list, PageIdx block) {
  list_unlink(pages_.data(), list, block);
  regions_[region_of(block)].pcp_pages -= std::uint64_t{1} << pages_[block].order;
}

// Allocated pages by requested type, per region and per pageblock (the stats' raw counters).
void Zone::count_pages(PageIdx block, unsigned order, Migratetype mt, std::int64_t sign) {
  const std::uint64_t size = std::uint64_t{1} << order;
  const int t = index_of(mt);
  RegionCounters& region = regions_[region_of(block)];
  region.allocated[t] = static_cast<std::uint64_t>(static_cast<std::int64_t>(region.allocated[t]) +
                                                   sign * static_cast<std::int64_t>(size));
  const std::uint64_t per_block = std::min(size, geometry_.pageblock_pages);
  const std::uint64_t first = block >> pageblock_order();
  const std::uint64_t blocks = (size + geometry_.pageblock_pages - 1) / geometry_.pageblock_pages;
  for (std::uint64_t b = first; b < first + blocks; ++b) {
    std::uint32_t& n = pageblock_allocated_[b][t];
    n = static_cast<std::uint32_t>(static_cast<std::int64_t>(n) +
                                   sign * static_cast<std::int64_t>(per_block));
  }
}

void Zone::mark_allocated(PageIdx block, unsigned order, Migratetype mt) {
  Page& p = pages_[block];
  p.state = PageState::alloc_head;
  p.order = static_cast<std::uint8_t>(order);
  p.mt = mt;
  p.flags = 0;
  p.prev = p.next = kNoPage;
  count_pages(block, order, mt, +1);
}

void Zone::mark_freed(PageIdx block) {
  Page& p = pages_[block];
  count_pages(block, p.order, p.mt, -1);
  p.state = PageState::tail;
}

// migrate_pages() as the engine sees it: the block `to` (taken off the free lists, same order)
// becomes the live allocation `from` was, and `from` stops being live.
void Zone::move_allocation(PageIdx from, PageIdx to) {
  const Page old = pages_[from];
  mark_allocated(to, old.order, old.mt);
  mark_freed(from);
}

// split_page(): the block's pages become order-0 allocations of the same type; no counter
// changes, nothing moves.
void Zone::split_allocation(PageIdx block) {
  const Page head = pages_[block];
  const std::uint64_t size = std::uint64_t{1} << head.order;
  for (std::uint64_t i = 0; i < size; ++i) {
    Page& p = pages_[block + i];
    p.state = PageState::alloc_head;
    p.order = 0;
    p.mt = head.mt;
  }
}

} // namespace memsim
