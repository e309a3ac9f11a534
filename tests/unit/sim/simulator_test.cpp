// Simulator behaviours fed by make_memory_reader: the recoverable trace problems of docs/spec.md
// §4.4 and docs/semantics.md D6 (and --strict turning them into "NAME:LINE: " errors), split (D36),
// the errors for cpu and order out of range (D18), timeline sampling (D10) and `preallocated`
// header blocks with and without an id (docs/spec.md §2, D19). Zone: 32 pages, max_order 4,
// pageblock_order 3.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "policy/stock.hpp"
#include "sim/simulator.hpp"
#include "zone/zone.hpp"

using namespace memsim;
using Catch::Matchers::StartsWith;

namespace {

constexpr Migratetype U = Migratetype::unmovable;
constexpr Migratetype M = Migratetype::movable;

Event alloc(std::uint64_t id, unsigned order, Migratetype mt = M, unsigned cpu = 0) {
  Event e;
  e.op = EventOp::alloc;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.mt = mt;
  e.cpu = cpu;
  return e;
}

Event free_of(std::uint64_t id, std::optional<unsigned> order = std::nullopt, unsigned cpu = 0) {
  Event e;
  e.op = EventOp::free;
  e.id = id;
  e.cpu = cpu;
  if (order) {
    e.has_order = true;
    e.order = static_cast<std::uint8_t>(*order);
  }
  return e;
}

Event split(std::uint64_t id) {
  Event e;
  e.op = EventOp::split;
  e.id = id;
  return e;
}

Event mark(std::string label) {
  Event e;
  e.op = EventOp::mark;
  e.label = std::move(label);
  return e;
}

Event at(Event e, double t) {
  e.has_t = true;
  e.t = t;
  return e;
}

Config small_config(bool pcp = false) {
  Config c;
  c.zone.memory = Size{32, true};
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{16, true};
  c.zone.cpus = 2;
  c.pcp.enabled = pcp;
  c.pcp.batch = 1;
  c.pcp.high = 100;
  c.policy_values["reserve.pageblocks"] = 0u;
  return c;
}

struct Recorder : PlacementSink {
  std::vector<Placement> lines;
  void place(const Placement& p) override { lines.push_back(p); }
};

// One replay: events get 1-based line numbers (pos) of a file called "t.jsonl".
struct Replay {
  std::unique_ptr<TraceReader> reader;
  std::unique_ptr<Simulator> sim;
  Recorder placements;

