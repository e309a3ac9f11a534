// Linux 3.11 mm/page_alloc.c: __rmqueue, __rmqueue_smallest, __rmqueue_fallback with the
// fallbacks[] table, the pageblock_order/2 and RECLAIMABLE steal rule, the half-pageblock
// claim (counting the block about to be taken), change_pageblock_range and the remainder to
// the requested type (docs/kernel-3.11.md, docs/semantics.md D21).
#include "policy/stock.hpp"

#include <array>

namespace memsim {

namespace {

// fallbacks[] (3.11 line 914), MIGRATE_RESERVE ends each row.
constexpr std::array<std::array<Migratetype, 2>, kRequestableTypes> kFallbacks{{
    {Migratetype::reclaimable, Migratetype::movable},   // UNMOVABLE
    {Migratetype::unmovable, Migratetype::movable},     // RECLAIMABLE
    {Migratetype::reclaimable, Migratetype::unmovable}, // MOVABLE
}};

} // namespace

// __rmqueue(): own lists first, then a fallback, then MIGRATE_RESERVE as the last resort.
Taken StockPolicy::rmqueue(Zone& zone, unsigned order, Migratetype mt) {
  for (;;) {
    const PageIdx page = rmqueue_smallest(zone, order, mt);
    if (page != kNoPage) return {page, false};
    if (mt == Migratetype::reserve) return {};
    const PageIdx stolen = rmqueue_fallback(zone, order, mt);
    if (stolen != kNoPage) return {stolen, true};
    mt = Migratetype::reserve;
  }
}

PageIdx StockPolicy::rmqueue_smallest(Zone& zone, unsigned order, Migratetype mt) {
  for (unsigned o = order; o < zone.max_order(); ++o) {
    const PageList& list = zone.free_list(o, mt);
    if (list.empty()) continue;
    const PageIdx page = list.head;
    del_from_freelist(zone, page);
    zone.expand(page, order, o, mt);
    return page;
  }
  return kNoPage;
}

// The steal branch: taken when current_order >= pageblock_order / 2 (integer division) or the
// request is RECLAIMABLE. move_freepages_block runs before the block is unlinked, so `pages`
// counts it too.
void StockPolicy::steal_freepages(Zone& zone, PageIdx page, unsigned current_order,
                                  Migratetype start_mt) {
  const unsigned pb_order = zone.pageblock_order();
  if (current_order < pb_order / 2 && start_mt != Migratetype::reclaimable) return;
  const std::uint64_t pages = zone.move_freepages_block(page, start_mt);
  if (pages >= (std::uint64_t{1} << (pb_order - 1))) zone.set_pageblock_migratetype(page, start_mt);
}

PageIdx StockPolicy::rmqueue_fallback(Zone& zone, unsigned order, Migratetype start_mt) {
  const unsigned pb_order = zone.pageblock_order();
  for (unsigned current = zone.max_order(); current-- > order;) {
    for (const Migratetype fallback_mt : kFallbacks[index_of(start_mt)]) {
      const PageList& list = zone.free_list(current, fallback_mt);
      if (list.empty()) continue;
      const PageIdx page = list.head;
      steal_freepages(zone, page, current, start_mt);
      del_from_freelist(zone, page);
      if (current >= pb_order && claims_whole_blocks())
        zone.change_pageblock_range(page, current, start_mt);
      zone.expand(page, order, current, start_mt);
      FallbackCounts& counts = zone.fallbacks();
      ++counts.total;
      if (current < pb_order) ++counts.fragmenting;
      ++counts.by_pair[index_of(start_mt)][index_of(fallback_mt)];
      return page;
    }
  }
  return kNoPage;
}

} // namespace memsim
