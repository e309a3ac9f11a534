// The region allocator's lists and counters (Bhat v4 16–22; docs/region-aware.md). Transfers
// to and from the buddy lists are driven by the region-aware policy.
#include "region/region_allocator.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace memsim {

RegionAllocator::RegionAllocator(const Geometry& geometry)
    : lists_(geometry.regions), held_(geometry.regions) {}

void RegionAllocator::hold(Zone& zone, std::uint64_t region, const std::vector<PageIdx>& blocks) {
  for (const PageIdx b : blocks) zone.hold_block(lists_[region], b);
  held_.set(region);
  held_blocks_ += blocks.size();
  ++held_regions_;
}

std::vector<PageIdx> RegionAllocator::release(Zone& zone, std::uint64_t region) {
  std::vector<PageIdx> out = blocks(zone, region);
  for (const PageIdx b : out) zone.unhold_block(lists_[region], b);
  held_.clear(region);
  held_blocks_ -= out.size();
  --held_regions_;
  return out;
}

std::vector<PageIdx> RegionAllocator::blocks(const Zone& zone, std::uint64_t region) const {
  std::vector<PageIdx> out;
  out.reserve(lists_[region].count);
  for (PageIdx b = lists_[region].head; b != kNoPage && out.size() <= lists_[region].count;
       b = zone.page(b).next)
    out.push_back(b);
  return out;
}

std::string RegionAllocator::check(const Zone& zone) const {
  const Geometry& g = zone.geometry();
  const unsigned top = zone.max_order() - 1;
  std::uint64_t held_blocks = 0, held_regions = 0;
  for (std::uint64_t r = 0; r < lists_.size(); ++r) {
    const bool held = held_.test(r);
    if (held != (lists_[r].count != 0))
      return fmt::format("region {}: RA mask and RA list disagree", r);
    if (!held) continue;
    ++held_regions;
    const std::vector<PageIdx> list = blocks(zone, r);
    if (list.size() != lists_[r].count) return fmt::format("region {}: RA list count broken", r);
    for (const PageIdx b : list) {
      const Page& p = zone.page(b);
      if (p.state != PageState::held || p.order != top || zone.region_of(b) != r)
        return fmt::format("region {}: RA block {} is not a held max-order block of it", r, b);
    }
    const std::uint64_t present = region_present_pages(g, r);
    if ((list.size() << top) != present)
      return fmt::format("region {} is in the RA but not completely free ({} blocks, {} pages)", r,
                         list.size(), present);
    held_blocks += list.size();
  }
  for (PageIdx i = 0; i < zone.pages(); ++i)
    if (zone.page(i).state == PageState::held && !held_.test(zone.region_of(i)))
      return fmt::format("page {} is held but its region is not in the RA", i);
  if (held_blocks != held_blocks_)
    return fmt::format("held_blocks {} but the RA lists hold {}", held_blocks_, held_blocks);
  if (held_regions != held_regions_)
    return fmt::format("regions_held {} but the RA holds {}", held_regions_, held_regions);
  return {};
}

} // namespace memsim
