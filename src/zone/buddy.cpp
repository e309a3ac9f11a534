// The buddy functions of mm/page_alloc.c that every generation shares, with the rules that
// differ between generations taken from BuddyRules: __rmqueue_smallest, expand,
// __free_one_page (merge barrier, to-tail rule), __free_pages_ok, move_freepages(_block) (head
// or tail insertion; the count-only walk of 6.10+), set_pageblock_migratetype and
// change_pageblock_range. Linux 3.11 and 6.1 line references are in docs/kernel-3.11.md.
#include "memsim/error.hpp"
#include "zone/zone.hpp"

namespace memsim {

void Zone::add_to_freelist(PageIdx block, unsigned order, Migratetype mt, bool tail) {
  if (hooks_ != nullptr) {
    hooks_->add_to_freelist(*this, block, order, mt, tail);
  } else if (tail) {
    link_tail(block, order, mt);
  } else {
    link_head(block, order, mt);
  }
}

void Zone::del_from_freelist(PageIdx block) {
  if (hooks_ != nullptr) {
    hooks_->del_from_freelist(*this, block);
  } else {
    unlink(block);
  }
}

// __rmqueue_smallest() (3.11 and 6.1 alike): the head of the smallest order with a block of
// `mt`, split by expand(); the caller gets the lowest 2^order pages.
PageIdx Zone::rmqueue_smallest(unsigned order, Migratetype mt) {
  for (unsigned o = order; o < max_order(); ++o) {
    const PageList& list = free_list(o, mt);
    if (list.empty()) continue;
    const PageIdx page = list.head;
    del_from_freelist(page);
    expand(page, order, o, mt);
    return page;
  }
  return kNoPage;
}

// The block __rmqueue_smallest() would take, without taking it.
PageIdx Zone::peek_smallest(unsigned order, Migratetype mt) const {
  for (unsigned o = order; o < max_order(); ++o)
    if (!free_list(o, mt).empty()) return free_list(o, mt).head;
  return kNoPage;
}

// expand(): the caller took a block of order `high`; hand back the upper halves, largest
// first, each to the head of free_list[half order][mt]. The lowest 2^low pages stay taken.
void Zone::expand(PageIdx block, unsigned low, unsigned high, Migratetype mt) {
  std::uint64_t size = std::uint64_t{1} << high;
  while (high > low) {
    --high;
    size >>= 1;
    add_to_freelist(static_cast<PageIdx>(block + size), high, mt, false);
  }
}

// page_is_buddy(): inside the zone, PageBuddy (on a buddy list or held by a back-end) and of
// exactly this order. Out-of-zone pages are never buddies (docs/semantics.md D23).
bool Zone::page_is_buddy(PageIdx buddy, unsigned order) const {
  if (buddy >= pages_.size()) return false;
  const Page& b = pages_[buddy];
  return (b.state == PageState::free_head || b.state == PageState::held) && b.order == order;
}

// 6.1 __free_one_page(): merging across pageblocks (order >= pageblock_order) stops when the
// types differ and either is not mergeable (migratetype_is_mergeable: the three requestable).
bool Zone::merge_refused(PageIdx buddy, unsigned order, Migratetype mt) const {
  if (!rules_.merge_barrier || order < pageblock_order()) return false;
  const Migratetype bmt = pageblock_migratetype(buddy);
  const auto mergeable = [](Migratetype t) { return index_of(t) < kRequestableTypes; };
  return mt != bmt && (!mergeable(mt) || !mergeable(bmt));
}

// __free_one_page(): merge with free buddies whatever list they are on, then insert on
// free_list[order][mt]: at the tail with FPI_TO_TAIL, or when the final block is below
// MAX_ORDER-2 and its parent's buddy is free (it is likely to merge soon), else at the head.
// The zone starts on a max-order boundary, so zone indices give the kernel's page_idx bits.
void Zone::free_one_page(PageIdx block, unsigned order, Migratetype mt, bool to_tail) {
  const unsigned top = max_order() - 1;
  std::uint64_t idx = block;
  while (order < top) {
    const std::uint64_t buddy = idx ^ (std::uint64_t{1} << order);
    if (!page_is_buddy(static_cast<PageIdx>(buddy), order)) break;
    if (merge_refused(static_cast<PageIdx>(buddy), order, mt)) break;
    del_from_freelist(static_cast<PageIdx>(buddy));
    if (rules_.match_buddy_type && order >= pageblock_order() &&
        pageblock_migratetype(static_cast<PageIdx>(buddy)) != mt)
      set_pageblock_migratetype(static_cast<PageIdx>(buddy), mt);
    pages_[buddy].state = PageState::tail;
    idx &= buddy;
    ++order;
  }
  pages_[block].state = PageState::tail;
  bool tail = to_tail;
  if (!tail && order + 2 < max_order()) {
    const std::uint64_t combined = idx & (idx ^ (std::uint64_t{1} << order));
    const std::uint64_t higher_buddy = combined ^ (std::uint64_t{1} << (order + 1));
    tail = page_is_buddy(static_cast<PageIdx>(higher_buddy), order + 1);
  }
  add_to_freelist(static_cast<PageIdx>(idx), order, mt, tail);
}

void Zone::free_pages_ok(PageIdx block, unsigned order, bool to_tail) {
  free_one_page(block, order, pageblock_migratetype(block), to_tail);
}

// move_freepages(): walk [start, end]; every free block met is moved whole to free_list[its
// order][mt] (head in 3.11, tail since 4.x) and counted whole. Allocated block heads skip their
// size (their tails are never buddy heads), per-CPU pages and tails step by one (D22). A block
// held by a back-end is first released through the hooks, then the same pfn looked at again.
FreepageCount Zone::move_freepages(PageIdx start, PageIdx end, Migratetype mt) {
  FreepageCount count;
  for (std::uint64_t i = start; i <= end;) {
    const Page& p = pages_[i];
    if (p.state == PageState::held) {
      if (hooks_ == nullptr) throw InternalError("a held block but no back-end to release it");
      hooks_->release_held_block(*this, static_cast<PageIdx>(i));
      continue;
    }
    if (p.state != PageState::free_head) {
      i += p.state == PageState::alloc_head ? (std::uint64_t{1} << p.order) : 1;
      continue;
    }
    const unsigned order = p.order;
    del_from_freelist(static_cast<PageIdx>(i));
    add_to_freelist(static_cast<PageIdx>(i), order, mt, rules_.move_to_tail);
    i += std::uint64_t{1} << order;
    count.free += std::uint64_t{1} << order;
  }
  return count;
}

// The walk of move_freepages() without moving anything (held blocks count as free).
FreepageCount Zone::count_freepages(PageIdx start, PageIdx end) const {
  FreepageCount count;
  for (std::uint64_t i = start; i <= end;) {
    const Page& p = pages_[i];
    const bool free = p.state == PageState::free_head || p.state == PageState::held;
    if (free) count.free += std::uint64_t{1} << p.order;
    i += free || p.state == PageState::alloc_head ? (std::uint64_t{1} << p.order) : 1;
  }
  return count;
}

// move_freepages_block(): the pageblock holding `page`; nothing when it crosses the zone end
// (the zone starts pageblock-aligned, so its start is always inside; D61-7). `movable` is the
// alike proxy of docs/semantics.md D61-19: the pageblock's pages in live movable allocations.
FreepageCount Zone::move_freepages_block(PageIdx page, Migratetype mt) {
  const std::uint64_t start = page & ~(geometry_.pageblock_pages - 1);
  const std::uint64_t end = start + geometry_.pageblock_pages - 1;
  if (end >= pages_.size()) return {};
  FreepageCount count = move_freepages(static_cast<PageIdx>(start), static_cast<PageIdx>(end), mt);
  count.movable = pageblock_allocated_[start >> pageblock_order()][index_of(Migratetype::movable)];
  return count;
}

FreepageCount Zone::count_freepages_block(PageIdx page) const {
  const std::uint64_t start = page & ~(geometry_.pageblock_pages - 1);
  const std::uint64_t end = start + geometry_.pageblock_pages - 1;
  if (end >= pages_.size()) return {};
  FreepageCount count = count_freepages(static_cast<PageIdx>(start), static_cast<PageIdx>(end));
  count.movable = pageblock_allocated_[start >> pageblock_order()][index_of(Migratetype::movable)];
  return count;
}

// set_pageblock_migratetype() (counted in pageblock_retypes after initialisation, D4).
void Zone::set_pageblock_migratetype(PageIdx page, Migratetype mt) {
  Migratetype& slot = pageblock_mt_[page >> pageblock_order()];
  if (slot != mt && initialised_) ++retypes_[index_of(slot)][index_of(mt)];
  slot = mt;
}

// change_pageblock_range(): re-type every pageblock of a block of order >= pageblock_order.
void Zone::change_pageblock_range(PageIdx block, unsigned order, Migratetype mt) {
  const std::uint64_t count = std::uint64_t{1} << (order - pageblock_order());
  for (std::uint64_t i = 0; i < count; ++i)
    set_pageblock_migratetype(static_cast<PageIdx>(block + i * geometry_.pageblock_pages), mt);
}

} // namespace memsim
