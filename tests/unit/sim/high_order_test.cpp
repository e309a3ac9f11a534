// docs/spec.md §9 by hand: the pollution counters (a claim, a steal that claims nothing, a
// polluting page served from a per-CPU list), per-order success, and probes that answer own /
// fallback / none without changing any state (placements identical with and without them).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "memsim/trace.hpp"
#include "sim/simulator.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

Event alloc(std::uint64_t id, unsigned order, Migratetype mt) {
  Event e;
  e.op = EventOp::alloc;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.mt = mt;
  return e;
}

Event probe(unsigned order, Migratetype mt) {
  Event e;
  e.op = EventOp::probe;
  e.order = static_cast<std::uint8_t>(order);
  e.mt = mt;
  return e;
}

// 32 pages, 8-page max-order blocks and pageblocks (the fixture's hand-checked geometry).
Config tiny(bool pcp) {
  Config c;
  c.zone.memory = Size{32, true};
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{32, true};
  c.pcp.enabled = pcp;
  c.pcp.batch = 2;
  c.pcp.high = 100;
  c.policy_values["reserve.pageblocks"] = 0u;
  return c;
}

struct Collected : PlacementSink {
  std::vector<Placement> lines;
  void place(const Placement& p) override { lines.push_back(p); }
};

RunStats replay(std::vector<Event> events, const Config& config, Collected& sink,
                ReplayOptions options = {}, const std::string& policy = "stock") {
  for (std::size_t i = 0; i < events.size(); ++i) events[i].pos = i + 1;
  auto reader = make_memory_reader({}, std::move(events), "t.jsonl");
  Simulator sim(config, policy, policy, *reader, "t.jsonl", options);
  sim.set_placement_sink(&sink);
  Event e;
  while (reader->next(e)) sim.apply(e);
  return sim.finish();
}

} // namespace

TEST_CASE("§9 claims: a 3.11 fallback that re-types a pageblock counts one claim for the "
          "requester, no steal",
          "[stats][pollution]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK(f.alloc(0, U) == Pfn{16}); // takes the order-3 block 16: pageblock 16 becomes U
  const OwnershipCounts& own = f.policy().counters().ownership;
  CHECK(own.claims[index_of(U)] == 1);
  CHECK(own.steals[index_of(U)][index_of(M)] == 0);
  CHECK(f.fallbacks().total == 1);
}

TEST_CASE("§9 steals: a fallback below pageblock_order/2 moves nothing and claims nothing: a "
          "steal U<-M",
          "[stats][pollution]") {
  // pageblock_order 3: orders below 1 (3/2) steal a single block; take every order >= 1 of M
  // first so that only an order-0 MOVABLE block is left to fall back on.
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(0, M) == Pfn{0}); // M: o0 {1}, o1 {2}, o2 {4}
  CHECK(f.alloc(2, M) == Pfn{4});
  CHECK(f.alloc(1, M) == Pfn{2});
  CHECK(f.alloc(0, U) == Pfn{1}); // the last free page, order 0 < 1: a steal
  const OwnershipCounts& own = f.policy().counters().ownership;
  CHECK(own.steals[index_of(U)][index_of(M)] == 1);
  CHECK(own.claims[index_of(U)] == 0);
  CHECK(f.pageblock_type(0) == M);
  const std::uint64_t claimed_or_stolen =
      own.steals[index_of(U)][index_of(M)] + own.claims[index_of(U)];
  CHECK(claimed_or_stolen == f.fallbacks().total);
}

TEST_CASE("§9 pollution pages: a page served from a per-CPU list counts under its pageblock's "
          "type right after the allocation",
          "[stats][pollution]") {
  // One 8-page zone, MOVABLE: orders 2, 1 and 0 of MOVABLE take pages 0-3, 4-5 and 6; the
  // UNMOVABLE request then falls back to the last free page, 7 (order 0 < pageblock_order / 2:
  // nothing moves, nothing is claimed), which lies in a MOVABLE pageblock.
  Collected sink;
  std::vector<Event> events{alloc(1, 2, M), alloc(2, 1, M), alloc(3, 0, M), alloc(4, 0, U)};
  Config config = tiny(false);
  config.zone.memory = Size{8, true};
  config.zone.region_size = Size{8, true};
  const RunStats stats = replay(events, config, sink);
  REQUIRE(sink.lines.size() == 4);
  REQUIRE(sink.lines[3].pfn);
  CHECK(sink.lines[3].fallback);
  CHECK(stats.pollution_pages[index_of(U)][index_of(M)] == 1);
  CHECK(stats.pollution_pages[index_of(M)][index_of(M)] == 0);

  Collected pcp_sink;
  std::vector<Event> pcp_events{alloc(1, 2, M), alloc(2, 1, M), alloc(3, 0, U)};
  // With per-CPU lists (batch 2): after orders 2 and 1 of MOVABLE (pages 0-3, 4-5) the
  // UNMOVABLE refill falls back to the order-1 block 6: 2 free pages move, fewer than half the
  // pageblock, so it stays MOVABLE; 6 and then 7 go on the list, and 6 is handed out.
  Config pcp = tiny(true);
  pcp.zone.memory = Size{8, true};
  pcp.zone.region_size = Size{8, true};
  const RunStats served = replay(pcp_events, pcp, pcp_sink);
  REQUIRE(pcp_sink.lines[2].pfn);
  CHECK(served.pollution_pages[index_of(U)][index_of(M)] == 1);
  CHECK(served.high_order[0].by_fallback == 1);
}

