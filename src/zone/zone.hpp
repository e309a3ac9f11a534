// The simulated zone: the page array, the pageblock bitmap, the free areas and the kernel's
// list primitives and buddy functions (mm/page_alloc.c), each named after its kernel twin. The
// zone knows no policy: a policy composes these functions (policy/), may replace the list
// discipline through FreeListHooks, and chooses the generation's rules through BuddyRules.
// Per-CPU list models live beside it (zone/pcp_*.hpp); their instances belong to the policy.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "memsim/config.hpp"
#include "memsim/counters.hpp"
#include "memsim/types.hpp"
#include "zone/huge_page_allocator.hpp"
#include "zone/page.hpp"
#include "zone/segment_tally.hpp"

namespace memsim {

class Zone;

// Where the free-list insertions and deletions of the buddy functions go. The default (no
// hooks) is the kernel's: list_add / list_add_tail, list_del. Region-aware lists replace it.
class FreeListHooks {
public:
  virtual ~FreeListHooks() = default;
  // add_to_freelist(): link a free block onto free_list[order][mt] (`tail`: list_add_tail).
  virtual void add_to_freelist(Zone& zone, PageIdx block, unsigned order, Migratetype mt,
                               bool tail) = 0;
  // del_from_freelist(): unlink a free block from the list it is on.
  virtual void del_from_freelist(Zone& zone, PageIdx block) = 0;
  // move_freepages() met a block in state `held`: put it on a buddy list before the walk
  // looks at the same pfn again.
  virtual void release_held_block(Zone& zone, PageIdx block) = 0;
};

// The rules of the buddy functions that differ between kernel generations.
struct BuddyRules {
  bool move_to_tail = false; // move_freepages(): list_move_tail (4.x+) instead of list_move (3.11)
  // __free_one_page() (5.x+): at order >= pageblock_order a buddy of another pageblock type
  // does not merge when either type is not mergeable (highatomic, cma, isolate).
  bool merge_barrier = false;
  // __free_one_page() (6.10+, free-list hygiene): a buddy of another pageblock type merged at
  // order >= pageblock_order takes the freed block's type (set_pageblock_migratetype).
  bool match_buddy_type = false;
};

// Free pages and movable pages of a pageblock, as move_freepages() counts them.
struct FreepageCount {
  std::uint64_t free = 0;    // pages of the free blocks moved (or that would be)
  std::uint64_t movable = 0; // allocated pages requested movable (the PageLRU proxy, D61-19)
};

// Allocated pages by requested type and pages on per-CPU lists, per region.
struct RegionCounters {
  std::array<std::uint64_t, kRequestableTypes> allocated{};
  std::uint64_t pcp_pages = 0;
};

class Zone {
public:
  Zone(const Config& config, const Geometry& geometry);

  void set_hooks(FreeListHooks* hooks) { hooks_ = hooks; }
  void set_rules(const BuddyRules& rules) { rules_ = rules; }
  // --power: the per-segment tally the accounting of live and per-CPU pages also feeds.
  void set_segment_tally(SegmentTally* tally) { segments_ = tally; }
  const BuddyRules& rules() const { return rules_; }
  // From now on pageblock re-types count (docs/semantics.md D4, D19).
  void finish_init() { initialised_ = true; }
  bool initialised() const { return initialised_; }

  // --- initialisation (zone/boot.cpp) ---
  // Frees [0, pages) in ascending pfn order as the largest aligned blocks, each through
  // __free_pages_ok (FPI_TO_TAIL when `to_tail`): the boot freeing of docs/semantics.md D12.
  void boot_free(bool to_tail);
  // The `preallocated` carve of docs/semantics.md D19. Throws InputError("<origin>: ...").
  PageIdx carve(Pfn pfn, unsigned order, Migratetype mt, const char* origin);
  // Takes the aligned range [target, target + 2^order) out of the free lists, splitting the
  // free block that holds it; false (nothing changed) when no free block holds it.
  bool take_free(PageIdx target, unsigned order);

  // --- accounting of live blocks ---
  void mark_allocated(PageIdx block, unsigned order, Migratetype mt);
  // The block stops being live (its pages are counted out); the caller frees it.
  void mark_freed(PageIdx block);
  // The migration primitive: `to` (taken with take_free, same order) becomes the allocation
  // `from` was; `from` is no longer live and is the caller's to free (Policy::free).
  void move_allocation(PageIdx from, PageIdx to);
  // split_page(): a live order-k block becomes 2^k live order-0 blocks.
  void split_allocation(PageIdx block);

