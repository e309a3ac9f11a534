// Linux 6.18 mm/page_alloc.c __rmqueue_claim, __rmqueue_steal, should_try_claim_block,
// find_suitable_fallback and try_to_claim_block; Linux 6.10-6.14 __rmqueue_fallback with
// steal_suitable_fallback (docs/kernel-6.18.md "Fallback"). Every pageblock walk is the zone's
// move_freepages_block; the questions (would_*) share each decision with the doing functions.
#include "zone/fallback_618.hpp"

#include "zone/fallback_311.hpp"
#include "zone/fallback_61.hpp"
#include "zone/fallback_common.hpp"

namespace memsim {

bool should_try_claim_block(unsigned order, unsigned pageblock_order, Migratetype start_mt) {
  if (order >= pageblock_order) return true;
  if (order >= pageblock_order / 2) return true;
  return start_mt == Migratetype::unmovable || start_mt == Migratetype::reclaimable;
}

FallbackFind find_suitable_fallback_618(const Zone& zone, unsigned order, Migratetype start_mt,
                                        bool claimable) {
  if (claimable && !should_try_claim_block(order, zone.pageblock_order(), start_mt))
    return {FallbackFind::Kind::unclaimable};
  if (zone.nr_free(order) == 0) return {};
  for (const Migratetype fallback_mt : kFallbacks[index_of(start_mt)])
    if (!zone.free_list(order, fallback_mt).empty())
      return {FallbackFind::Kind::found, fallback_mt};
  return {};
}

namespace {

// The claim test of try_to_claim_block() / steal_suitable_fallback() for a block below
// pageblock order: prep_move_freepages_block() refuses a pageblock crossing the zone end (the
// zone starts on a pageblock boundary), then free + alike pages must reach half the pageblock
// (the alike proxy of docs/semantics.md D61-19).
bool claim_allowed(const Zone& zone, PageIdx page, Migratetype start_mt, Migratetype block_type) {
  const std::uint64_t pageblock_pages = zone.geometry().pageblock_pages;
  const std::uint64_t start = page & ~(pageblock_pages - 1);
  if (start + pageblock_pages > zone.pages()) return false;
  const FreepageCount count = zone.count_freepages_block(page);
  const auto free = static_cast<std::int64_t>(count.free);
  const auto movable = static_cast<std::int64_t>(count.movable);
  std::int64_t alike = 0;
  if (start_mt == Migratetype::movable)
    alike = movable;
  else if (block_type == Migratetype::movable)
    alike = static_cast<std::int64_t>(pageblock_pages) - (free + movable);
  return free + alike >= static_cast<std::int64_t>(pageblock_pages / 2);
}

// __rmqueue_smallest(order, start_mt) right after a claim moved the pageblock's free blocks to
// the tail of start_mt's (empty) lists: the lowest of the smallest blocks of `order` or more.
PageIdx pick_after_claim(const Zone& zone, PageIdx page, unsigned current_order, unsigned order,
                         Migratetype fallback_mt) {
  return retry_after_steal(zone, {page, current_order, fallback_mt, true}, order);
}

// del_page_from_free_list + change_pageblock_range + expand for a claim of a whole free block
// of pageblock order or more: the remainder goes to the new type's lists.
PageIdx claim_whole_block(Zone& zone, PageIdx page, unsigned current_order, unsigned order,
                          Migratetype start_mt, unsigned& claimed) {
  zone.del_from_freelist(page);
  claimed = change_pageblock_range_counted(zone, page, current_order, start_mt);
  zone.expand(page, order, current_order, start_mt);
  return page;
}

// page_del_and_expand() for a steal: the remainder stays on the lists of `mt`.
PageIdx steal_block(Zone& zone, PageIdx page, unsigned current_order, unsigned order,
                    Migratetype mt) {
  zone.del_from_freelist(page);
  zone.expand(page, order, current_order, mt);
  return page;
}

void count(const Fallback618Context& ctx, const Zone& zone, unsigned current_order,
           Migratetype fallback_mt, unsigned claimed) {
  if (ctx.counters == nullptr) return;
  count_fallback(*ctx.counters,
                 {current_order, zone.pageblock_order(), ctx.start_mt, fallback_mt, claimed});
}

unsigned claim_min_order(const Zone& zone, unsigned order, bool nofragment) {
  return order < zone.pageblock_order() && nofragment ? zone.pageblock_order() : order;
}

// Linux 6.18 try_to_claim_block(): kNoPage when refused (nothing moved; the boost stays).
PageIdx try_to_claim_block(Zone& zone, PageIdx page, unsigned current_order, unsigned order,
                           Migratetype block_type, const Fallback618Context& ctx,
                           unsigned& claimed) {
  if (current_order >= zone.pageblock_order())
    return claim_whole_block(zone, page, current_order, order, ctx.start_mt, claimed);
  if (ctx.boost != nullptr) boost_watermark(*ctx.boost); // ZONE_BOOSTED_WATERMARK: no effect
  if (!claim_allowed(zone, page, ctx.start_mt, block_type)) return kNoPage;
  zone.move_freepages_block(page, ctx.start_mt);
  claimed = claim_pageblock(zone, page, ctx.start_mt);
  return zone.rmqueue_smallest(order, ctx.start_mt);
}

} // namespace

Taken rmqueue_claim(Zone& zone, unsigned order, const Fallback618Context& ctx) {
  const unsigned min_order = claim_min_order(zone, order, ctx.nofragment);
  for (unsigned current = zone.max_order(); current-- > min_order;) {
    const FallbackFind found = find_suitable_fallback_618(zone, current, ctx.start_mt, true);
    if (found.kind == FallbackFind::Kind::none) continue;
    if (found.kind == FallbackFind::Kind::unclaimable) break;
    unsigned claimed = 0;
    const PageIdx page = try_to_claim_block(zone, zone.free_list(current, found.mt).head, current,
                                            order, found.mt, ctx, claimed);
    if (page == kNoPage) continue; // refused: the next lower order
    count(ctx, zone, current, found.mt, claimed);
    return {page, true, TakeSource::fallback_claim};
  }
  return {};
}

Taken rmqueue_steal(Zone& zone, unsigned order, const Fallback618Context& ctx) {
  for (unsigned current = order; current < zone.max_order(); ++current) {
    const FallbackFind found = find_suitable_fallback_618(zone, current, ctx.start_mt, false);
    if (found.kind != FallbackFind::Kind::found) continue;
    const PageIdx page =
        steal_block(zone, zone.free_list(current, found.mt).head, current, order, found.mt);
    count(ctx, zone, current, found.mt, 0);
    return {page, true, TakeSource::fallback_steal};
  }
  return {};
}

Taken rmqueue_fallback_610(Zone& zone, unsigned order, const Fallback618Context& ctx) {
  const auto choice = find_fallback_61(zone, order, ctx.start_mt, Fallback61Rules{},
                                       claim_min_order(zone, order, ctx.nofragment));
  if (!choice) return {};
  const PageIdx page = choice->page;
  const unsigned current = choice->current_order;
  const Migratetype block_type = zone.pageblock_migratetype(page);
  unsigned claimed = 0;
  PageIdx taken = kNoPage;
  if (block_type == Migratetype::highatomic) {
    // a HIGHATOMIC pageblock is never converted: single page
  } else if (current >= zone.pageblock_order()) {
    taken = claim_whole_block(zone, page, current, order, ctx.start_mt, claimed);
  } else {
    if (ctx.boost != nullptr) boost_watermark(*ctx.boost);
    if (choice->can_steal && claim_allowed(zone, page, ctx.start_mt, block_type)) {
      zone.move_freepages_block(page, ctx.start_mt);
      claimed = claim_pageblock(zone, page, ctx.start_mt);
      taken = zone.rmqueue_smallest(order, ctx.start_mt);
    }
  }
  const bool claim = taken != kNoPage;
  if (!claim) taken = steal_block(zone, page, current, order, block_type); // single_page
  count(ctx, zone, current, choice->fallback_mt, claimed);
  return {taken, true, claim ? TakeSource::fallback_claim : TakeSource::fallback_steal};
}

PageIdx would_claim(const Zone& zone, unsigned order, Migratetype start_mt, bool nofragment) {
  const unsigned min_order = claim_min_order(zone, order, nofragment);
  for (unsigned current = zone.max_order(); current-- > min_order;) {
    const FallbackFind found = find_suitable_fallback_618(zone, current, start_mt, true);
    if (found.kind == FallbackFind::Kind::none) continue;
    if (found.kind == FallbackFind::Kind::unclaimable) break;
    const PageIdx page = zone.free_list(current, found.mt).head;
    if (current >= zone.pageblock_order()) return page;
    if (claim_allowed(zone, page, start_mt, found.mt))
      return pick_after_claim(zone, page, current, order, found.mt);
  }
  return kNoPage;
}

PageIdx would_steal(const Zone& zone, unsigned order, Migratetype start_mt) {
  for (unsigned current = order; current < zone.max_order(); ++current) {
    const FallbackFind found = find_suitable_fallback_618(zone, current, start_mt, false);
    if (found.kind == FallbackFind::Kind::found) return zone.free_list(current, found.mt).head;
  }
  return kNoPage;
}

PageIdx would_fallback_610(const Zone& zone, unsigned order, Migratetype start_mt,
                           bool nofragment) {
  const auto choice = find_fallback_61(zone, order, start_mt, Fallback61Rules{},
                                       claim_min_order(zone, order, nofragment));
  if (!choice) return kNoPage;
  const PageIdx page = choice->page;
  const Migratetype block_type = zone.pageblock_migratetype(page);
  if (block_type == Migratetype::highatomic || choice->current_order >= zone.pageblock_order())
    return page;
  if (choice->can_steal && claim_allowed(zone, page, start_mt, block_type))
    return pick_after_claim(zone, page, choice->current_order, order, choice->fallback_mt);
  return page;
}

} // namespace memsim
