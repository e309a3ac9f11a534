// Counters bumped by the engine and the replay loop (plain structs with named fields), and the
// snapshot of the zone that the exporters read. Derived metrics (homogeneity, indices) are
// computed at export from these, never stored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memsim/counters.hpp"
#include "memsim/types.hpp"
#include "stats/energy.hpp"

namespace memsim {

struct EventCounts {
  std::uint64_t alloc = 0, free = 0, failed = 0, unmatched_free = 0, duplicate_alloc = 0,
                order_mismatch = 0, mark = 0, split = 0, split_ignored = 0, probe = 0;
};

// Zone-wide free-block counts: buddyinfo (nr_free per order, RA blocks included at the top
// order, D9) and pagetypeinfo (buddy lists only) per list type.
struct FreeAreaCounts {
  std::vector<std::uint64_t> buddyinfo;
  std::array<std::vector<std::uint64_t>, kMigratetypes> pagetypeinfo; // by index_of(list type)
};

struct RegionSnapshot {
  std::uint64_t index = 0;
  Pfn start_pfn = 0;
  std::uint64_t pages = 0, free_pages = 0, pcp_pages = 0;
  std::array<std::uint64_t, kRequestableTypes> allocated{};
  std::array<std::uint64_t, kMigratetypes> pageblocks{}; // by pageblock type
  std::uint64_t mixed_pageblocks = 0;
  bool in_region_allocator = false;
  std::string pageblock_map; // one letter per pageblock, upper case when mixed
  // Allocated pages of each pageblock by requested type (unmovable, reclaimable, movable).
  std::vector<std::array<std::uint32_t, kRequestableTypes>> pageblock_allocated;
};

// The numbers of one timeline sample (docs/spec.md §5).
struct TimelineSample {
  std::uint64_t event = 0;
  std::optional<double> t;
  std::uint64_t free_regions = 0, mixed_regions = 0, mixed_pageblocks = 0, free_pages = 0,
                fallbacks = 0;
  std::optional<double> homogeneity;
  double unusable_index_pageblock = 0;
  std::optional<std::string> label;
  // docs/spec.md §9: free blocks of order >= pageblock_order counted in pageblocks (region
  // allocator blocks included), the highest order on each requestable type's lists (-1: none),
  // and with --probe the answer per probed order and requestable type.
  std::uint64_t free_pageblocks_whole = 0;
  std::array<int, kRequestableTypes> largest_free_order{};
  std::vector<std::pair<unsigned, std::array<ProbeAnswer, kRequestableTypes>>> probes;
  std::optional<SegmentSample> segments; // --power (docs/power.md)
};

// The kernel's extfrag indices (mm/vmstat.c), integer arithmetic, over nr_free per order.
// Both return the kernel's integer (divide by 1000 to print).
std::int64_t unusable_free_index(unsigned order, const std::vector<std::uint64_t>& nr_free);
std::int64_t fragmentation_index(unsigned order, const std::vector<std::uint64_t>& nr_free);

// Σ max / Σ total over regions (page weighted); nullopt when nothing is allocated.
std::optional<double> weighted_homogeneity(const std::vector<RegionSnapshot>& regions);

} // namespace memsim
