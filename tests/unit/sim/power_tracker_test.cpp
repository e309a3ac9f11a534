// --power over hand-written traces (docs/power.md): residency and energy computed by hand from
// the integration energy_J = Σ (fixed_mw + Σ_s segment_mw[state_s]) · dt / 1000, each state held
// from its event's `t` to the next one's; the event-index clock with power.events_per_second;
// the drained rule (power.drain_pcp, summary.free_regions_drained) and the offlinable rule.
// Zone: 32 pages, max_order 4 (8-page blocks), segments of 8 pages: 4 segments, one per block.
#include <catch2/catch.hpp>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "report/derived.hpp"
#include "sim/simulator.hpp"

using namespace memsim;
using Catch::Contains;

namespace {

constexpr Migratetype U = Migratetype::unmovable;
constexpr Migratetype M = Migratetype::movable;

Event alloc(std::uint64_t id, unsigned order, Migratetype mt, std::optional<double> t) {
  Event e;
  e.op = EventOp::alloc;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.mt = mt;
  e.has_t = t.has_value();
  e.t = t.value_or(0);
  return e;
}

Event free_of(std::uint64_t id, std::optional<double> t) {
  Event e;
  e.op = EventOp::free;
  e.id = id;
  e.has_t = t.has_value();
  e.t = t.value_or(0);
  return e;
}

Event mark(std::optional<double> t) {
  Event e;
  e.op = EventOp::mark;
  e.label = "end";
  e.has_t = t.has_value();
  e.t = t.value_or(0);
  return e;
}

// fixed 1 mW, 10 mW a segment on, 2 mW off: a power file's numbers, priced per segment.
Config power_config(bool pcp) {
  Config c;
  c.zone.memory = Size{32, true};
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{16, true};
  c.pcp.enabled = pcp;
  c.pcp.batch = 1;
  c.pcp.high = 100;
  c.policy_values["reserve.pageblocks"] = 0u;
  c.power.segment_size = Size{8, true};
  PowerModel model;
  model.name = "hand";
  model.fixed_mw = 1;
  model.on_mw = 10;
  model.off_mw = 2;
  c.power.model = model;
  return c;
}

RunStats replay(std::vector<Event> events, const Config& config,
                const std::string& policy = "stock") {
  for (std::size_t i = 0; i < events.size(); ++i) events[i].pos = i + 1;
  auto reader = make_memory_reader({}, std::move(events), "t.jsonl");
  Simulator sim(config, policy, policy, *reader, "t.jsonl", {.check = true, .interval = 1});
  Event e;
  while (reader->next(e)) sim.apply(e);
  return sim.finish();
}

} // namespace

TEST_CASE("Residency and energy of a trace with t are the integration of docs/power.md by hand",
          "[power]") {
  // t=1: A (a whole block) on; t=3: B unmovable on; t=4: A freed; t=6: the end.
  // [1,3): 1 on (offlinable), 3 off; [3,4): 2 on (1 offlinable), 2 off; [4,6): 1 on, 3 off.
  const RunStats s = replay({alloc(1, 3, M, 1.0), alloc(2, 3, U, 3.0), free_of(1, 4.0), mark(6.0)},
                            power_config(false));
  REQUIRE(s.energy);
  const EnergyStats& e = *s.energy;
  CHECK(e.model == "hand");
  CHECK(e.segments == 4);
  CHECK(e.segment_size == 8 * 4096);
  CHECK(e.seconds);
  CHECK(e.duration == 5.0);
  CHECK(e.on == 6.0);           // 1·2 + 2·1 + 1·2
  CHECK(e.off == 14.0);         // 3·2 + 2·1 + 3·2
  CHECK(e.off_drained == 14.0); // no per-CPU lists
  CHECK(e.offlinable == 3.0);   // 1·2 + 1·1 + 0·2
  // (1·5 + 10·6 + 2·14) / 1000 J against (1 + 4·10)·5 / 1000 J.
  CHECK(e.energy_j == Approx(0.093));
  CHECK(e.baseline_energy_j == Approx(0.205));
  CHECK(*e.saving_pct == Approx(100.0 * (0.205 - 0.093) / 0.205));
  CHECK(*e.mean_mw == Approx(18.6));
  CHECK(e.end_mw == Approx(1 + 10 + 3 * 2));
  // The timeline's columns after each event.
  REQUIRE(s.timeline.size() == 4);
  CHECK(s.timeline[0].segments->off == 3);
  CHECK(s.timeline[0].segments->offlinable == 1);
  CHECK(s.timeline[1].segments->off == 2);
  CHECK(s.timeline[1].segments->offlinable == 1);
  CHECK(s.timeline[2].segments->offlinable == 0);
  CHECK(s.timeline[2].segments->map.size() == 4);
}

TEST_CASE("An event without t holds from the last t, and the states before the first t do not "
          "count",
          "[power]") {
  // Before t=1: C allocated (not counted). t=1: A; B without t (at t=1); t=3 B freed; t=5 end.
  // [1,3): C, A, B on; [3,5): C, A on: on = 3·2 + 2·2 = 10 of 4·4 segment-seconds.
  const RunStats s = replay({alloc(3, 3, M, std::nullopt), alloc(1, 3, M, 1.0),
                             alloc(2, 3, M, std::nullopt), free_of(2, 3.0), mark(5.0)},
                            power_config(false));
  CHECK(s.energy->duration == 4.0);
  CHECK(s.energy->on == 10.0);
  CHECK(s.energy->off == 6.0);
}

