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

void Zone::link_after(PageIdx at, PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, at, pages_[at].next);
}

void Zone::link_before(PageIdx at, PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, pages_[at].prev, at);
}

void Zone::hold_block(PageList& list, PageIdx block) {
  pages_[block].state = PageState::held;
  list_link_tail(pages_.data(), list, block);
}

void Zone::unhold_block(PageList& list, PageIdx block) {
  list_unlink(pages_.data(), list, block);
  pages_[block].state = PageState::tail;
}

// Allocated pages by requested type, per region and per pageblock (the stats' raw counters).

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
