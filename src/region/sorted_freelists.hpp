// Region bookkeeping of the buddy free lists (Bhat v4 05/06/09/11/12): per (order, migratetype)
// list and region, the number of blocks and the anchor (`page_block`, the LAST block of the
// region's segment); per region the free pages on lists and in the region allocator
// (`zone_mem_region.nr_free`). In sorted mode insertion keeps each list grouped by region in
// increasing order (docs/region-aware.md, docs/semantics.md D26); unsorted, the counts
// are still kept for the region allocator (D32) and blocks are linked as 3.11 links them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "region/region_bitmap.hpp"
#include "zone/zone.hpp"

namespace memsim {

// One region's stretch of one free list.
struct Segment {
  PageIdx anchor = kNoPage; // last block of the segment (sorted mode only)
  std::uint32_t count = 0;  // blocks of the region on the list (mr_list[r].nr_free)
};

class SortedFreelists {
public:
  SortedFreelists(const Geometry& geometry, unsigned max_order, bool sorted);

  bool sorted() const { return sorted_; }

  // add_to_freelist() without the PA⇒RA check: region-sorted position in sorted mode (`tail`
  // ignored, D26), else the 3.11 head / tail. Counts the region's free pages.
  void insert(Zone& zone, PageIdx block, unsigned order, Migratetype mt, bool tail);
  // del_from_freelist(): a deleted anchor hands its role to the previous element; the region's
  // last block clears it (§4.3).
  void remove(Zone& zone, PageIdx block);
  // Links `block` just before `at` (same region, list and order): the RA⇒PA splice of
  // add_to_freelist_bulk (§3.3). Pages are counted by the caller.
  void splice_before(Zone& zone, PageIdx at, PageIdx block);
  // The region's blocks on free_list[order][mt] in list order (the segment in sorted mode).
  std::vector<PageIdx> segment_blocks(const Zone& zone, unsigned order, Migratetype mt,
                                      std::uint64_t region) const;

  const Segment& segment(unsigned order, Migratetype mt, std::uint64_t region) const {
    return segments_[slot(order, mt, region)];
  }
  // zone_mem_region.nr_free: pages on the buddy lists plus pages held by the RA.
  std::uint64_t region_free(std::uint64_t region) const { return region_free_[region]; }
  void adjust_region_free(std::uint64_t region, std::int64_t pages) {
    region_free_[region] =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(region_free_[region]) + pages);
  }

  // Every list walked: counts, anchors, segments contiguous and in increasing region order.
  // Returns an empty string, or what broke.
  std::string check(const Zone& zone) const;

private:
  std::uint64_t slot(unsigned order, Migratetype mt, std::uint64_t region) const {
    return (static_cast<std::uint64_t>(order) * kMigratetypes +
            static_cast<std::uint64_t>(index_of(mt))) *
               regions_ +
           region;
  }
  RegionBitmap& present(unsigned order, Migratetype mt) {
    return present_[order * kMigratetypes + static_cast<unsigned>(index_of(mt))];
  }
  std::string check_list(const Zone& zone, unsigned order, Migratetype mt) const;

  std::uint64_t regions_;
  bool sorted_;
  std::vector<Segment> segments_;     // [order][mt][region]
  std::vector<RegionBitmap> present_; // [order][mt]: regions with a segment (region_leaf_mask)
  std::vector<std::uint64_t> region_free_;
};

} // namespace memsim