TEST_CASE("Without t the time is the event index over power.events_per_second, and without "
          "either energy is an error",
          "[power]") {
  const std::vector<Event> events = {alloc(1, 3, M, std::nullopt), alloc(2, 3, U, std::nullopt),
                                     free_of(1, std::nullopt), mark(std::nullopt)};
  Config config = power_config(false);
  CHECK_THROWS_WITH(replay(events, config), Contains("power.events_per_second"));
  config.power.events_per_second = 2.0;
  const EnergyStats e = *replay(events, config).energy;
  CHECK_FALSE(e.seconds);
  CHECK(e.duration == 3.0); // events 0..3: three intervals
  CHECK(e.on == 4.0);       // 1 + 2 + 1 segment-events
  CHECK(e.off == 8.0);
  // (1·3 + 10·4 + 2·8) / 2 events a second / 1000.
  CHECK(e.energy_j == Approx(0.0295));
  CHECK(*e.mean_mw == Approx(0.0295 * 1000 / 1.5));
}

TEST_CASE("A segment whose only pages are on a per-CPU list is off only after a drain, and "
          "power.drain_pcp prices it off",
          "[power]") {
  // pcp batch 1: the page allocated at t=0 comes from a refill of one page; freed at t=1 it
  // stays on the per-CPU list until the end at t=3.
  const std::vector<Event> events = {alloc(1, 0, M, 0.0), free_of(1, 1.0), mark(3.0)};
  Config config = power_config(true);
  const RunStats kept = replay(events, config);
  CHECK(kept.energy->on == 3.0); // 1·1 + 1·2
  CHECK(kept.energy->off == 9.0);
  CHECK(kept.energy->off_drained == 11.0); // 3·1 + 4·2
  CHECK(kept.energy->offlinable == 1.0);   // the movable page alone, before its free
  CHECK(kept.timeline.back().segments->off == 3);
  CHECK(kept.timeline.back().segments->off_drained == 4);
  const ZoneSummary summary = summarize_regions(kept.regions);
  CHECK(summary.free_regions == 1);
  CHECK(summary.free_regions_drained == 2);
  config.power.drain_pcp = true;
  const RunStats drained = replay(events, config);
  CHECK(drained.energy->off == 11.0);
  CHECK(drained.energy->on == 1.0);
  CHECK(drained.energy->energy_j < kept.energy->energy_j);
}

TEST_CASE("A segment is offlinable only while every page allocated in it is movable and it "
          "holds no per-CPU page",
          "[power]") {
  // A movable block and an unmovable page of another block, then the unmovable page freed.
  Config config = power_config(false);
  const RunStats s =
      replay({alloc(1, 3, M, 0.0), alloc(2, 0, U, 1.0), free_of(2, 2.0), mark(3.0)}, config);
  REQUIRE(s.timeline.size() == 4);
  CHECK(s.timeline[0].segments->offlinable == 1);
  CHECK(s.timeline[1].segments->offlinable == 1); // the unmovable page's segment is on
  CHECK(s.timeline[1].segments->off == 2);
  CHECK(s.timeline[2].segments->offlinable == 1);
  CHECK(s.energy->offlinable == 3.0);
  CHECK(s.energy->on == 4.0); // 1 + 2 + 1
}

TEST_CASE("Presets are priced per GiB: segments of 512 MiB draw half a GiB's power", "[power]") {
  Config config;
  config.zone.memory = Size{4ULL << 30, false};
  PowerModel model;
  model.name = "ddr4-rank";
  model.on_mw = 105.6;
  model.off_mw = 48.6;
  model.fixed_mw = 8;
  model.per_gib = true;
  config.power.model = model;
  const PricedSegments p = price_segments(config, resolve_geometry(config));
  CHECK(p.segments == 8);
  CHECK(p.on_mw == Approx(52.8));
  CHECK(p.off_mw == Approx(24.3));
  CHECK(p.fixed_mw == Approx(32.0)); // 8 mW per GiB of a 4 GiB zone
}

TEST_CASE("Segments are aligned to pfn 0: a zone starting inside one counts its pages there",
          "[power]") {
  Config config = power_config(false);
  config.zone.start_pfn = 8;                  // the zone covers pfns 8..39
  config.power.segment_size = Size{16, true}; // segments [0,16) [16,32) [32,48)
  const PricedSegments p = price_segments(config, resolve_geometry(config));
  CHECK(p.first_segment == 0);
  CHECK(p.segments == 3);
  config.zone.start_pfn = 16;
  CHECK(price_segments(config, resolve_geometry(config)).segments == 2);
  config.power.segment_size = Size{0, true};
  CHECK_THROWS_AS(price_segments(config, resolve_geometry(config)), InputError);
}

TEST_CASE("The segment tally follows region-aware replays with --check", "[power]") {
  // --check recounts the tally against the zone's pages after every event.
  std::vector<Event> events;
  for (std::uint64_t i = 0; i < 12; ++i)
    events.push_back(
        alloc(i, static_cast<unsigned>(i % 3), i % 4 == 0 ? U : M, 0.5 * static_cast<double>(i)));
  for (std::uint64_t i = 0; i < 12; i += 2)
    events.push_back(free_of(i, 6.0 + static_cast<double>(i)));
  const RunStats s = replay(events, power_config(true), "region-aware");
  CHECK(s.energy->on + s.energy->off == Approx(4 * s.energy->duration));
}
