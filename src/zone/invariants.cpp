// Zone::check_invariants(): the buddy state recounted from scratch and compared with what the
// zone keeps (free lists, page states, per-region and per-pageblock counters). O(pages): meant
// for --check on small zones and tests. Per-CPU lists and back-ends are checked by their owners.
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "zone/zone.hpp"

namespace memsim {

namespace {

[[noreturn]] void broken(const std::string& what) {
  throw InternalError("invariant violated: " + what);
}

} // namespace

// Every list: links consistent, members are free heads of the list's order and type, counts
// match; nr_free[order] is the sum of its lists. `seen` marks the heads found on lists.
void Zone::check_lists(std::vector<std::uint8_t>& seen) const {
  for (unsigned order = 0; order < max_order(); ++order) {
    std::uint64_t blocks = 0;
    for (int t = 0; t < kMigratetypes; ++t) {
      const PageList& list = free_area_[order][t];
      std::uint64_t n = 0;
      PageIdx prev = kNoPage;
      for (PageIdx i = list.head; i != kNoPage; i = pages_[i].next) {
        const Page& p = pages_[i];
        if (p.state != PageState::free_head || p.order != order || index_of(p.mt) != t)
          broken(fmt::format("page {} on free_list[{}][{}] is not a free block of that list", i,
                             order, to_string(migratetype_at(t))));
        if (p.prev != prev) broken(fmt::format("free list link broken at page {}", i));
        if (seen[i]++) broken(fmt::format("page {} is on a free list twice", i));
        prev = i;
        if (++n > pages_.size()) broken("free list has a cycle");
      }
      if (list.tail != prev || n != list.count)
        broken(fmt::format("free_list[{}][{}] count {} or tail disagree with its {} blocks", order,
                           to_string(migratetype_at(t)), list.count, n));
      blocks += n;
    }
    if (blocks != nr_free_[order])
      broken(fmt::format("nr_free[{}] = {} but the lists hold {}", order, nr_free_[order], blocks));
  }
}

void Zone::check_invariants() const {
  std::vector<std::uint8_t> seen(pages_.size(), 0);
  check_lists(seen);
  std::vector<RegionCounters> regions(regions_.size());
  std::vector<std::array<std::uint32_t, kRequestableTypes>> blocks(pageblock_allocated_.size());
  for (std::uint64_t i = 0; i < pages_.size();) {
    const Page& p = pages_[i];
    const std::uint64_t size = std::uint64_t{1} << p.order;
    switch (p.state) {
    case PageState::tail:
      broken(fmt::format("page {} belongs to no block", i));
    case PageState::pcp:
      regions[region_of(static_cast<PageIdx>(i))].pcp_pages += size;
      break;
    case PageState::free_head:
      if (!seen[i]) broken(fmt::format("free block at page {} is on no free list", i));
      [[fallthrough]];
    case PageState::held:
      if ((i & (size - 1)) != 0 || i + size > pages_.size())
        broken(
            fmt::format("free block at page {} order {} misaligned or past the zone", i, p.order));
      if (p.order + 1u < max_order()) {
        const std::uint64_t buddy = i ^ size;
        if (buddy < pages_.size() && pages_[buddy].state == PageState::free_head &&
            pages_[buddy].order == p.order &&
            !merge_refused(static_cast<PageIdx>(buddy), p.order,
                           pageblock_migratetype(static_cast<PageIdx>(i))))
          broken(
              fmt::format("free buddies {} and {} of order {} are not merged", i, buddy, p.order));
      }
      break;
    case PageState::alloc_head: {
      regions[region_of(static_cast<PageIdx>(i))].allocated[index_of(p.mt)] += size;
      const std::uint64_t per_block = std::min(size, geometry_.pageblock_pages);
      for (std::uint64_t b = i >> pageblock_order(); b <= (i + size - 1) >> pageblock_order(); ++b)
        blocks[b][index_of(p.mt)] += static_cast<std::uint32_t>(per_block);
      break;
    }
    }
    for (std::uint64_t j = i + 1; j < i + size; ++j)
      if (pages_[j].state != PageState::tail)
        broken(fmt::format("page {} inside the block at {} (order {}) is a block head", j, i,
                           p.order));
    i += size;
  }
  for (std::uint64_t r = 0; r < regions_.size(); ++r)
    if (regions[r].allocated != regions_[r].allocated ||
        regions[r].pcp_pages != regions_[r].pcp_pages)
      broken(fmt::format("region {} counters disagree with a recount", r));
  if (blocks != pageblock_allocated_)
    broken("pageblock allocation counters disagree with a recount");
}

} // namespace memsim
