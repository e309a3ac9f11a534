// The export-time figures of report/derived.hpp, computed from a RunStats snapshot: the one
// place that decides what a free, used or mixed region is and which type dominates it.
#include "report/derived.hpp"

namespace memsim {

RegionMetrics region_metrics(const RegionSnapshot& region) {
  RegionMetrics out;
  std::uint64_t largest = 0;
  int types = 0;
  for (int i = 0; i < kRequestableTypes; ++i) {
    const std::uint64_t pages = region.allocated[static_cast<std::size_t>(i)];
    out.allocated += pages;
    if (pages > 0) ++types;
    if (pages > largest) { // strict: a tie keeps the lower kernel number (docs/semantics.md D8)
      largest = pages;
      out.dominant = migratetype_at(i);
    }
  }
  if (out.allocated > 0) {
    out.homogeneity = static_cast<double>(largest) / static_cast<double>(out.allocated);
  }
  out.mixed = types >= 2;
  out.free = region.free_pages == region.pages;
  return out;
}

ZoneSummary summarize_regions(const std::vector<RegionSnapshot>& regions) {
  ZoneSummary out;
  out.regions = regions.size();
  for (const auto& region : regions) {
    const RegionMetrics metrics = region_metrics(region);
    if (metrics.free) ++out.free_regions;
    if (metrics.mixed) ++out.mixed_regions;
    out.mixed_pageblocks += region.mixed_pageblocks;
  }
  out.used_regions = out.regions - out.free_regions;
  out.homogeneity = weighted_homogeneity(regions);
  return out;
}

std::optional<unsigned> largest_free_order(const std::vector<std::uint64_t>& buddyinfo) {
  for (std::size_t order = buddyinfo.size(); order-- > 0;) {
    if (buddyinfo[order] > 0) return static_cast<unsigned>(order);
  }
  return std::nullopt;
}

std::uint64_t total_retypes(const RetypeCounts& retypes) {
  std::uint64_t total = 0;
  for (const auto& row : retypes) {
    for (const std::uint64_t count : row) total += count;
  }
  return total;
}

} // namespace memsim
