// MIGRATE_HIGHATOMIC of Linux 4.4+ as 6.1.192 has it: which requests carry ALLOC_HIGHATOMIC
// (gfp_to_alloc_flags, the 6.1.157 rule) and reserve_highatomic_pageblock, which turns the
// pageblock of a page just handed to such a request into a HIGHATOMIC block (docs/semantics.md
// D61-3). Nothing unreserves: unreserve_highatomic_pageblock runs only in the slow path.
#pragma once

#include <cstdint>

#include "memsim/gfp.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

// Linux 6.1 mm/page_alloc.c gfp_to_alloc_flags() (6.1.157+): ALLOC_HIGHATOMIC for a
// non-blocking (no __GFP_DIRECT_RECLAIM), not __GFP_NOMEMALLOC, __GFP_HIGH request above order 0.
bool alloc_flags_highatomic(GfpMask gfp, unsigned order);

// Linux 6.1 mm/page_alloc.c gfp_to_alloc_flags() (6.1.116+): ALLOC_NON_BLOCK for a request that
// cannot reclaim (no __GFP_DIRECT_RECLAIM) and is not __GFP_NOMEMALLOC; rmqueue_buddy lets such
// a request take from the HIGHATOMIC lists when __rmqueue found nothing.
bool alloc_flags_non_block(GfpMask gfp);

// Linux 6.1 (6.1.116+) and 6.18 mm/page_alloc.c rmqueue_buddy(): the HIGHATOMIC lists first
// for ALLOC_HIGHATOMIC, then `buddy`'s __rmqueue (one zone-lock hold: Rmqueue::begin_bulk), then
// the HIGHATOMIC lists for an ALLOC_NON_BLOCK request __rmqueue could not serve.
struct BuddyFlags {
  bool highatomic = false; // ALLOC_HIGHATOMIC
  bool non_block = false;  // ALLOC_NON_BLOCK
};
Taken rmqueue_buddy(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt,
                    const BuddyFlags& flags);

// zone->nr_reserved_highatomic and the limit of reserve_highatomic_pageblock().
struct HighatomicReserve {
  std::uint64_t nr_reserved = 0; // pages
  std::uint64_t managed = 0;     // zone_managed_pages()
};

// Linux 6.1 mm/page_alloc.c reserve_highatomic_pageblock(): below managed / 100 + one
// pageblock reserved, a pageblock of a mergeable type becomes HIGHATOMIC and its free pages move
// to the HIGHATOMIC lists. True when it reserved one.
bool reserve_highatomic_pageblock(Zone& zone, HighatomicReserve& reserve, PageIdx page);

// Linux 6.18 mm/page_alloc.c reserve_highatomic_pageblock() (6.8+ limit): nothing in a zone
// whose managed / 100 is below a pageblock; the limit is managed / 100 rounded up to whole
// pageblocks; a block of `order` >= pageblock_order is re-typed whole (change_pageblock_range),
// a smaller one's pageblock with its free pages (move_freepages_block, refused across the zone
// end). True when it reserved.
bool reserve_highatomic_pageblock_618(Zone& zone, HighatomicReserve& reserve, PageIdx page,
                                      unsigned order);

} // namespace memsim