  // --- kernel functions (zone/buddy.cpp) ---
  void add_to_freelist(PageIdx block, unsigned order, Migratetype mt, bool tail);
  void del_from_freelist(PageIdx block);
  // __rmqueue_smallest(): the head of the smallest non-empty free_list[o >= order][mt], taken
  // off and expand()ed down to `order`; kNoPage when there is none.
  PageIdx rmqueue_smallest(unsigned order, Migratetype mt);
  // The block __rmqueue_smallest() would take, without taking it (kNoPage: none).
  PageIdx peek_smallest(unsigned order, Migratetype mt) const;
  // expand(): upper halves of a block of order `high` to the head of free_list[..][mt].
  void expand(PageIdx block, unsigned low, unsigned high, Migratetype mt);
  // __free_one_page(): merge with free buddies, then head or tail (the parent's-buddy rule).
  void free_one_page(PageIdx block, unsigned order, Migratetype mt, bool to_tail = false);
  // __free_pages_ok(): the free-path type is the pageblock's at free time.
  void free_pages_ok(PageIdx block, unsigned order, bool to_tail = false);
  // move_freepages() over [start, end] inclusive; move_freepages_block(): the pageblock of
  // `page`, nothing when it crosses the zone end. Both return what they moved.
  FreepageCount move_freepages(PageIdx start, PageIdx end, Migratetype mt);
  FreepageCount move_freepages_block(PageIdx page, Migratetype mt);
  // The same walk, counting only (6.10+ prep_move_freepages_block()).
  FreepageCount count_freepages_block(PageIdx page) const;
  void set_pageblock_migratetype(PageIdx page, Migratetype mt);
  void change_pageblock_range(PageIdx block, unsigned order, Migratetype mt);

  // --- list primitives, for FreeListHooks, back-ends and per-CPU models ---
  void link_head(PageIdx block, unsigned order, Migratetype mt);
  void link_tail(PageIdx block, unsigned order, Migratetype mt);
  void link_after(PageIdx at, PageIdx block, unsigned order, Migratetype mt);
  void link_before(PageIdx at, PageIdx block, unsigned order, Migratetype mt);
  void unlink(PageIdx block); // from the free list its page says, nr_free--
  // A free block already unlinked goes onto a back-end's list in state `held` / comes back.
  void hold_block(PageList& list, PageIdx block);
  void unhold_block(PageList& list, PageIdx block);
  // A block onto / off a per-CPU list (state pcp, order, cached type, flags; counted).
  void pcp_link(PageList& list, PageIdx block, unsigned order, Migratetype mt, std::uint8_t flags,
                bool tail);
  void pcp_unlink(PageList& list, PageIdx block);
  // The state a block taken off a per-CPU list is in until it is marked allocated or freed.
  void pcp_release(PageIdx block) { pages_[block].state = PageState::tail; }
  void set_pcp_flags(PageIdx block, std::uint8_t flags) { pages_[block].flags = flags; }

  // --- reading the state ---
  const Config& config() const { return config_; }
  const Geometry& geometry() const { return geometry_; }
  unsigned max_order() const { return config_.zone.max_order; }
  unsigned pageblock_order() const { return config_.zone.pageblock_order; }
  PageIdx pages() const { return static_cast<PageIdx>(geometry_.pages); }
  Pfn pfn_of(PageIdx idx) const { return config_.zone.start_pfn + idx; }
  const Page& page(PageIdx idx) const { return pages_[idx]; }
  Migratetype pageblock_migratetype(PageIdx idx) const {
    return pageblock_mt_[idx >> config_.zone.pageblock_order];
  }
  const std::vector<Migratetype>& pageblock_types() const { return pageblock_mt_; }
  const std::vector<std::array<std::uint32_t, kRequestableTypes>>& pageblock_allocated() const {
    return pageblock_allocated_;
  }
  const PageList& free_list(unsigned order, Migratetype mt) const {
    return free_area_[order][index_of(mt)];
  }
  std::uint64_t nr_free(unsigned order) const { return nr_free_[order]; }
  std::uint64_t region_of(PageIdx idx) const {
    return (idx + geometry_.region_offset) / geometry_.region_pages;
  }
  const std::vector<RegionCounters>& region_counters() const { return regions_; }
  const RetypeCounts& retypes() const { return retypes_; }
  // page_is_buddy(): inside the zone, PageBuddy (free_head or held) and of exactly this order.
  bool page_is_buddy(PageIdx buddy, unsigned order) const;

  // The buddy state recounted (lists, states, counters); throws InternalError naming what
  // broke. A policy checks its own lists and back-ends on top (Policy::check_invariants).
  void check_invariants() const;

private:
  friend struct ZoneTestAccess; // tests that corrupt the state on purpose

  void link(PageIdx block, unsigned order, Migratetype mt, PageIdx prev, PageIdx next);
  void count_pages(PageIdx block, unsigned order, Migratetype mt, std::int64_t sign);
  FreepageCount count_freepages(PageIdx start, PageIdx end) const;
  bool merge_refused(PageIdx buddy, unsigned order, Migratetype mt) const;
  void check_lists(std::vector<std::uint8_t>& seen) const;

  Config config_;
  Geometry geometry_;
  FreeListHooks* hooks_ = nullptr;
  SegmentTally* segments_ = nullptr;
  BuddyRules rules_;
  std::vector<Page, HugePageAllocator<Page>> pages_;
  std::vector<Migratetype> pageblock_mt_;
  std::vector<std::array<PageList, kMigratetypes>> free_area_; // [order][mt]
  std::vector<std::uint64_t> nr_free_;                         // [order]
  std::vector<RegionCounters> regions_;
  std::vector<std::array<std::uint32_t, kRequestableTypes>> pageblock_allocated_;
  RetypeCounts retypes_{};
  bool initialised_ = false;
};

} // namespace memsim

#include "zone/zone_inline.hpp"
