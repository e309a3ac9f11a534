// Derived metrics computed at export from the counters (src/stats/counters.hpp): the kernel's
// extfrag indices, byte for byte as mm/vmstat.c computes them (64-bit unsigned arithmetic,
// truncating divisions); the page-weighted homogeneity through stats/region_metrics.hpp.
#include <algorithm>

#include "stats/counters.hpp"
#include "stats/region_metrics.hpp"

namespace memsim {
namespace {

// struct contig_page_info of mm/vmstat.c.
struct ContigPageInfo {
  std::uint64_t free_pages = 0;
  std::uint64_t free_blocks_total = 0;
  std::uint64_t free_blocks_suitable = 0;
};

// fill_contig_page_info(): nr_free summed over all migratetypes, one entry per order.
ContigPageInfo fill_contig_page_info(unsigned suitable_order,
                                     const std::vector<std::uint64_t>& nr_free) {
  ContigPageInfo info;
  for (unsigned order = 0; order < nr_free.size(); ++order) {
    const std::uint64_t blocks = nr_free[order];
    info.free_blocks_total += blocks;
    info.free_pages += blocks << order;
    if (order >= suitable_order) info.free_blocks_suitable += blocks << (order - suitable_order);
  }
  return info;
}

} // namespace

// unusable_free_index() of mm/vmstat.c.
std::int64_t unusable_free_index(unsigned order, const std::vector<std::uint64_t>& nr_free) {
  const ContigPageInfo info = fill_contig_page_info(order, nr_free);
  if (info.free_pages == 0) return 1000;
  const std::uint64_t unusable = info.free_pages - (info.free_blocks_suitable << order);
  return static_cast<std::int64_t>(unusable * 1000 / info.free_pages);
}

// __fragmentation_index() of mm/vmstat.c (the `order >= MAX_ORDER` guard of
// fragmentation_index() included). The kernel computes 1000 - u64 and returns it as an int,
// so a single small free block can give a negative index; the signed result reproduces that.
std::int64_t fragmentation_index(unsigned order, const std::vector<std::uint64_t>& nr_free) {
  if (order >= nr_free.size()) return 0;
  const ContigPageInfo info = fill_contig_page_info(order, nr_free);
  if (info.free_blocks_total == 0) return 0;
  if (info.free_blocks_suitable != 0) return -1000;
  const std::uint64_t requested = std::uint64_t{1} << order;
  const std::uint64_t quotient =
      (1000 + info.free_pages * 1000 / requested) / info.free_blocks_total;
  return 1000 - static_cast<std::int64_t>(quotient);
}

std::optional<double> weighted_homogeneity(const std::vector<RegionSnapshot>& regions) {
  RegionTally tally;
  for (const auto& region : regions) tally.add(region.allocated, region.pcp_pages, 0);
  return tally.summary().homogeneity;
}

} // namespace memsim
