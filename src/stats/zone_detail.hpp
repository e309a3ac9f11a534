// What the /proc files need beyond the stats document (report/proc_files.hpp): per-region
// free-list block counts (the patchset's mr_list[r].nr_free), the per-CPU list counts and the
// watermarks. Snapshotted from the zone at the end of a replay (sim/snapshot.cpp), only when
// --proc-out asks for it.
#pragma once

#include <cstdint>
#include <vector>

#include "memsim/types.hpp"

namespace memsim {

struct ZoneDetail {
  std::uint64_t regions = 0;
  unsigned max_order = 11;
  // Blocks on the buddy lists, [(region * kMigratetypes + list type) * max_order + order]; blocks
  // held by the region allocator are on no list and are not counted (as mr_list does not).
  std::vector<std::uint64_t> region_free_blocks;
  std::vector<std::uint64_t> pcp_count; // pages on each CPU's per-CPU lists
  unsigned pcp_high = 0, pcp_batch = 0;
  std::uint64_t min_wmark = 0; // pages

  std::uint64_t free_blocks(std::uint64_t region, Migratetype mt, unsigned order) const {
    return region_free_blocks[(region * kMigratetypes + static_cast<std::uint64_t>(index_of(mt))) *
                                  max_order +
                              order];
  }
};

} // namespace memsim
