// Initialisation of the zone (docs/semantics.md D12, D13, D19, D61-8): the boot-time freeing of
// all memory in ascending pfn order, 3.11's setup_zone_migrate_reserve(), and the carving of
// `preallocated` blocks out of the free lists. Nothing done here is counted in the stats.
#include "zone/boot.hpp"

#include <fmt/format.h>

#include "memsim/error.hpp"

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

// Boot: every block through __free_pages_ok (never the per-CPU lists), ascending.
void Zone::boot_free(bool to_tail) {
  for (std::uint64_t idx = 0; idx < pages_.size();) {
    const unsigned order = boot_order(idx, pages_.size(), max_order());
    free_pages_ok(static_cast<PageIdx>(idx), order, to_tail);
    idx += std::uint64_t{1} << order;
  }
}

// 3.11 setup_zone_migrate_reserve(): from the zone start, while reserve blocks are owed, a
// RESERVE block counts and a MOVABLE block is converted (set_pageblock_migratetype, then
// move_freepages_block); once met, further RESERVE blocks go back to MOVABLE.
void setup_zone_migrate_reserve(Zone& zone, unsigned reserve_pageblocks) {
  std::int64_t reserve = reserve_pageblocks;
  const std::uint64_t pageblock_pages = zone.geometry().pageblock_pages;
  for (std::uint64_t pb = 0; pb < zone.pageblock_types().size(); ++pb) {
    const auto page = static_cast<PageIdx>(pb * pageblock_pages);
    const Migratetype type = zone.pageblock_types()[pb];
    if (reserve > 0) {
      if (type == Migratetype::reserve) {
        --reserve;
        continue;
      }
      if (type == Migratetype::movable) {
        zone.set_pageblock_migratetype(page, Migratetype::reserve);
        zone.move_freepages_block(page, Migratetype::reserve);
        --reserve;
        continue;
      }
    }
    if (type == Migratetype::reserve) {
      zone.set_pageblock_migratetype(page, Migratetype::movable);
      zone.move_freepages_block(page, Migratetype::movable);
    }
  }
}

// docs/semantics.md D19: the range taken out of the free lists (take_free), then live.
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
  if (!take_free(target, order)) {
    throw InputError(fmt::format("{}: pfn {} order {} is not free (it overlaps another "
                                 "preallocated block)",
                                 origin, pfn, order));
  }
  mark_allocated(target, order, mt);
  return target;
}

// The free block holding [target, target + 2^order) (first released from a back-end if held)
// is taken off its list and split down; the halves that do not hold the target go back,
// through the list hooks, to the head of the list the block was on. When the target is the
// block's lowest part this is what expand() does.
bool Zone::take_free(PageIdx target, unsigned order) {
  for (unsigned o = order; o < max_order(); ++o) {
    const auto head = static_cast<PageIdx>(target & ~((std::uint64_t{1} << o) - 1));
    const Page& h = pages_[head];
    if (h.order != o || (h.state != PageState::free_head && h.state != PageState::held)) continue;
    if (h.state == PageState::held) {
      if (hooks_ == nullptr) throw InternalError("a held block but no back-end to release it");
      hooks_->release_held_block(*this, head);
    }
    const Migratetype list_mt = h.mt;
    del_from_freelist(head);
    std::uint64_t cur = head;
    for (unsigned level = o; level > order;) {
      --level;
      const std::uint64_t half = std::uint64_t{1} << level;
      if (target >= cur + half) {
        add_to_freelist(static_cast<PageIdx>(cur), level, list_mt, false);
        cur += half;
      } else {
        add_to_freelist(static_cast<PageIdx>(cur + half), level, list_mt, false);
      }
    }
    pages_[target].state = PageState::tail;
    return true;
  }
  return false;
}

} // namespace memsim
