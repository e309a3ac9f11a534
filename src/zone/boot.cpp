// Initialisation of the zone (docs/semantics.md D12, D13, D19): the boot-time freeing of all memory
// in ascending pfn order, setup_zone_migrate_reserve(), and the carving of `preallocated`
// blocks out of the free lists. Nothing done here is counted in the stats.
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/policy.hpp"
#include "zone/zone.hpp"

namespace memsim {

namespace {

// The largest order that is aligned at `idx` and fits before `pages`.
unsigned boot_order(std::uint64_t idx, std::uint64_t pages, unsigned max_order) {
  unsigned order = max_order - 1;
  while (order > 0 && ((idx & ((std::uint64_t{1} << order) - 1)) != 0 ||
                       idx + (std::uint64_t{1} << order) > pages))
    --order;
  return order;
}

} // namespace

// Boot: every block through __free_pages_ok (never the pcp lists), then
// setup_zone_migrate_reserve(): from the zone start, while reserve blocks are owed, a RESERVE
// block counts and a MOVABLE block is converted (set_pageblock_migratetype, then
// move_freepages_block); once met, further RESERVE blocks go back to MOVABLE.
void Zone::boot() {
  for (std::uint64_t idx = 0; idx < pages_.size();) {
    const unsigned order = boot_order(idx, pages_.size(), max_order());
    free_pages_ok(static_cast<PageIdx>(idx), order);
    idx += std::uint64_t{1} << order;
  }
  std::int64_t reserve = geometry_.reserve_pageblocks;
  for (std::uint64_t pb = 0; pb < pageblock_mt_.size(); ++pb) {
    const auto page = static_cast<PageIdx>(pb * geometry_.pageblock_pages);
    const Migratetype type = pageblock_mt_[pb];
    if (reserve > 0) {
      if (type == Migratetype::reserve) {
        --reserve;
        continue;
      }
      if (type == Migratetype::movable) {
        set_pageblock_migratetype(page, Migratetype::reserve);
        move_freepages_block(page, Migratetype::reserve);
        --reserve;
        continue;
      }
    }
    if (type == Migratetype::reserve) {
      set_pageblock_migratetype(page, Migratetype::movable);
      move_freepages_block(page, Migratetype::movable);
    }
  }
}

// docs/semantics.md D19: take the free block holding [pfn, pfn + 2^order) off its list (first
// pulling it out of the region allocator if held there) and split it down; the halves that do not
// hold the target go back, through the policy's insertion, onto the list the block was on.
PageIdx Zone::carve(Pfn pfn, unsigned order, Migratetype mt, const char* origin) {
  const Pfn start = config_.zone.start_pfn;
  if (order >= max_order()) {
    throw InputError(fmt::format("{}: order {} out of range (zone.max_order is {})", origin, order,
                                 max_order()));
  }
  const std::uint64_t size = std::uint64_t{1} << order;
  if (pfn < start || pfn - start + size > pages_.size()) {
    throw InputError(fmt::format("{}: pfn {} order {} lies outside the zone (pfns {}..{})", origin,
                                 pfn, order, start, start + pages_.size() - 1));
  }
  if ((pfn & (size - 1)) != 0) {
    throw InputError(fmt::format("{}: pfn {} is not aligned to order {}", origin, pfn, order));
  }
  const auto target = static_cast<PageIdx>(pfn - start);
  for (unsigned o = order; o < max_order(); ++o) {
    const auto head = static_cast<PageIdx>(target & ~((std::uint64_t{1} << o) - 1));
    Page& h = pages_[head];
    if (h.order != o || (h.state != PageState::free_head && h.state != PageState::held)) continue;
    if (h.state == PageState::held) policy_.release_held_block(*this, head);
    const Migratetype list_mt = h.mt;
    policy_.del_from_freelist(*this, head);
    std::uint64_t cur = head;
    for (unsigned level = o; level > order;) {
      --level;
      const std::uint64_t half = std::uint64_t{1} << level;
      if (target >= cur + half) {
        policy_.add_to_freelist(*this, static_cast<PageIdx>(cur), level, list_mt, false);
        cur += half;
      } else {
        policy_.add_to_freelist(*this, static_cast<PageIdx>(cur + half), level, list_mt, false);
      }
    }
    mark_allocated(target, order, mt);
    return target;
  }
  throw InputError(fmt::format("{}: pfn {} order {} is not free (it overlaps another "
                               "preallocated block)",
                               origin, pfn, order));
}

} // namespace memsim
