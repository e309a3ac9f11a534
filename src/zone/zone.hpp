// The simulated zone: a flat page array (12 bytes a page), the pageblock bitmap, the free areas
// with ordered free lists, the per-CPU lists and the per-region / per-pageblock counters that
// the stats read. Its members are the kernel's own functions (mm/page_alloc.c, Linux 3.11),
// each named in its comment; the policy (policy/) decides __rmqueue and the list discipline.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "memsim/config.hpp"
#include "memsim/types.hpp"
#include "stats/counters.hpp"
#include "zone/huge_page_allocator.hpp"

namespace memsim {

class Policy;

enum class PageState : std::uint8_t {
  tail = 0,   // inside a block whose head is elsewhere (or a page of nothing yet)
  free_head,  // PageBuddy: head of a free block on a buddy free list
  alloc_head, // head of a live allocation (trace or preallocated)
  pcp,        // an order-0 page on a per-CPU list
  held,       // PageBuddy, head of a max-order block held by the region allocator
};

inline constexpr std::uint8_t kPageFallback = 1; // pcp page: returned by __rmqueue_fallback

struct Page {
  PageIdx next = kNoPage; // free list / pcp list / RA list links
  PageIdx prev = kNoPage;
  std::uint8_t order = 0; // free_head, alloc_head, held
  PageState state = PageState::tail;
  Migratetype mt = Migratetype::movable; // free: list it is on; alloc: requested; pcp: freepage mt
  std::uint8_t flags = 0;
};
static_assert(sizeof(Page) == 12);

// An intrusive doubly linked list over page indices (struct list_head of the kernel).
struct PageList {
  PageIdx head = kNoPage;
  PageIdx tail = kNoPage;
  std::uint64_t count = 0;
  bool empty() const { return head == kNoPage; }
};

struct PerCpuPages {
  std::array<PageList, kRequestableTypes> lists; // indexed by migratetype (RESERVE rides movable)
  std::uint64_t count = 0;                       // pages on all three lists
};

// What __rmqueue handed out: the block head, or kNoPage; fallback: via __rmqueue_fallback.
struct Taken {
  PageIdx block = kNoPage;
  bool fallback = false;
};

struct RegionCounters {
  std::array<std::uint64_t, kRequestableTypes> allocated{}; // pages, by requested mt
  std::uint64_t pcp_pages = 0;
  bool in_region_allocator = false; // kept by a policy with a region allocator
};

class Zone {
public:
  Zone(const Config& config, const Geometry& geometry, Policy& policy);

  // --- initialisation (docs/semantics.md D12, D13, D19) ---
  // Frees the whole zone in ascending pfn order through __free_pages_ok, then
  // setup_zone_migrate_reserve. Nothing here is counted in the stats.
  void boot();
  // Takes the aligned range [pfn, pfn + 2^order) out of the free lists as an allocation of
  // `mt` (a `preallocated` block). Throws InputError("<origin>: ...") when it is not free.
  PageIdx carve(Pfn pfn, unsigned order, Migratetype mt, const char* origin);
  // From now on pageblock re-types and region transfers count in the stats.
  void finish_init() { initialised_ = true; }

  // --- the allocation and free entry points ---
  // buffered_rmqueue(): order 0 through the CPU's pcp list (when enabled), else __rmqueue.
  Taken alloc_pages(unsigned order, Migratetype mt, unsigned cpu, bool cold);
  // __free_pages(): order 0 → free_hot_cold_page (pcp), else __free_pages_ok.
  void free_pages(PageIdx block, unsigned cpu, bool cold);
  // Marks a taken block as a live allocation of `mt` (page state + counters).
  void mark_allocated(PageIdx block, unsigned order, Migratetype mt);
  // split_page(): a live order-k allocation becomes 2^k order-0 allocations.
  void split_allocation(PageIdx block);

  // --- the kernel functions the policies build on (mm/page_alloc.c, 3.11) ---
  // expand(): split a block of order `high` taken off a list down to `low`, upper halves to
  // free_list[..][mt] through the policy's add_to_freelist (head).
  void expand(PageIdx block, unsigned low, unsigned high, Migratetype mt);
  // __free_one_page(): merge with free buddies of any migratetype, insert at head, or at the
  // tail when the parent's buddy is free (final order < MAX_ORDER-2).
  void free_one_page(PageIdx block, unsigned order, Migratetype mt);
  // move_freepages() over [start, end] (inclusive page indices): returns pages moved.
  std::uint64_t move_freepages(PageIdx start, PageIdx end, Migratetype mt);
  // move_freepages_block(): the pageblock holding `page`; 0 if it crosses the zone end.
  std::uint64_t move_freepages_block(PageIdx page, Migratetype mt);
  // set_pageblock_migratetype() (counted in pageblock_retypes after initialisation).
  void set_pageblock_migratetype(PageIdx page, Migratetype mt);
  // change_pageblock_range(): every pageblock of a block of order `order`.
  void change_pageblock_range(PageIdx block, unsigned order, Migratetype mt);

