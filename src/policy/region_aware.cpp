// Bhat v4 on top of Linux 3.11 (docs/region-aware.md; docs/semantics.md D25–D35).
// The list discipline lives in region/sorted_freelists, the bank in region/region_allocator;
// this file is the glue the patchset put into mm/page_alloc.c: __rmqueue, the biased
// __rmqueue_smallest, loan-only stealing, can_return_region and the RA transfers.
#include "policy/region_aware.hpp"

#include <algorithm>

#include "memsim/error.hpp"

namespace memsim {

RegionAwarePolicy::RegionAwarePolicy(const Config& config)
    : StockPolicy(config), switches_(config.region_aware), geometry_(resolve_geometry(config)),
      lists_(geometry_, config.zone.max_order, config.region_aware.sorted_freelists),
      ra_(geometry_) {}

// v4 26: the RA is asked before any cross-migratetype fallback, never for MIGRATE_RESERVE;
// a grant always leaves a max-order block on the requester's list, so the retry succeeds.
// A grant is not a fallback (no extfrag event, docs/semantics.md D1).
Taken RegionAwarePolicy::rmqueue(Zone& zone, unsigned order, Migratetype mt) {
  for (;;) {
    const PageIdx page = rmqueue_smallest(zone, order, mt);
    if (page != kNoPage) return {page, false};
    if (mt == Migratetype::reserve) return {};
    if (switches_.region_allocator) {
      if (const auto region = ra_.next_region()) {
        grant_region(zone, *region, mt, false);
        continue;
      }
    }
    const PageIdx stolen = rmqueue_fallback(zone, order, mt);
    if (stolen != kNoPage) return {stolen, true};
    mt = Migratetype::reserve;
  }
}

// v4 15 (§4.5, D27): the smallest order with a block, unless a larger order's head block lies
// in a strictly lower region; ties keep the smaller order. Region of a list = its head block.
PageIdx RegionAwarePolicy::rmqueue_smallest(Zone& zone, unsigned order, Migratetype mt) {
  if (!switches_.lower_region_bias) return StockPolicy::rmqueue_smallest(zone, order, mt);
  unsigned alloc_order = zone.max_order();
  std::uint64_t alloc_region = 0;
  for (unsigned o = order; o < zone.max_order(); ++o) {
    const PageList& list = zone.free_list(o, mt);
    if (list.empty()) continue;
    const std::uint64_t r = zone.region_of(list.head);
    if (alloc_order == zone.max_order() || r < alloc_region) {
      alloc_order = o;
      alloc_region = r;
    }
  }
  if (alloc_order == zone.max_order()) return kNoPage;
  const PageIdx page = zone.free_list(alloc_order, mt).head;
  del_from_freelist(zone, page);
  zone.expand(page, order, alloc_order, mt);
  return page;
}

// try_to_steal_freepages() of v4 31 (§5.1, D33) when loan_only_stealing: the pageblock's free
// pages are moved under the 3.11 condition but the pageblock is never claimed; otherwise the
// 3.11 rules. Either way the move's re-insertion of `page` itself is not offered to the RA
// (D31): the kernel would return it and then list_del it off the RA list.
void RegionAwarePolicy::steal_freepages(Zone& zone, PageIdx page, unsigned current_order,
                                        Migratetype start_mt) {
  stealing_block_ = page;
  if (!switches_.loan_only_stealing) {
    StockPolicy::steal_freepages(zone, page, current_order, start_mt);
  } else if (current_order >= zone.pageblock_order() / 2 || start_mt == Migratetype::reclaimable) {
    zone.move_freepages_block(page, start_mt);
  }
  stealing_block_ = kNoPage;
}

void RegionAwarePolicy::add_to_freelist(Zone& zone, PageIdx block, unsigned order, Migratetype mt,
                                        bool tail) {
  lists_.insert(zone, block, order, mt, tail);
  if (switches_.region_allocator && block != stealing_block_ &&
      can_return_region(zone, block, order, mt))
    return_region(zone, zone.region_of(block), order, mt);
}

void RegionAwarePolicy::del_from_freelist(Zone& zone, PageIdx block) {
  lists_.remove(zone, block);
}

// can_return_region() (v4 25 + 33, D28): a max-order insertion into a completely free region
// (RA pages count as free, pcp pages do not) whose free pages are all max-order blocks on this
// very list; with ra_cache, not when the list's head and tail lie in the same region.
bool RegionAwarePolicy::can_return_region(const Zone& zone, PageIdx block, unsigned order,
                                          Migratetype mt) const {
  const std::uint64_t r = zone.region_of(block);
  if (order != zone.max_order() - 1) return false;
  if (lists_.region_free(r) != region_present(zone, r)) return false;
  const PageList& list = zone.free_list(order, mt);
  if (switches_.ra_cache && zone.region_of(list.head) == zone.region_of(list.tail)) return false;
  return (std::uint64_t{lists_.segment(order, mt, r).count} << order) == lists_.region_free(r);
}

// add_to_region_allocator() / del_from_freelist_bulk() (v4 18/19/21): the segment in list
// order, anchor last; nr_free of the free area drops, the region's free pages do not.
void RegionAwarePolicy::return_region(Zone& zone, std::uint64_t region, unsigned order,
                                      Migratetype mt) {
  const std::vector<PageIdx> blocks = lists_.segment_blocks(zone, order, mt, region);
  for (const PageIdx b : blocks) lists_.remove(zone, b);
  lists_.adjust_region_free(region, static_cast<std::int64_t>(blocks.size() << order));
  ra_.hold(zone, region, blocks);
  if (zone.initialised()) ++zone.region_allocator().regions_returned; // D5
}

// __del_from_region_allocator() + add_to_freelist_bulk() (v4 20/27/29/32, D29): every block
// stamped `mt` and, with retype_regions, every pageblock it covers re-typed (all of them when
// pageblock_order < max_order-1: the labelled extension). The first block goes through the
// sorted insertion (its PA⇒RA check would fail: the region is over-counted at that instant, so
// it is skipped), the rest are spliced just before it: [b2, …, bn, b1] (D32 alike, at the head).
void RegionAwarePolicy::grant_region(Zone& zone, std::uint64_t region, Migratetype mt,
                                     bool by_move_freepages) {
  const unsigned top = zone.max_order() - 1;
  const std::vector<PageIdx> blocks = ra_.release(zone, region);
  if (switches_.retype_regions) {
    const std::uint64_t pageblocks =
        top > zone.pageblock_order() ? std::uint64_t{1} << (top - zone.pageblock_order()) : 1;
    for (const PageIdx b : blocks)
      for (std::uint64_t i = 0; i < pageblocks; ++i)
        zone.set_pageblock_migratetype(static_cast<PageIdx>(b + i * geometry_.pageblock_pages), mt);
  }
  const PageIdx first = blocks.front();
  lists_.insert(zone, first, top, mt, false);
  lists_.adjust_region_free(region, -(std::int64_t{1} << top));
  for (std::size_t i = 1; i < blocks.size(); ++i) lists_.splice_before(zone, first, blocks[i]);
  if (!zone.initialised()) return; // boot reserve setup and carving are not counted (D5, D19)
  RegionAllocatorCounts& counts = zone.region_allocator();
  ++counts.regions_granted;
  if (by_move_freepages) ++counts.regions_granted_by_move_freepages;
}

// v4 30 (D30): move_freepages() met a block the RA holds: its whole region goes to MOVABLE
// (re-typed MOVABLE with retype_regions), then the walk looks at the same pfn again.
void RegionAwarePolicy::release_held_block(Zone& zone, PageIdx block) {
  grant_region(zone, zone.region_of(block), Migratetype::movable, true);
}

std::vector<std::string> RegionAwarePolicy::notes() const {
  if (!switches_.region_allocator || !switches_.retype_regions ||
      config_.zone.pageblock_order + 1 >= config_.zone.max_order)
    return {};
  return {"extension: pageblock_order < max_order-1, so a region granted by the region "
          "allocator re-types every pageblock of each max-order block (Bhat v4 32 re-types one "
          "pageblock per block)"};
}

void RegionAwarePolicy::check_invariants(const Zone& zone) const {
  std::string broken = lists_.check(zone);
  if (broken.empty()) broken = ra_.check(zone);
  if (!broken.empty()) throw InternalError("invariant violated: " + broken);
}

std::uint64_t RegionAwarePolicy::region_present(const Zone& zone, std::uint64_t region) const {
  return std::min(geometry_.region_pages, zone.pages() - region * geometry_.region_pages);
}

} // namespace memsim