  explicit Replay(std::vector<Event> events, ReplayOptions options = {},
                  Config config = small_config(), TraceHeader header = {}) {
    for (std::size_t i = 0; i < events.size(); ++i) events[i].pos = i + 1;
    reader = make_memory_reader(std::move(header), std::move(events), "t.jsonl");
    sim = std::make_unique<Simulator>(config, "stock", "stock", *reader, "t.jsonl", options);
    sim->set_placement_sink(&placements);
  }
  // Applies every event; an InputError propagates.
  RunStats run() {
    Event e;
    while (reader->next(e)) sim->apply(e);
    return sim->finish();
  }
  const Zone& zone() const { return sim->zone(); }
  const PerCpuPages311& pcp() const {
    return dynamic_cast<const StockPolicy&>(sim->policy()).pcp();
  }
};

std::string strict_error(std::vector<Event> events) {
  Replay r(std::move(events), {.strict = true});
  try {
    r.run();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("D6: a duplicate alloc is counted, leaves the live allocation alone and gets a null "
          "placement",
          "[sim]") {
  Replay r({alloc(1, 0), alloc(1, 1, U)});
  const RunStats s = r.run();
  CHECK(s.events.alloc == 2);
  CHECK(s.events.duplicate_alloc == 1);
  REQUIRE(r.placements.lines.size() == 2);
  CHECK(r.placements.lines[0].pfn == Pfn{24});
  CHECK(r.placements.lines[1].i == 1);
  CHECK(r.placements.lines[1].id == 1);
  CHECK(r.placements.lines[1].pfn == std::nullopt);
  CHECK(r.placements.lines[1].order == 1);
  CHECK(r.placements.lines[1].mt == U);
  CHECK_FALSE(r.placements.lines[1].fallback);
  CHECK(s.free_pages == 31);
  CHECK(s.fallbacks.total == 0);
}

TEST_CASE("D6: an unmatched free is counted and ignored", "[sim]") {
  Replay r({alloc(1, 0), free_of(7), free_of(1), free_of(1)});
  const RunStats s = r.run();
  CHECK(s.events.free == 3);
  CHECK(s.events.unmatched_free == 2);
  CHECK(s.free_pages == 32);
}

TEST_CASE("D6: a free whose order differs frees the recorded order and is counted", "[sim]") {
  Replay r({alloc(1, 2), free_of(1, 0)});
  const RunStats s = r.run();
  CHECK(s.events.order_mismatch == 1);
  CHECK(s.free_pages == 32);
  CHECK(s.free_area.buddyinfo == std::vector<std::uint64_t>{0, 0, 0, 4});
}

TEST_CASE("D7: a failed allocation is counted, gets a null placement, and the replay goes on",
          "[sim]") {
  Replay r({alloc(1, 3), alloc(2, 3), alloc(3, 3), alloc(4, 3), alloc(5, 0), free_of(1),
            alloc(6, 0), free_of(5)});
  const RunStats s = r.run();
  CHECK(s.events.failed == 1);
  CHECK(s.events.unmatched_free == 1); // 5 never became live
  REQUIRE(r.placements.lines.size() == 6);
  CHECK(r.placements.lines[4].pfn == std::nullopt);
  CHECK(r.placements.lines[4].i == 4);
  CHECK(r.placements.lines[5].pfn == Pfn{24});
  CHECK(r.placements.lines[5].i == 6);
  CHECK(s.free_pages == 7);
}

TEST_CASE("Strict mode: every recoverable problem is an InputError that starts with NAME:LINE",
          "[sim][strict]") {
  CHECK_THAT(strict_error({alloc(1, 0), alloc(1, 0)}), StartsWith("t.jsonl:2: "));
  CHECK_THAT(strict_error({alloc(1, 0), free_of(2)}), StartsWith("t.jsonl:2: "));
  CHECK_THAT(strict_error({alloc(1, 1), alloc(2, 0), free_of(1, 0)}), StartsWith("t.jsonl:3: "));
  CHECK_THAT(strict_error({alloc(1, 3), alloc(2, 3), alloc(3, 3), alloc(4, 3), alloc(5, 0)}),
             StartsWith("t.jsonl:5: "));
  CHECK_THAT(strict_error({split(3)}), StartsWith("t.jsonl:1: "));
  CHECK_THAT(strict_error({alloc(1, 1), alloc(2, 0), split(1)}), StartsWith("t.jsonl:3: "));
}

TEST_CASE("Strict mode: a clean trace replays without error", "[sim][strict]") {
  Replay r({alloc(1, 1), split(1), free_of(1, 0), free_of(2), alloc(3, 0, U), free_of(3)},
           {.strict = true});
  const RunStats s = r.run();
  CHECK(s.free_pages == 32);
  CHECK(s.events.split == 1);
}

TEST_CASE("D36: a split makes ids id..id+2^k-1 live on the pages, each freed as order 0 through "
          "the per-CPU list",
          "[sim][split]") {
  Replay r({alloc(10, 2), split(10), free_of(11), free_of(13, 0), free_of(10, 0)}, {},
           small_config(true));
  const RunStats s = r.run();
  // Order 2 bypasses the pcp lists: 24..27 (expand puts 28 o2 back).
  REQUIRE(r.placements.lines.size() == 1);
  CHECK(r.placements.lines[0].pfn == Pfn{24});
  CHECK(s.events.split == 1);
  CHECK(s.events.split_ignored == 0);
  CHECK(s.events.unmatched_free == 0);
  CHECK(s.events.order_mismatch == 0);
  // 25, 27, 24 went to CPU 0's MOVABLE pcp list (hot: the last freed at the head).
  const PerCpuPages311& pcp = r.pcp();
  CHECK(pcp.count(0) == 3);
  CHECK(pcp.list(0, M).head == 24);
  CHECK(s.pcp_pages == 3);
  CHECK(s.regions[1].allocated[index_of(M)] == 1); // 26 (id 12) is still live
  CHECK(s.regions[1].pcp_pages == 3);
}

TEST_CASE("D16: an order-0 free goes to the per-CPU list of the event's cpu, a cold one to its "
          "tail",
          "[sim][pcp]") {
  Event cold_free = free_of(3, std::nullopt, 1);
  cold_free.cold = true;
  Replay r({alloc(1, 0, M, 0), alloc(2, 0, M, 0), alloc(3, 0, M, 0), free_of(1, std::nullopt, 1),
            free_of(2, std::nullopt, 1), cold_free},
           {}, small_config(true));
  r.run();
  // batch 1: each allocation refills one page: 24, 25, 26. CPU 1's list: 25, 24, then 26 cold.
  CHECK(r.pcp().count(0) == 0);
  const PageList& list = r.pcp().list(1, M);
  CHECK(list.count == 3);
  CHECK(list.head == 25);
  CHECK(list.tail == 26);
}

TEST_CASE("D36: splits of ids that are not live, or whose new ids are live, are ignored and "
          "counted, a split of order 0 changes nothing",
          "[sim][split]") {
  Replay r(
      {split(5), alloc(20, 1), alloc(21, 0), split(20), alloc(30, 0), split(30), free_of(20, 0)});
  const RunStats s = r.run();
  CHECK(s.events.split == 3);
  CHECK(s.events.split_ignored == 2);
  CHECK(s.events.order_mismatch == 1); // 20 is still order 1
  CHECK(s.free_pages == 32 - 1 - 1);
}

TEST_CASE("D36: a split whose new ids would pass 2^64-1 is an error, strict or not",
          "[sim][split]") {
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  Replay r({alloc(top - 2, 2), split(top - 2)});
  CHECK_THROWS_WITH(r.run(), StartsWith("t.jsonl:2: "));
  Replay ok({alloc(top - 3, 2), split(top - 3), free_of(top)});
  CHECK(ok.run().events.unmatched_free == 0);
}

TEST_CASE("D18: a cpu out of range is an error naming the line", "[sim][errors]") {
  Replay a({alloc(1, 0, M, 2)});
  CHECK_THROWS_WITH(a.run(), StartsWith("t.jsonl:1: "));
  Replay f({alloc(1, 0, M, 1), free_of(1, std::nullopt, 2)});
  CHECK_THROWS_WITH(f.run(), StartsWith("t.jsonl:2: "));
}

TEST_CASE("An alloc of order >= zone.max_order is an error naming the line", "[sim][errors]") {
  Replay r({alloc(1, 3), alloc(2, 4)});
  CHECK_THROWS_AS(r.run(), InputError);
  Replay r2({alloc(1, 3), alloc(2, 4)});
  CHECK_THROWS_WITH(r2.run(), StartsWith("t.jsonl:2: "));
}

TEST_CASE("D1: the placement fallback flag is set for a block __rmqueue_fallback returned",
          "[sim]") {
  Replay r({alloc(1, 0), alloc(2, 0, U), alloc(3, 0, U)});
  r.run();
  REQUIRE(r.placements.lines.size() == 3);
  CHECK_FALSE(r.placements.lines[0].fallback);
  CHECK(r.placements.lines[1].fallback); // UNMOVABLE steals MOVABLE 16 (order 3)
  CHECK(r.placements.lines[1].pfn == Pfn{16});
  CHECK_FALSE(r.placements.lines[2].fallback); // 17, the remainder on the U list
  CHECK(r.placements.lines[2].pfn == Pfn{17});
}

TEST_CASE("D10: the timeline samples after every interval-th event and at each mark, a mark on a "
          "boundary gives one sample with its label",
          "[sim][timeline]") {
  Replay r({alloc(1, 0), alloc(2, 0), mark("phase"), at(alloc(3, 0), 3.5), free_of(1), mark("end"),
            alloc(4, 3)},
           {.interval = 2});
  const RunStats s = r.run();
  REQUIRE(s.timeline.size() == 4);
  CHECK(s.timeline[0].event == 1);
  CHECK(s.timeline[0].t == std::nullopt);
  CHECK(s.timeline[0].label == std::nullopt);
  CHECK(s.timeline[0].free_pages == 30);
  CHECK(s.timeline[1].event == 2);
  CHECK(s.timeline[1].label == std::optional<std::string>("phase"));
  CHECK(s.timeline[2].event == 3);
  CHECK(s.timeline[2].t == std::optional<double>(3.5));
  CHECK(s.timeline[2].free_pages == 29);
  CHECK(s.timeline[3].event == 5);
  CHECK(s.timeline[3].label == std::optional<std::string>("end"));
  CHECK(s.timeline[3].t == std::optional<double>(3.5)); // the last event that had a t
  CHECK(s.timeline[3].free_pages == 30);
  CHECK(s.events.mark == 2);
  CHECK(s.trace_events == 7);
}

TEST_CASE("D10: the timeline's t is that of the last event that carried one, marks included",
          "[sim][timeline]") {
  Replay r({at(alloc(1, 0), 1.25), alloc(2, 0), at(mark("m"), 2.0), alloc(3, 0)}, {.interval = 1});
  const RunStats s = r.run();
  REQUIRE(s.timeline.size() == 4);
  CHECK(s.timeline[0].t == std::optional<double>(1.25));
  CHECK(s.timeline[1].t == std::optional<double>(1.25));
  CHECK(s.timeline[2].t == std::optional<double>(2.0));
  CHECK(s.timeline[2].label == std::optional<std::string>("m"));
  CHECK(s.timeline[3].t == std::optional<double>(2.0));
  CHECK(s.timeline[3].label == std::nullopt);
}

TEST_CASE(
    "docs/spec.md §2: a preallocated block with an id is a live allocation, one without stays "
    "allocated for ever",
    "[sim][preallocated]") {
  TraceHeader header;
  header.preallocated = {{0, 1, U, 5}, {8, 0, M, std::nullopt}};
  Replay r({alloc(5, 0), free_of(5), free_of(5), alloc(5, 0)}, {}, small_config(), header);
  const RunStats s = r.run();
  CHECK(s.events.duplicate_alloc == 1); // 5 is live from the header
  CHECK(s.events.unmatched_free == 1);  // the second free of 5
  // The carves left M lists o3 {24, 16}, o2 {12, 4}, o1 {10, 2}, o0 {9}; freeing 5 merged 0..7
  // back into an order-3 block, and the new 5 took 9, the head of the order-0 list.
  REQUIRE(r.placements.lines.size() == 2);
  CHECK(r.placements.lines[1].pfn == Pfn{9});
  CHECK(s.regions[0].allocated[index_of(U)] == 0);
  CHECK(s.regions[0].allocated[index_of(M)] == 2); // pfn 8 (for ever) and 9
  CHECK(s.free_pages == 30);
  for (const auto& row : s.retypes)
    for (const std::uint64_t n : row) CHECK(n == 0); // carving re-types nothing (D19)
}

TEST_CASE("D19: preallocated blocks that overlap, or reuse an id, are errors naming the entry",
          "[sim][preallocated]") {
  TraceHeader overlap;
  overlap.preallocated = {{0, 2, U, std::nullopt}, {2, 1, M, std::nullopt}};
  CHECK_THROWS_WITH(Replay({}, {}, small_config(), overlap),
                    StartsWith("t.jsonl: preallocated[1]"));
  TraceHeader twice;
  twice.preallocated = {{0, 0, U, 3}, {1, 0, U, 3}};
  CHECK_THROWS_WITH(Replay({}, {}, small_config(), twice), StartsWith("t.jsonl: preallocated[1]"));
}
