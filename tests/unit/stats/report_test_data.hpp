// A small hand-built RunStats shared by the exporter tests (stats_json_test.cpp,
// summary_test.cpp): an 8 MiB zone of two 4 MiB regions, one free and one mixed, with a few
// fallbacks, one re-type and a two-sample timeline.
#pragma once

#include "memsim/config.hpp"
#include "policy/region_aware.hpp"
#include "stats/run_stats.hpp"

namespace memsim::test {

inline RunStats sample_run_stats() {
  RunStats s;
  s.policy = "region-aware";
  s.notes = {"pageblock_order below max_order-1: re-typing covers every pageblock"};
  ConfigBuilder builder;
  builder.set("zone.memory", "8MiB", "test");
  builder.set("zone.region_size", "4MiB", "test");
  const Geometry geometry = resolve_geometry(builder.config());
  Zone zone(builder.config(), geometry);
  s.config = config_to_json(builder.config(), geometry);
  RegionAwarePolicy(zone, builder.config()).config_json(s.config);
  s.list_types = {Migratetype::unmovable, Migratetype::reclaimable, Migratetype::movable,
                  Migratetype::reserve};
  s.trace_path = "traces/t.jsonl";
  s.trace_events = 12;
  s.zone_pages = 2048;
  s.events = {.alloc = 7, .free = 3, .failed = 1, .unmatched_free = 1, .mark = 1};
  s.fallbacks.total = 3;
  s.fallbacks.fragmenting = 2;
  s.fallbacks.by_pair[0][2] = 2; // unmovable<-movable
  s.fallbacks.by_pair[1][2] = 1; // reclaimable<-movable
  s.retypes[2][0] = 1;           // movable->unmovable
  s.high_order.resize(10);
  s.high_order[0] = {.allocs = 6, .satisfied = 5, .by_fallback = 2, .failed = 1, .occurred = true};
  s.high_order[9] = {.allocs = 1, .satisfied = 1, .probes = {0, 2, 3}, .occurred = true};
  s.ownership.claims[0] = 1;    // unmovable
  s.ownership.steals[1][2] = 1; // reclaimable<-movable
  s.pollution_pages[0][2] = 3;  // unmovable pages in movable pageblocks
  s.region_allocator = {.regions_granted = 1, .regions_returned = 0, .regions_held = 1};
  RegionSnapshot free_region;
  free_region.pages = 1024;
  free_region.free_pages = 1024;
  free_region.pageblocks = {0, 0, 1, 0};
  free_region.in_region_allocator = true;
  free_region.pageblock_map = "m";
  free_region.pageblock_allocated = {{0, 0, 0}};
  RegionSnapshot mixed;
  mixed.index = 1;
  mixed.start_pfn = 1024;
  mixed.pages = 1024;
  mixed.free_pages = 1010;
  mixed.pcp_pages = 6;
  mixed.allocated = {4, 0, 4}; // a tie: unmovable wins
  mixed.pageblocks = {1, 0, 0, 0};
  mixed.mixed_pageblocks = 1;
  mixed.pageblock_map = "U";
  mixed.pageblock_allocated = {{4, 0, 4}};
  s.regions = {free_region, mixed};
  // Region 1: 1010 free pages = 2 + 16 + ... + 512 on the unmovable lists; region 0 in the RA.
  s.free_area.buddyinfo = {0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
  s.free_area.pagetypeinfo[0] = {0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0};
  for (std::size_t list = 1; list < 4; ++list) s.free_area.pagetypeinfo[list].assign(11, 0);
  s.free_pages = 2034;
  s.pcp_pages = 6;
  TimelineSample early;
  early.event = 5;
  early.free_regions = 1;
  early.free_pages = 2040;
  early.unusable_index_pageblock = 0.5;
  early.free_pageblocks_whole = 1;
  early.largest_free_order = {-1, -1, 10};
  TimelineSample at_mark;
  at_mark.event = 8;
  at_mark.t = 1.25;
  at_mark.free_regions = 1;
  at_mark.mixed_regions = 1;
  at_mark.mixed_pageblocks = 1;
  at_mark.free_pages = 2034;
  at_mark.fallbacks = 3;
  at_mark.homogeneity = 0.5;
  at_mark.label = "phase 2";
  at_mark.free_pageblocks_whole = 0;
  at_mark.largest_free_order = {2, -1, 9};
  at_mark.probes = {{9, {ProbeAnswer::fallback, ProbeAnswer::none, ProbeAnswer::own}}};
  s.timeline = {early, at_mark};
  s.t_start = 0.75;
  s.t_end = 1.5;
  s.provenance.command_line = {"memsim", "replay", "traces/t.jsonl", "--label", "RA v4"};
  s.provenance.label = "RA v4";
  s.provenance.trace_meta = {{"source", "test"}};
  return s;
}

} // namespace memsim::test
