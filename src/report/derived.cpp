// The export-time figures of report/derived.hpp, computed from a RunStats snapshot; the region
// figures themselves are defined once, in stats/region_metrics.cpp.
#include "report/derived.hpp"

namespace memsim {

RegionMetrics region_metrics(const RegionSnapshot& region) {
  return memsim::region_metrics(region.allocated, region.pcp_pages);
}

ZoneSummary summarize_regions(const std::vector<RegionSnapshot>& regions) {
  RegionTally tally;
  for (const auto& region : regions)
    tally.add(region.allocated, region.pcp_pages, region.mixed_pageblocks);
  return tally.summary();
}

std::optional<unsigned> largest_free_order(const std::vector<std::uint64_t>& buddyinfo) {
  for (std::size_t order = buddyinfo.size(); order-- > 0;) {
    if (buddyinfo[order] > 0) return static_cast<unsigned>(order);
  }
  return std::nullopt;
}

std::uint64_t matrix_total(const TypeMatrix& table) {
  std::uint64_t total = 0;
  for (const auto& row : table) {
    for (const std::uint64_t count : row) total += count;
  }
  return total;
}

} // namespace memsim