TEST_CASE("§9 high_order: allocations per order, satisfied, by fallback, failed", "[stats]") {
  Collected sink;
  std::vector<Event> events{alloc(1, 3, M), alloc(2, 3, M), alloc(3, 3, M),
                            alloc(4, 3, M), alloc(5, 3, M), alloc(6, 0, U)};
  const RunStats stats = replay(events, tiny(false), sink);
  REQUIRE(stats.high_order.size() >= 4);
  CHECK(stats.high_order[3].allocs == 5);
  CHECK(stats.high_order[3].satisfied == 4);
  CHECK(stats.high_order[3].failed == 1);
  CHECK(stats.high_order[3].by_fallback == 0);
  CHECK(stats.high_order[0].allocs == 1);
  CHECK(stats.high_order[0].failed == 1);
  CHECK(stats.high_order[1].occurred == false);
}

TEST_CASE("§9 probes answer own, fallback or none and change nothing", "[stats][probe]") {
  // After order 3 of MOVABLE on 0, 8, 16: one order-3 MOVABLE block left (24).
  std::vector<Event> base{alloc(1, 3, M), alloc(2, 3, M), alloc(3, 3, M)};
  std::vector<Event> probed{alloc(1, 3, M), probe(3, M), alloc(2, 3, M), probe(3, U),
                            alloc(3, 3, M), probe(3, M), probe(3, R)};
  probed.push_back(alloc(4, 3, M));
  base.push_back(alloc(4, 3, M));
  probed.push_back(probe(3, M)); // nothing left anywhere
  probed.push_back(probe(0, M));
  Collected a, b;
  const RunStats plain = replay(base, tiny(false), a);
  const RunStats with = replay(probed, tiny(false), b);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].pfn == b.lines[i].pfn);
    CHECK(a.lines[i].fallback == b.lines[i].fallback);
  }
  CHECK(plain.free_area.buddyinfo == with.free_area.buddyinfo);
  CHECK(plain.pageblock_order == with.pageblock_order);
  const auto& probes = with.high_order[3].probes;
  CHECK(probes[static_cast<std::size_t>(ProbeAnswer::own)] == 2);      // M twice
  CHECK(probes[static_cast<std::size_t>(ProbeAnswer::fallback)] == 2); // U, R: only M has one
  CHECK(probes[static_cast<std::size_t>(ProbeAnswer::none)] == 1);     // the zone is full
  CHECK(with.high_order[0].probes[static_cast<std::size_t>(ProbeAnswer::none)] == 1);
  CHECK(with.events.probe == 6);
}

TEST_CASE("§9 --probe asks every requestable type at each sample and changes nothing",
          "[stats][probe]") {
  std::vector<Event> events{alloc(1, 3, M), alloc(2, 3, M), alloc(3, 3, M), alloc(4, 0, U)};
  Collected a, b;
  ReplayOptions sampled;
  sampled.interval = 1;
  ReplayOptions probed = sampled;
  probed.probe_orders = {3, 0};
  const RunStats plain = replay(events, tiny(false), a, sampled);
  const RunStats with = replay(events, tiny(false), b, probed);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) CHECK(a.lines[i].pfn == b.lines[i].pfn);
  REQUIRE(with.timeline.size() == 4);
  CHECK(plain.timeline[0].probes.empty());
  const auto& after_three = with.timeline[2].probes; // one MOVABLE order-3 block left
  REQUIRE(after_three.size() == 2);
  CHECK(after_three[0].first == 3);
  CHECK(after_three[0].second[index_of(M)] == ProbeAnswer::own);
  CHECK(after_three[0].second[index_of(U)] == ProbeAnswer::fallback);
  CHECK(after_three[1].first == 0);
  // The last sample: the U fallback claimed pageblock 24; its free pages are U's now.
  const auto& last = with.timeline[3].probes;
  CHECK(last[0].second[index_of(M)] == ProbeAnswer::none);
  CHECK(last[1].second[index_of(U)] == ProbeAnswer::own);
  CHECK(last[1].second[index_of(M)] == ProbeAnswer::fallback);
  CHECK(with.timeline[3].largest_free_order[index_of(U)] == 2);
  CHECK(with.timeline[3].largest_free_order[index_of(M)] == -1);
  CHECK(with.timeline[0].free_pageblocks_whole == 3);
}

TEST_CASE("§9 region-aware: a region the region allocator could grant is the requester's own",
          "[stats][probe][region-aware]") {
  ZoneSetup setup;
  setup.pages = 64;
  setup.region_pages = 16;
  setup.policy = "region-aware";
  ZoneFixture f(setup);
  REQUIRE(f.held_blocks() == 6); // regions 1..3 held by the RA
  CHECK(f.policy().probe(3, U) == ProbeAnswer::own);
  CHECK(f.policy().probe(3, M) == ProbeAnswer::own);
}