  // --- free list primitives (the policy's add_to_freelist / del_from_freelist use these) ---
  PageList& free_list(unsigned order, Migratetype mt) { return free_area_[order][index_of(mt)]; }
  const PageList& free_list(unsigned order, Migratetype mt) const {
    return free_area_[order][index_of(mt)];
  }
  // Links a free block (state free_head, order, list mt set here) at the head / tail / after
  // `at` / before `at` of free_list[order][mt], counting nr_free.
  void link_head(PageIdx block, unsigned order, Migratetype mt);
  void link_tail(PageIdx block, unsigned order, Migratetype mt);
  void link_after(PageIdx at, PageIdx block, unsigned order, Migratetype mt);
  void link_before(PageIdx at, PageIdx block, unsigned order, Migratetype mt);
  // Unlinks a free block from the list it is on (its page's mt says which), nr_free--.
  // The page keeps state free_head until the caller changes it.
  void unlink(PageIdx block);

  // --- reading the state ---
  const Config& config() const { return config_; }
  const Geometry& geometry() const { return geometry_; }
  unsigned max_order() const { return config_.zone.max_order; }
  unsigned pageblock_order() const { return config_.zone.pageblock_order; }
  PageIdx pages() const { return static_cast<PageIdx>(geometry_.pages); }
  Pfn pfn_of(PageIdx idx) const { return config_.zone.start_pfn + idx; }
  const Page& page(PageIdx idx) const { return pages_[idx]; }
  Page& page(PageIdx idx) { return pages_[idx]; }
  Migratetype pageblock_migratetype(PageIdx idx) const {
    return pageblock_mt_[idx >> config_.zone.pageblock_order];
  }
  std::uint64_t nr_free(unsigned order) const { return nr_free_[order]; }
  std::uint64_t region_of(PageIdx idx) const { return idx / geometry_.region_pages; }
  const std::vector<RegionCounters>& region_counters() const { return regions_; }
  const std::vector<std::array<std::uint32_t, kRequestableTypes>>& pageblock_allocated() const {
    return pageblock_allocated_;
  }
  const std::vector<Migratetype>& pageblock_types() const { return pageblock_mt_; }
  const PerCpuPages& pcp(unsigned cpu) const { return pcp_[cpu]; }
  bool initialised() const { return initialised_; }
  Policy& policy() { return policy_; }

  FallbackCounts& fallbacks() { return fallbacks_; }
  const FallbackCounts& fallbacks() const { return fallbacks_; }
  RetypeCounts& retypes() { return retypes_; }
  const RetypeCounts& retypes() const { return retypes_; }
  // Region allocator bookkeeping, kept by a policy that has one (the stats read it).
  RegionAllocatorCounts& region_allocator() { return region_allocator_; }
  const RegionAllocatorCounts& region_allocator() const { return region_allocator_; }
  RegionCounters& region_counters(std::uint64_t region) { return regions_[region]; }
  std::uint64_t& held_blocks() { return held_blocks_; } // max-order blocks in the RA
  std::uint64_t held_blocks() const { return held_blocks_; }

  // Verifies every invariant of the buddy state; throws InternalError naming what broke.
  void check_invariants() const;

private:
  friend struct ZoneTestAccess; // tests that corrupt the state on purpose (check_invariants)

  void free_pages_ok(PageIdx block, unsigned order);              // __free_pages_ok()
  void free_hot_cold_page(PageIdx page, unsigned cpu, bool cold); // free_hot_cold_page()
  void free_pcppages_bulk(PerCpuPages& pcp, std::uint64_t count); // free_pcppages_bulk()
  Taken rmqueue_pcp(Migratetype mt, unsigned cpu, bool cold);     // buffered_rmqueue order 0
  std::uint64_t rmqueue_bulk(PerCpuPages& pcp, Migratetype mt, bool cold); // rmqueue_bulk()
  bool page_is_buddy(PageIdx buddy, unsigned order) const;                 // page_is_buddy()
  void pcp_link(PageList& list, PageIdx page, bool tail);
  void pcp_unlink(PageList& list, PageIdx page);
  void count_pages(PageIdx block, unsigned order, Migratetype mt, std::int64_t sign);
  void link(PageIdx block, unsigned order, Migratetype mt, PageIdx prev, PageIdx next);
  void check_lists(std::vector<std::uint8_t>& seen) const;

  Config config_;
  Geometry geometry_;
  Policy& policy_;
  std::vector<Page, HugePageAllocator<Page>> pages_;
  std::vector<Migratetype> pageblock_mt_;
  std::vector<std::array<PageList, kListTypes>> free_area_; // [order][mt]
  std::vector<std::uint64_t> nr_free_;                      // [order]
  std::vector<PerCpuPages> pcp_;
  std::vector<RegionCounters> regions_;
  std::vector<std::array<std::uint32_t, kRequestableTypes>> pageblock_allocated_;
  FallbackCounts fallbacks_;
  RetypeCounts retypes_{};
  RegionAllocatorCounts region_allocator_;
  std::uint64_t held_blocks_ = 0;
  bool initialised_ = false;
};

} // namespace memsim
