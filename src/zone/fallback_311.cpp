// Linux 3.11 __rmqueue_fallback (mm/page_alloc.c line 1012) with the fallbacks[] table (line
// 914), the pageblock_order/2 and RECLAIMABLE steal rule, the half-pageblock claim counting the
// block about to be taken, change_pageblock_range and the remainder to the requested type.
#include "zone/fallback_311.hpp"

#include "zone/fallback_common.hpp"

namespace memsim {

bool own_available(const Zone& zone, unsigned order, Migratetype mt) {
  for (unsigned o = order; o < zone.max_order(); ++o)
    if (!zone.free_list(o, mt).empty()) return true;
  return false;
}

bool fallback_available_311(const Zone& zone, unsigned order, Migratetype start_mt) {
  for (const Migratetype fallback_mt : kFallbacks[index_of(start_mt)])
    if (own_available(zone, order, fallback_mt)) return true;
  return false;
}

unsigned claim_pageblock(Zone& zone, PageIdx page, Migratetype mt) {
  const bool changes = zone.pageblock_migratetype(page) != mt;
  zone.set_pageblock_migratetype(page, mt);
  return changes ? 1 : 0;
}

unsigned try_to_steal_freepages(Zone& zone, PageIdx page, unsigned current_order,
                                Migratetype start_mt, const Fallback311Rules& rules) {
  const unsigned pb_order = zone.pageblock_order();
  if (current_order < pb_order / 2 && start_mt != Migratetype::reclaimable) return 0;
  if (rules.stealing != nullptr) *rules.stealing = page;
  const std::uint64_t pages = zone.move_freepages_block(page, start_mt).free;
  if (rules.stealing != nullptr) *rules.stealing = kNoPage;
  if (!rules.claim || pages < (std::uint64_t{1} << (pb_order - 1))) return 0;
  return claim_pageblock(zone, page, start_mt);
}

Fallback311Choice find_fallback_311(const Zone& zone, unsigned order, Migratetype start_mt) {
  for (unsigned current = zone.max_order(); current-- > order;)
    for (const Migratetype fallback_mt : kFallbacks[index_of(start_mt)]) {
      const PageList& list = zone.free_list(current, fallback_mt);
      if (!list.empty()) return {list.head, current, fallback_mt};
    }
  return {};
}

FallbackTake rmqueue_fallback_311(Zone& zone, unsigned order, Migratetype start_mt,
                                  const Fallback311Rules& rules, AllocatorCounters& counters) {
  const unsigned pb_order = zone.pageblock_order();
  const Fallback311Choice choice = find_fallback_311(zone, order, start_mt);
  if (choice.block == kNoPage) return {};
  const PageIdx page = choice.block;
  const unsigned current = choice.order;
  unsigned claimed = try_to_steal_freepages(zone, page, current, start_mt, rules);
  zone.del_from_freelist(page);
  if (current >= pb_order && rules.claim) {
    const std::uint64_t blocks = std::uint64_t{1} << (current - pb_order);
    for (std::uint64_t i = 0; i < blocks; ++i)
      claimed += claim_pageblock(
          zone, static_cast<PageIdx>(page + i * zone.geometry().pageblock_pages), start_mt);
  }
  zone.expand(page, order, current, start_mt);
  count_fallback(counters, {current, pb_order, start_mt, choice.fallback_mt, claimed});
  return {page, claimed};
}

} // namespace memsim
