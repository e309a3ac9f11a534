// The zone's state and its buddy-list primitives: construction, free-list linking, counters,
// and the 3.11 functions that move blocks between lists (expand, __free_one_page,
// move_freepages, set_pageblock_migratetype). Per-CPU lists are in pcp.cpp, boot in boot.cpp.
#include "zone/zone.hpp"

#include "memsim/error.hpp"
#include "policy/policy.hpp"

namespace memsim {

Zone::Zone(const Config& config, const Geometry& geometry, Policy& policy)
    : config_(config), geometry_(geometry), policy_(policy), pages_(geometry.pages),
      pageblock_mt_((geometry.pages + geometry.pageblock_pages - 1) / geometry.pageblock_pages,
                    Migratetype::movable), // memmap_init_zone(): every pageblock MOVABLE
      free_area_(config.zone.max_order), nr_free_(config.zone.max_order, 0), pcp_(config.zone.cpus),
      regions_(geometry.regions), pageblock_allocated_(pageblock_mt_.size()) {}

void Zone::link(PageIdx block, unsigned order, Migratetype mt, PageIdx prev, PageIdx next) {
  PageList& list = free_list(order, mt);
  Page& p = pages_[block];
  p.prev = prev;
  p.next = next;
  p.order = static_cast<std::uint8_t>(order);
  p.state = PageState::free_head;
  p.mt = mt;
  p.flags = 0;
  if (prev == kNoPage) {
    list.head = block;
  } else {
    pages_[prev].next = block;
  }
  if (next == kNoPage) {
    list.tail = block;
  } else {
    pages_[next].prev = block;
  }
  ++list.count;
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
  Page& p = pages_[block];
  PageList& list = free_list(p.order, p.mt);
  if (p.prev == kNoPage) {
    list.head = p.next;
  } else {
    pages_[p.prev].next = p.next;
  }
  if (p.next == kNoPage) {
    list.tail = p.prev;
  } else {
    pages_[p.next].prev = p.prev;
  }
  p.prev = p.next = kNoPage;
  --list.count;
  --nr_free_[p.order];
}

// expand(): the caller took a block of order `high`; hand back the upper halves, largest
// first, each to the head of free_list[half order][mt]. The lowest 2^low pages stay taken.
void Zone::expand(PageIdx block, unsigned low, unsigned high, Migratetype mt) {
  std::uint64_t size = std::uint64_t{1} << high;
  while (high > low) {
    --high;
    size >>= 1;
    policy_.add_to_freelist(*this, static_cast<PageIdx>(block + size), high, mt, false);
  }
}

// page_is_buddy(): inside the zone, PageBuddy (on a buddy list or held by the RA) and of
// exactly this order. Out-of-zone pages are never buddies (docs/semantics.md D23).
bool Zone::page_is_buddy(PageIdx buddy, unsigned order) const {
  if (buddy >= pages_.size()) return false;
  const Page& b = pages_[buddy];
  return (b.state == PageState::free_head || b.state == PageState::held) && b.order == order;
}

// __free_one_page(): merge with free buddies whatever list they are on, then insert on
// free_list[order][mt] (the freeing page's type): at the tail when the final block is below
// MAX_ORDER-2 and its parent's buddy is free (it is likely to merge soon), else at the head.
// The zone starts on a max-order boundary, so zone indices give the kernel's page_idx bits.
void Zone::free_one_page(PageIdx block, unsigned order, Migratetype mt) {
  const unsigned top = max_order() - 1;
  std::uint64_t idx = block;
  while (order < top) {
    const std::uint64_t buddy = idx ^ (std::uint64_t{1} << order);
    if (!page_is_buddy(static_cast<PageIdx>(buddy), order)) break;
    policy_.del_from_freelist(*this, static_cast<PageIdx>(buddy));
    pages_[buddy].state = PageState::tail;
    idx &= buddy;
    ++order;
  }
  pages_[block].state = PageState::tail;
  bool tail = false;
  if (order + 2 < max_order()) {
    const std::uint64_t combined = idx & (idx ^ (std::uint64_t{1} << order));
    const std::uint64_t higher_buddy = combined ^ (std::uint64_t{1} << (order + 1));
    tail = page_is_buddy(static_cast<PageIdx>(higher_buddy), order + 1);
  }
  policy_.add_to_freelist(*this, static_cast<PageIdx>(idx), order, mt, tail);
}

// move_freepages(): walk [start, end]; every free block met is moved whole to the head of
// free_list[its order][mt] and counted whole. Allocated block heads skip their size (their
// tails are never buddy heads), pcp pages and tails step by one (docs/semantics.md D22). A block
// held by the region allocator is first released by the policy, then the same pfn looked at again.
std::uint64_t Zone::move_freepages(PageIdx start, PageIdx end, Migratetype mt) {
  std::uint64_t moved = 0;
  for (std::uint64_t i = start; i <= end;) {
    const Page& p = pages_[i];
    if (p.state == PageState::held) {
      policy_.release_held_block(*this, static_cast<PageIdx>(i));
      continue;
    }
    if (p.state != PageState::free_head) {
      i += p.state == PageState::alloc_head ? (std::uint64_t{1} << p.order) : 1;
      continue;
    }
    const unsigned order = p.order;
    policy_.del_from_freelist(*this, static_cast<PageIdx>(i));
    policy_.add_to_freelist(*this, static_cast<PageIdx>(i), order, mt, false);
    i += std::uint64_t{1} << order;
    moved += std::uint64_t{1} << order;
  }
  return moved;
}

// move_freepages_block(): the pageblock holding `page`; nothing when it crosses the zone end.
// (The zone starts pageblock-aligned, so the start is always inside.)
std::uint64_t Zone::move_freepages_block(PageIdx page, Migratetype mt) {
  const std::uint64_t start = page & ~(geometry_.pageblock_pages - 1);
  const std::uint64_t end = start + geometry_.pageblock_pages - 1;
  if (end >= pages_.size()) return 0;
  return move_freepages(static_cast<PageIdx>(start), static_cast<PageIdx>(end), mt);
}

void Zone::set_pageblock_migratetype(PageIdx page, Migratetype mt) {
  Migratetype& slot = pageblock_mt_[page >> pageblock_order()];
  if (slot != mt && initialised_) ++retypes_[index_of(slot)][index_of(mt)];
  slot = mt;
}

// change_pageblock_range(): re-type every pageblock of a block of order >= pageblock_order.
void Zone::change_pageblock_range(PageIdx block, unsigned order, Migratetype mt) {
  const std::uint64_t count = std::uint64_t{1} << (order - pageblock_order());
  for (std::uint64_t i = 0; i < count; ++i) {
    set_pageblock_migratetype(static_cast<PageIdx>(block + i * geometry_.pageblock_pages), mt);
  }
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

// __free_pages(): order 0 to the per-CPU list (free_hot_cold_page), larger orders (and order 0
// with pcp disabled, docs/semantics.md D15) through __free_pages_ok.
void Zone::free_pages(PageIdx block, unsigned cpu, bool cold) {
  Page& p = pages_[block];
  const unsigned order = p.order;
  count_pages(block, order, p.mt, -1);
  p.state = PageState::tail;
  if (order == 0 && config_.pcp.enabled) {
    free_hot_cold_page(block, cpu, cold);
  } else {
    free_pages_ok(block, order);
  }
}

// __free_pages_ok(): the free-path migratetype is the pageblock's type at free time.
void Zone::free_pages_ok(PageIdx block, unsigned order) {
  free_one_page(block, order, pageblock_migratetype(block));
}

} // namespace memsim
