// Reading the zone for the stats: the per-region snapshot, free-area counts and the numbers
// of one timeline sample, all from the zone's incremental counters (O(regions + pageblocks)).
#include <algorithm>
#include <cctype>

#include "sim/simulator.hpp"
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
  return std::min(g.region_pages, g.pages - r * g.region_pages);
}

std::vector<std::uint64_t> buddyinfo(const Zone& zone) {
  std::vector<std::uint64_t> out(zone.max_order());
  for (unsigned o = 0; o < zone.max_order(); ++o) out[o] = zone.nr_free(o);
  out.back() += zone.held_blocks(); // docs/semantics.md D9: RA blocks count at the top order
  return out;
}

std::uint64_t allocated_total(const RegionCounters& c) {
  return c.allocated[0] + c.allocated[1] + c.allocated[2];
}

} // namespace

void snapshot_zone(const Zone& zone, RunStats& out) {
  const Geometry& g = zone.geometry();
  out.max_order = zone.max_order();
  out.pageblock_order = zone.pageblock_order();
  out.page_size = zone.config().zone.page_size;
  out.zone_pages = g.pages;
  out.start_pfn = zone.config().zone.start_pfn;
  out.fallbacks = zone.fallbacks();
  out.retypes = zone.retypes();
  out.region_allocator = zone.region_allocator();
  out.regions.assign(g.regions, RegionSnapshot{});
  out.free_pages = out.pcp_pages = 0;
  for (std::uint64_t r = 0; r < g.regions; ++r) {
    const RegionCounters& c = zone.region_counters()[r];
    RegionSnapshot& s = out.regions[r];
    s.index = r;
    s.start_pfn = zone.pfn_of(static_cast<PageIdx>(r * g.region_pages));
    s.pages = region_pages(zone, r);
    s.pcp_pages = c.pcp_pages;
    s.allocated = c.allocated;
    s.free_pages = s.pages - allocated_total(c) - c.pcp_pages;
    s.in_region_allocator = c.in_region_allocator;
    out.free_pages += s.free_pages;
    out.pcp_pages += s.pcp_pages;
  }
  const auto& types = zone.pageblock_types();
  for (std::uint64_t b = 0; b < types.size(); ++b) {
    RegionSnapshot& s = out.regions[(b * g.pageblock_pages) / g.region_pages];
    const bool mixed = pageblock_mixed(types[b], zone.pageblock_allocated()[b]);
    ++s.pageblocks[index_of(types[b])];
    s.mixed_pageblocks += mixed ? 1 : 0;
    const char letter = map_letter(types[b]);
    s.pageblock_map += mixed ? static_cast<char>(std::toupper(letter)) : letter;
    s.pageblock_allocated.push_back(zone.pageblock_allocated()[b]);
  }
  out.free_area.buddyinfo = buddyinfo(zone);
  for (int t = 0; t < kListTypes; ++t) {
    auto& row = out.free_area.pagetypeinfo[t];
    row.assign(zone.max_order(), 0);
    for (unsigned o = 0; o < zone.max_order(); ++o)
      row[o] = zone.free_list(o, migratetype_at(t)).count;
  }
}

ZoneDetail snapshot_zone_detail(const Zone& zone) {
  const Geometry& g = zone.geometry();
  ZoneDetail d;
  d.regions = g.regions;
  d.max_order = zone.max_order();
  d.region_free_blocks.assign(g.regions * kListTypes * d.max_order, 0);
  for (unsigned o = 0; o < d.max_order; ++o) {
    for (int t = 0; t < kListTypes; ++t) {
      const PageList& list = zone.free_list(o, migratetype_at(t));
      for (PageIdx b = list.head; b != kNoPage; b = zone.page(b).next) {
        const std::uint64_t r = zone.region_of(b);
        ++d.region_free_blocks[(r * kListTypes + static_cast<std::uint64_t>(t)) * d.max_order + o];
      }
    }
  }
  for (unsigned cpu = 0; cpu < zone.config().zone.cpus; ++cpu)
    d.pcp_count.push_back(zone.pcp(cpu).count);
  d.pcp_high = g.pcp_high;
  d.pcp_batch = g.pcp_batch;
  d.min_wmark = g.min_wmark;
  return d;
}

TimelineSample sample_zone(const Zone& zone) {
  TimelineSample s;
  std::uint64_t dominant = 0, total = 0;
  const auto& regions = zone.region_counters();
  for (std::uint64_t r = 0; r < regions.size(); ++r) {
    const RegionCounters& c = regions[r];
    const std::uint64_t allocated = allocated_total(c);
    int types = 0;
    for (const std::uint64_t n : c.allocated) types += n != 0 ? 1 : 0;
    if (allocated == 0 && c.pcp_pages == 0) ++s.free_regions;
    if (types >= 2) ++s.mixed_regions;
    dominant += *std::max_element(c.allocated.begin(), c.allocated.end());
    total += allocated;
    s.free_pages += region_pages(zone, r) - allocated - c.pcp_pages;
  }
  if (total != 0) s.homogeneity = static_cast<double>(dominant) / static_cast<double>(total);
  const auto& types = zone.pageblock_types();
  for (std::uint64_t b = 0; b < types.size(); ++b)
    s.mixed_pageblocks += pageblock_mixed(types[b], zone.pageblock_allocated()[b]) ? 1 : 0;
  s.fallbacks = zone.fallbacks().total;
  s.unusable_index_pageblock =
      static_cast<double>(unusable_free_index(zone.pageblock_order(), buddyinfo(zone))) / 1000.0;
  return s;
}

} // namespace memsim
