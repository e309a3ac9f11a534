// The per-page state of the simulated zone (12 bytes a page, the kernel's struct page reduced to
// what placement needs) and the one intrusive doubly linked list over page indices that every
// list of the engine uses: buddy free lists, per-CPU lists, the region allocator's lists.
#pragma once

#include <cstdint>

#include "memsim/types.hpp"

namespace memsim {

enum class PageState : std::uint8_t {
  tail = 0,   // inside a block whose head is elsewhere (or a page of nothing yet)
  free_head,  // PageBuddy: head of a free block on a buddy free list
  alloc_head, // head of a live allocation (trace or preallocated)
  pcp,        // head of a block on a per-CPU list
  held,       // PageBuddy, head of a free block kept off the free areas by a back-end (the
              // region allocator): a buddy for merging, on no free list
};

inline constexpr std::uint8_t kPageFallback = 1; // pcp block: taken by a fallback when refilled

struct Page {
  PageIdx next = kNoPage; // list links (free list, per-CPU list, back-end list)
  PageIdx prev = kNoPage;
  std::uint8_t order = 0; // free_head, alloc_head, pcp, held
  PageState state = PageState::tail;
  Migratetype mt = Migratetype::movable; // free: its list; alloc: requested; pcp: cached type
  std::uint8_t flags = 0;
};
static_assert(sizeof(Page) == 12);

// struct list_head over page indices: head, tail and the number of entries.
struct PageList {
  PageIdx head = kNoPage;
  PageIdx tail = kNoPage;
  std::uint64_t count = 0;
  bool empty() const { return head == kNoPage; }
};

// list_add / list_add_tail / list_del on a PageList whose entries live in `pages`.
// link() puts `block` between `prev` and `next` (kNoPage: the list's ends).
inline void list_link(Page* pages, PageList& list, PageIdx block, PageIdx prev, PageIdx next) {
  Page& p = pages[block];
  p.prev = prev;
  p.next = next;
  if (prev == kNoPage) {
    list.head = block;
  } else {
    pages[prev].next = block;
  }
  if (next == kNoPage) {
    list.tail = block;
  } else {
    pages[next].prev = block;
  }
  ++list.count;
}

inline void list_link_head(Page* pages, PageList& list, PageIdx block) {
  list_link(pages, list, block, kNoPage, list.head);
}

inline void list_link_tail(Page* pages, PageList& list, PageIdx block) {
  list_link(pages, list, block, list.tail, kNoPage);
}

inline void list_unlink(Page* pages, PageList& list, PageIdx block) {
  Page& p = pages[block];
  if (p.prev == kNoPage) {
    list.head = p.next;
  } else {
    pages[p.prev].next = p.next;
  }
  if (p.next == kNoPage) {
    list.tail = p.prev;
  } else {
    pages[p.next].prev = p.prev;
  }
  p.prev = p.next = kNoPage;
  --list.count;
}

} // namespace memsim
