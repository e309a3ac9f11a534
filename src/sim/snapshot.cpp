// Reading the zone for the stats: the per-region snapshot, free-area counts and the numbers
// of one timeline sample, all from the zone's incremental counters (O(regions + pageblocks)).
#include <algorithm>
#include <cctype>

#include "policy/policy.hpp"
#include "sim/simulator.hpp"
#include "stats/region_metrics.hpp"
#include "zone/zone.hpp"

namespace memsim {

namespace {

// A mixed pageblock holds an allocated page whose requested type is not the block's type; a
// RESERVE block holding anything is mixed (docs/semantics.md D8).
bool pageblock_mixed(Migratetype type, const std::array<std::uint32_t, kRequestableTypes>& n) {
  for (int t = 0; t < kRequestableTypes; ++t)
    if (n[t] != 0 && t != index_of(type)) return true;
  return false;
}

std::uint64_t region_pages(const Zone& zone, std::uint64_t r) {
  const Geometry& g = zone.geometry();
  return region_present_pages(g, r);
}

std::vector<std::uint64_t> buddyinfo(const Zone& zone, const Policy& policy) {
  std::vector<std::uint64_t> out(zone.max_order());
  for (unsigned o = 0; o < zone.max_order(); ++o) out[o] = zone.nr_free(o);
  out.back() += policy.held_blocks(); // docs/semantics.md D9: RA blocks count at the top order
  return out;
}

std::uint64_t allocated_total(const RegionCounters& c) {
  return c.allocated[0] + c.allocated[1] + c.allocated[2];
}

} // namespace

void snapshot_zone(const Zone& zone, const Policy& policy, RunStats& out) {
  const Geometry& g = zone.geometry();
  out.max_order = zone.max_order();
  out.pageblock_order = zone.pageblock_order();
  out.page_size = zone.config().zone.page_size;
  out.zone_pages = g.pages;
  out.start_pfn = zone.config().zone.start_pfn;
  PolicyReport report;
  policy.report(report);
  out.list_types = policy.list_types();
  out.fallbacks = policy.counters().fallbacks;
  out.ownership = policy.counters().ownership;
  out.retypes = zone.retypes();
  out.region_allocator = report.region_allocator;
  out.regions.assign(g.regions, RegionSnapshot{});
  out.free_pages = out.pcp_pages = 0;
  for (std::uint64_t r = 0; r < g.regions; ++r) {
    const RegionCounters& c = zone.region_counters()[r];
    RegionSnapshot& s = out.regions[r];
    s.index = r;
    s.start_pfn = zone.pfn_of(static_cast<PageIdx>(region_first_page(g, r)));
    s.pages = region_pages(zone, r);
    s.pcp_pages = c.pcp_pages;
    s.allocated = c.allocated;
    s.free_pages = s.pages - allocated_total(c) - c.pcp_pages;
    s.in_region_allocator = r < report.region_held.size() && report.region_held[r];
    out.free_pages += s.free_pages;
    out.pcp_pages += s.pcp_pages;
  }
  const auto& types = zone.pageblock_types();
  for (std::uint64_t b = 0; b < types.size(); ++b) {
    RegionSnapshot& s = out.regions[zone.region_of(static_cast<PageIdx>(b * g.pageblock_pages))];
    const bool mixed = pageblock_mixed(types[b], zone.pageblock_allocated()[b]);
    ++s.pageblocks[index_of(types[b])];
    s.mixed_pageblocks += mixed ? 1 : 0;
    const char letter = map_letter(types[b]);
    s.pageblock_map += mixed ? static_cast<char>(std::toupper(letter)) : letter;
    s.pageblock_allocated.push_back(zone.pageblock_allocated()[b]);
  }
  out.free_area.buddyinfo = buddyinfo(zone, policy);
  for (int t = 0; t < kMigratetypes; ++t) {
    auto& row = out.free_area.pagetypeinfo[t];
    row.assign(zone.max_order(), 0);
    for (unsigned o = 0; o < zone.max_order(); ++o)
      row[o] = zone.free_list(o, migratetype_at(t)).count;
  }
}

ZoneDetail snapshot_zone_detail(const Zone& zone, const Policy& policy) {
  const Geometry& g = zone.geometry();
  ZoneDetail d;
  d.regions = g.regions;
  d.max_order = zone.max_order();
  d.region_free_blocks.assign(g.regions * kMigratetypes * d.max_order, 0);
  for (unsigned o = 0; o < d.max_order; ++o) {
    for (int t = 0; t < kMigratetypes; ++t) {
      const PageList& list = zone.free_list(o, migratetype_at(t));
      for (PageIdx b = list.head; b != kNoPage; b = zone.page(b).next) {
        const std::uint64_t r = zone.region_of(b);
        ++d.region_free_blocks[(r * kMigratetypes + static_cast<std::uint64_t>(t)) * d.max_order +
                               o];
      }
    }
  }
  PolicyReport report;
  policy.report(report);
  d.pcp_count = report.pcp_count;
  d.pcp_high = report.pcp_high;
  d.pcp_batch = report.pcp_batch;
  d.min_wmark = report.min_wmark;
  return d;
}

TimelineSample sample_zone(const Zone& zone, const Policy& policy) {
  TimelineSample s;
  RegionTally tally;
  const auto& regions = zone.region_counters();
  for (std::uint64_t r = 0; r < regions.size(); ++r) {
    const RegionCounters& c = regions[r];
    tally.add(c.allocated, c.pcp_pages, 0);
    s.free_pages += region_pages(zone, r) - allocated_total(c) - c.pcp_pages;
  }
  const ZoneSummary summary = tally.summary();
  s.free_regions = summary.free_regions;
  s.mixed_regions = summary.mixed_regions;
  s.homogeneity = summary.homogeneity;
  const auto& types = zone.pageblock_types();
  for (std::uint64_t b = 0; b < types.size(); ++b)
    s.mixed_pageblocks += pageblock_mixed(types[b], zone.pageblock_allocated()[b]) ? 1 : 0;
  s.fallbacks = policy.counters().fallbacks.total;
  const std::vector<std::uint64_t> free_blocks = buddyinfo(zone, policy);
  for (unsigned o = zone.pageblock_order(); o < zone.max_order(); ++o)
    s.free_pageblocks_whole += free_blocks[o] << (o - zone.pageblock_order());
  for (int t = 0; t < kRequestableTypes; ++t) {
    int& largest = s.largest_free_order[static_cast<std::size_t>(t)];
    largest = -1;
    for (unsigned o = 0; o < zone.max_order(); ++o)
      if (!zone.free_list(o, migratetype_at(t)).empty()) largest = static_cast<int>(o);
  }
  s.unusable_index_pageblock =
      static_cast<double>(unusable_free_index(zone.pageblock_order(), buddyinfo(zone, policy))) /
      1000.0;
  return s;
}

} // namespace memsim
