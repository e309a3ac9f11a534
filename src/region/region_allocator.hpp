// The region allocator (Bhat v4 16–22, 28): the back-end "bank" that holds whole free regions
// as lists of max-order blocks (pages in the zone's state `held`), hands out the lowest-numbered
// one (ralloc_mask / next_region, docs/semantics.md D34) and counts what it holds.
// docs/region-aware.md
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "region/region_bitmap.hpp"
#include "zone/zone.hpp"

namespace memsim {

class RegionAllocator {
public:
  explicit RegionAllocator(const Geometry& geometry);

  // add_to_region_allocator(): `blocks` (free max-order blocks already unlinked from their
  // buddy list, in list order with the anchor last) become the region's RA list.
  void hold(Zone& zone, std::uint64_t region, const std::vector<PageIdx>& blocks);
  // __del_from_region_allocator(): empties the region's RA list and returns its blocks in RA
  // order [b1 … bn]; the caller puts them back on a buddy list.
  std::vector<PageIdx> release(Zone& zone, std::uint64_t region);

  // next_region: the lowest region held, if any.
  std::optional<std::uint64_t> next_region() const { return held_.lowest(); }
  bool holds(std::uint64_t region) const { return held_.test(region); }
  std::uint64_t held_blocks() const { return held_blocks_; }
  std::uint64_t held_regions() const { return held_regions_; }
  // region[r].region_area[MAX_ORDER-1] as page indices, RA order.
  std::vector<PageIdx> blocks(const Zone& zone, std::uint64_t region) const;

  // RA regions fully free and made only of held max-order blocks; counters match. Empty
  // string, or what broke.
  std::string check(const Zone& zone) const;

private:
  friend struct RegionAllocatorTestAccess; // tests that corrupt the state on purpose
  std::vector<PageList> lists_;            // per region; links in the held pages
  RegionBitmap held_;
  std::uint64_t held_blocks_ = 0;
  std::uint64_t held_regions_ = 0;
};

} // namespace memsim
