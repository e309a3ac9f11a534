// The one definition of the region figures of docs/spec.md §5 (free, used and mixed regions,
// the dominant type, per-region and page-weighted homogeneity), over a region's allocated pages
// by type and its per-CPU pages. The timeline (sim/snapshot.cpp), the stats document and the
// summaries (report/) all count through this file.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "memsim/types.hpp"

namespace memsim {

using TypePages = std::array<std::uint64_t, kRequestableTypes>; // allocated pages by type

struct RegionMetrics {
  std::uint64_t allocated = 0;         // pages of live allocations, all types
  std::optional<Migratetype> dominant; // nullopt when nothing is allocated; tie: lowest number
  std::optional<double> homogeneity;   // max / sum; nullopt when nothing is allocated
  bool mixed = false;                  // two or more types have allocated pages
  bool free = false;                   // no allocated and no per-CPU page (nr_free == present)
};

RegionMetrics region_metrics(const TypePages& allocated, std::uint64_t pcp_pages);

struct ZoneSummary {
  std::uint64_t regions = 0, free_regions = 0, used_regions = 0, mixed_regions = 0,
                mixed_pageblocks = 0;
  std::uint64_t free_regions_drained = 0; // no allocated page; per-CPU pages ignored
  std::optional<double> homogeneity;      // page weighted: Σ max / Σ total
};

// Accumulates regions into a ZoneSummary.
class RegionTally {
public:
  void add(const TypePages& allocated, std::uint64_t pcp_pages, std::uint64_t mixed_pageblocks);
  ZoneSummary summary() const;

private:
  ZoneSummary out_;
  std::uint64_t dominant_ = 0, total_ = 0;
};

} // namespace memsim
