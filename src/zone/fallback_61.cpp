// Linux 6.1 mm/page_alloc.c __rmqueue_fallback with find_suitable_fallback, can_steal_fallback
// and steal_suitable_fallback (the alike claim rule, the HIGHATOMIC guard, change_pageblock_range
// for blocks of pageblock order or more, the single-block move to the tail), and the retry's
// pick after a steal worked out without stealing (for predictions).
#include "zone/fallback_61.hpp"

#include "memsim/error.hpp"
#include "zone/fallback_311.hpp"
#include "zone/fallback_common.hpp"

namespace memsim {

bool can_steal_fallback(unsigned order, unsigned pageblock_order, Migratetype start_mt,
                        const Fallback61Rules& rules) {
  if (order >= pageblock_order) return true;
  return order >= pageblock_order / 2 || start_mt == Migratetype::reclaimable ||
         (rules.unmovable_steals && start_mt == Migratetype::unmovable);
}

std::optional<Migratetype> find_suitable_fallback(const Zone& zone, unsigned order,
                                                  Migratetype start_mt, bool only_stealable,
                                                  bool& can_steal, const Fallback61Rules& rules) {
  if (zone.nr_free(order) == 0) return std::nullopt;
  can_steal = false;
  for (const Migratetype fallback_mt : kFallbacks[index_of(start_mt)]) {
    if (zone.free_list(order, fallback_mt).empty()) continue;
    if (can_steal_fallback(order, zone.pageblock_order(), start_mt, rules)) can_steal = true;
    if (!only_stealable || can_steal) return fallback_mt;
  }
  return std::nullopt;
}

// __rmqueue_fallback()'s two searches: the largest order with a fallback block; a MOVABLE
// request that could not steal it and asked for less goes to find_smallest instead.
std::optional<FallbackChoice> find_fallback_61(const Zone& zone, unsigned order,
                                               Migratetype start_mt, const Fallback61Rules& rules,
                                               unsigned min_order) {
  if (min_order < order) min_order = order;
  bool can_steal = false;
  const auto choice = [&](unsigned current, Migratetype fallback_mt) {
    return FallbackChoice{zone.free_list(current, fallback_mt).head, current, fallback_mt,
                          can_steal};
  };
  for (unsigned current = zone.max_order(); current-- > min_order;) {
    const auto fallback_mt =
        find_suitable_fallback(zone, current, start_mt, false, can_steal, rules);
    if (!fallback_mt) continue;
    const bool smallest =
        rules.find_smallest && !can_steal && start_mt == Migratetype::movable && current > order;
    if (!smallest) return choice(current, *fallback_mt);
    for (unsigned o = order; o < zone.max_order(); ++o) {
      const auto mt = find_suitable_fallback(zone, o, start_mt, false, can_steal, rules);
      if (mt) return choice(o, *mt);
    }
    throw InternalError("find_smallest found no fallback block the largest-first search saw");
  }
  return std::nullopt;
}

namespace {

// steal_suitable_fallback()'s alike pages (D61-19): the movable pages for a MOVABLE request,
// the pageblock's other non-free pages for another request in a MOVABLE block, else none.
std::int64_t alike_pages(const Zone& zone, const FreepageCount& moved, Migratetype start_mt,
                         Migratetype old_block_type) {
  if (start_mt == Migratetype::movable) return static_cast<std::int64_t>(moved.movable);
  if (old_block_type != Migratetype::movable) return 0;
  return static_cast<std::int64_t>(zone.geometry().pageblock_pages) -
         static_cast<std::int64_t>(moved.free + moved.movable);
}

// move_to_free_list(): this block alone onto start_mt's list (list_move_tail).
void move_to_free_list(Zone& zone, PageIdx page, unsigned order, Migratetype mt) {
  zone.del_from_freelist(page);
  zone.add_to_freelist(page, order, mt, zone.rules().move_to_tail);
}

} // namespace

unsigned change_pageblock_range_counted(Zone& zone, PageIdx page, unsigned order, Migratetype mt) {
  const std::uint64_t pageblock_pages = zone.geometry().pageblock_pages;
  unsigned changed = 0;
  for (std::uint64_t i = 0; i < (std::uint64_t{1} << (order - zone.pageblock_order())); ++i)
    changed += zone.pageblock_migratetype(static_cast<PageIdx>(page + i * pageblock_pages)) != mt;
  zone.change_pageblock_range(page, order, mt);
  return changed;
}

unsigned steal_suitable_fallback(Zone& zone, const FallbackChoice& choice,
                                 const StealContext& ctx) {
  const PageIdx page = choice.page;
  const unsigned current_order = choice.current_order;
  const Migratetype start_mt = ctx.start_mt;
  const Migratetype old_block_type = zone.pageblock_migratetype(page);
  const unsigned pageblock_order = zone.pageblock_order();
  unsigned claimed = 0;
  if (old_block_type == Migratetype::highatomic) {
    // a HIGHATOMIC pageblock is never converted: single page
  } else if (current_order >= pageblock_order) {
    claimed = change_pageblock_range_counted(zone, page, current_order, start_mt);
  } else {
    if (ctx.boost != nullptr) boost_watermark(*ctx.boost); // ZONE_BOOSTED_WATERMARK: no effect
    if (choice.can_steal) {
      const FreepageCount moved = zone.move_freepages_block(page, start_mt);
      if (moved.free != 0) {
        const std::int64_t alike =
            ctx.rules->alike_rule ? alike_pages(zone, moved, start_mt, old_block_type) : 0;
        if (static_cast<std::int64_t>(moved.free) + alike >= std::int64_t{1}
                                                                 << (pageblock_order - 1))
          claimed = claim_pageblock(zone, page, start_mt);
        return claimed; // moved but not claimed: the free pages stay on start_mt's lists (a loan)
      }
    }
  }
  move_to_free_list(zone, page, current_order, start_mt);
  return claimed;
}

std::optional<FallbackSteal> rmqueue_fallback_61(Zone& zone, unsigned order,
                                                 const StealContext& ctx,
                                                 AllocatorCounters& counters) {
  const auto choice = find_fallback_61(zone, order, ctx.start_mt, *ctx.rules);
  if (!choice) return std::nullopt;
  const unsigned claimed = steal_suitable_fallback(zone, *choice, ctx);
  count_fallback(counters, {choice->current_order, zone.pageblock_order(), ctx.start_mt,
                            choice->fallback_mt, claimed});
  return FallbackSteal{*choice, claimed};
}

// Before the fallback, start_mt's lists of `order` and more were empty (__rmqueue_smallest had
// failed), so after the steal they hold exactly the blocks moved there.
PageIdx retry_after_steal(const Zone& zone, const FallbackChoice& choice, unsigned order) {
  const unsigned pageblock_order = zone.pageblock_order();
  if (!choice.can_steal || choice.current_order >= pageblock_order ||
      zone.pageblock_migratetype(choice.page) == Migratetype::highatomic)
    return choice.page;
  const std::uint64_t start = choice.page & ~(zone.geometry().pageblock_pages - 1);
  const std::uint64_t end = start + zone.geometry().pageblock_pages;
  if (end > zone.pages()) return choice.page; // move_freepages_block moves nothing (D61-7)
  const bool to_tail = zone.rules().move_to_tail;
  PageIdx best = kNoPage;
  unsigned best_order = zone.max_order();
  for (std::uint64_t i = start; i < end;) {
    const Page& p = zone.page(static_cast<PageIdx>(i));
    const bool free = p.state == PageState::free_head;
    if (free && p.order >= order && (p.order < best_order || (!to_tail && p.order == best_order))) {
      best = static_cast<PageIdx>(i);
      best_order = p.order;
    }
    i += free || p.state == PageState::alloc_head ? (std::uint64_t{1} << p.order) : 1;
  }
  return best;
}

} // namespace memsim
