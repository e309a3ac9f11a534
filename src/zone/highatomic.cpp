// Linux 6.1 MIGRATE_HIGHATOMIC: the ALLOC_HIGHATOMIC and ALLOC_NON_BLOCK rules of
// gfp_to_alloc_flags (6.1.157+, "only set ALLOC_HIGHATOMIC for __GFP_HIGH allocations") and
// reserve_highatomic_pageblock, and 6.18's reserve_highatomic_pageblock.
#include "zone/highatomic.hpp"

namespace memsim {

bool alloc_flags_highatomic(GfpMask gfp, unsigned order) {
  if (!alloc_flags_non_block(gfp)) return false;
  return order > 0 && (gfp & gfp::high) != 0; // ALLOC_MIN_RESERVE is __GFP_HIGH
}

bool alloc_flags_non_block(GfpMask gfp) {
  return (gfp & gfp::direct_reclaim) == 0 && (gfp & gfp::nomemalloc) == 0;
}

Taken rmqueue_buddy(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt,
                    const BuddyFlags& flags) {
  if (flags.highatomic) {
    const PageIdx page = zone.rmqueue_smallest(order, Migratetype::highatomic);
    if (page != kNoPage) return {page, false, TakeSource::highatomic};
  }
  buddy.begin_bulk();
  const Taken taken = buddy.rmqueue(order, mt);
  if (taken.block != kNoPage || !flags.non_block) return taken;
  const PageIdx page = zone.rmqueue_smallest(order, Migratetype::highatomic);
  if (page != kNoPage) return {page, false, TakeSource::highatomic};
  return {};
}

bool reserve_highatomic_pageblock(Zone& zone, HighatomicReserve& reserve, PageIdx page) {
  const std::uint64_t max_managed = reserve.managed / 100 + zone.geometry().pageblock_pages;
  if (reserve.nr_reserved >= max_managed) return false;
  const Migratetype mt = zone.pageblock_migratetype(page);
  if (index_of(mt) >= kRequestableTypes) return false; // migratetype_is_mergeable()
  reserve.nr_reserved += zone.geometry().pageblock_pages;
  zone.set_pageblock_migratetype(page, Migratetype::highatomic);
  zone.move_freepages_block(page, Migratetype::highatomic);
  return true;
}

bool reserve_highatomic_pageblock_618(Zone& zone, HighatomicReserve& reserve, PageIdx page,
                                      unsigned order) {
  const std::uint64_t pageblock_pages = zone.geometry().pageblock_pages;
  if (reserve.managed / 100 < pageblock_pages) return false;
  const std::uint64_t limit =
      (reserve.managed / 100 + pageblock_pages - 1) / pageblock_pages * pageblock_pages;
  if (reserve.nr_reserved >= limit) return false;
  if (index_of(zone.pageblock_migratetype(page)) >= kRequestableTypes) return false;
  if (order >= zone.pageblock_order()) {
    zone.change_pageblock_range(page, order, Migratetype::highatomic);
    reserve.nr_reserved += std::uint64_t{1} << order;
    return true;
  }
  const std::uint64_t start = page & ~(pageblock_pages - 1);
  if (start + pageblock_pages > zone.pages()) return false; // move_freepages_block: -1
  zone.move_freepages_block(page, Migratetype::highatomic);
  zone.set_pageblock_migratetype(page, Migratetype::highatomic);
  reserve.nr_reserved += pageblock_pages;
  return true;
}

} // namespace memsim
