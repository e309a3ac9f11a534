// The Zone primitives that run for every event, defined inline (zone.hpp includes this file
// last): free-list and per-CPU links and the counters of live blocks.
#pragma once

#include <algorithm>

#include "zone/zone.hpp"

namespace memsim {

// The hot primitives, inline: they run for every event (free-list links, per-CPU links, the
// counters of live blocks).
inline void Zone::link(PageIdx block, unsigned order, Migratetype mt, PageIdx prev, PageIdx next) {
  Page& p = pages_[block];
  p.order = static_cast<std::uint8_t>(order);
  p.state = PageState::free_head;
  p.mt = mt;
  p.flags = 0;
  list_link(pages_.data(), free_area_[order][index_of(mt)], block, prev, next);
  ++nr_free_[order];
}
inline void Zone::link_head(PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, kNoPage, free_list(order, mt).head);
}
inline void Zone::link_tail(PageIdx block, unsigned order, Migratetype mt) {
  link(block, order, mt, free_list(order, mt).tail, kNoPage);
}
inline void Zone::unlink(PageIdx block) {
  const Page& p = pages_[block];
  --nr_free_[p.order];
  list_unlink(pages_.data(), free_area_[p.order][index_of(p.mt)], block);
}
inline void Zone::pcp_link(PageList& list, PageIdx block, unsigned order, Migratetype mt,
                           std::uint8_t flags, bool tail) {
  Page& p = pages_[block];
  p.state = PageState::pcp;
  p.order = static_cast<std::uint8_t>(order);
  p.mt = mt;
  p.flags = flags;
  if (tail) {
    list_link_tail(pages_.data(), list, block);
  } else {
    list_link_head(pages_.data(), list, block);
  }
  regions_[region_of(block)].pcp_pages += std::uint64_t{1} << order;
  if (segments_ != nullptr) segments_->count_pcp(block, std::uint64_t{1} << order, +1);
}
inline void Zone::pcp_unlink(PageList& list, PageIdx block) {
  list_unlink(pages_.data(), list, block);
  regions_[region_of(block)].pcp_pages -= std::uint64_t{1} << pages_[block].order;
  if (segments_ != nullptr)
    segments_->count_pcp(block, std::uint64_t{1} << pages_[block].order, -1);
}
inline void Zone::count_pages(PageIdx block, unsigned order, Migratetype mt, std::int64_t sign) {
  const std::uint64_t size = std::uint64_t{1} << order;
  const int t = index_of(mt);
  RegionCounters& region = regions_[region_of(block)];
  region.allocated[t] = static_cast<std::uint64_t>(static_cast<std::int64_t>(region.allocated[t]) +
                                                   sign * static_cast<std::int64_t>(size));
  if (segments_ != nullptr) segments_->count_allocated(block, size, mt, sign);
  const std::uint64_t per_block = std::min(size, geometry_.pageblock_pages);
  const std::uint64_t first = block >> pageblock_order();
  const std::uint64_t blocks = (size + geometry_.pageblock_pages - 1) / geometry_.pageblock_pages;
  for (std::uint64_t b = first; b < first + blocks; ++b) {
    std::uint32_t& n = pageblock_allocated_[b][t];
    n = static_cast<std::uint32_t>(static_cast<std::int64_t>(n) +
                                   sign * static_cast<std::int64_t>(per_block));
  }
}
inline void Zone::mark_allocated(PageIdx block, unsigned order, Migratetype mt) {
  Page& p = pages_[block];
  p.state = PageState::alloc_head;
  p.order = static_cast<std::uint8_t>(order);
  p.mt = mt;
  p.flags = 0;
  p.prev = p.next = kNoPage;
  count_pages(block, order, mt, +1);
}
inline void Zone::mark_freed(PageIdx block) {
  Page& p = pages_[block];
  count_pages(block, p.order, p.mt, -1);
  p.state = PageState::tail;
}

} // namespace memsim
