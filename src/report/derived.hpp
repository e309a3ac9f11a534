// Per-region and zone-wide figures derived from a RunStats snapshot at export time (docs/spec.md §5
// definitions: free / mixed regions, dominant type, homogeneity). Shared by the exporters in
// report/ (JSON, text summary) so that every output counts them the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "stats/counters.hpp"
#include "stats/region_metrics.hpp"

namespace memsim {

// stats/region_metrics.hpp over the regions of a snapshot.
RegionMetrics region_metrics(const RegionSnapshot& region);
ZoneSummary summarize_regions(const std::vector<RegionSnapshot>& regions);
// The highest order with a free block (buddyinfo > 0); nullopt when nothing is free.
std::optional<unsigned> largest_free_order(const std::vector<std::uint64_t>& buddyinfo);
// Σ over a [type][type] table: every pageblock re-type, steal or polluting page.
std::uint64_t matrix_total(const TypeMatrix& table);
// The kernel index as a fraction (index / 1000.0), as docs/spec.md §5 prints it.
inline double index_fraction(std::int64_t index) {
  return static_cast<double>(index) / 1000.0;
}

} // namespace memsim
