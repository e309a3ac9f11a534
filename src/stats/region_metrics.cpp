// Region figures (stats/region_metrics.hpp): the one place that decides what a free, used or
// mixed region is, which type dominates it and how homogeneous it is.
#include "stats/region_metrics.hpp"

namespace memsim {

RegionMetrics region_metrics(const TypePages& allocated, std::uint64_t pcp_pages) {
  RegionMetrics out;
  std::uint64_t largest = 0;
  int types = 0;
  for (int i = 0; i < kRequestableTypes; ++i) {
    const std::uint64_t pages = allocated[static_cast<std::size_t>(i)];
    out.allocated += pages;
    if (pages > 0) ++types;
    if (pages > largest) { // strict: a tie keeps the lower number (docs/semantics.md D8)
      largest = pages;
      out.dominant = migratetype_at(i);
    }
  }
  if (out.allocated > 0)
    out.homogeneity = static_cast<double>(largest) / static_cast<double>(out.allocated);
  out.mixed = types >= 2;
  out.free = out.allocated == 0 && pcp_pages == 0;
  return out;
}

void RegionTally::add(const TypePages& allocated, std::uint64_t pcp_pages,
                      std::uint64_t mixed_pageblocks) {
  const RegionMetrics m = region_metrics(allocated, pcp_pages);
  ++out_.regions;
  if (m.free) ++out_.free_regions;
  if (m.allocated == 0) ++out_.free_regions_drained;
  if (m.mixed) ++out_.mixed_regions;
  out_.mixed_pageblocks += mixed_pageblocks;
  total_ += m.allocated;
  if (m.homogeneity) dominant_ += allocated[static_cast<std::size_t>(index_of(*m.dominant))];
}

ZoneSummary RegionTally::summary() const {
  ZoneSummary out = out_;
  out.used_regions = out.regions - out.free_regions;
  if (total_ != 0) out.homogeneity = static_cast<double>(dominant_) / static_cast<double>(total_);
  return out;
}

} // namespace memsim
