// docs/spec.md §7.1 and docs/decisions.md 101 by hand: with a --proc-in start state, each
// pageblock takes the machine's type before the replay starts (set_pageblock_migratetype, then
// move_freepages_block), its free blocks move to that type's list, nothing is counted as a
// re-type, and a type the generation has no list for (HighAtomic under 3.11) or the policy's own
// RESERVE block is left as boot set it.
#include <catch2/catch.hpp>

#include "memsim/trace.hpp"
#include "sim/simulator.hpp"

using namespace memsim;

namespace {

// 32 pages: four pageblocks of 8 pages, each one free max-order block after boot.
Config tiny(unsigned reserve) {
  Config c;
  c.zone.memory = Size{32, true};
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{32, true};
  c.pcp.enabled = false;
  c.policy_values["reserve.pageblocks"] = reserve;
  return c;
}

TraceHeader with_types(std::vector<Migratetype> types) {
  TraceHeader header;
  header.start_state.emplace();
  header.start_state->pageblock_types = std::move(types);
  return header;
}

} // namespace

TEST_CASE("A start state's pageblock types are set before the replay, free blocks moved with "
          "them, nothing counted") {
  using enum Migratetype;
  auto reader =
      make_memory_reader(with_types({unmovable, movable, reclaimable, highatomic}), {}, "t.jsonl");
  Simulator sim(tiny(0), "stock", "stock", *reader, "t.jsonl", {false, true, 0});
  const Zone& zone = sim.zone();
  CHECK(zone.pageblock_types() == std::vector<Migratetype>{unmovable, movable, reclaimable,
                                                           movable}); // highatomic: no 3.11 list
  // Each pageblock's one free order-3 block is on its new type's list: page 0 unmovable, 16
  // reclaimable, 8 and 24 movable.
  CHECK(zone.free_list(3, unmovable).head == 0);
  CHECK(zone.free_list(3, reclaimable).head == 16);
  CHECK_FALSE(zone.free_list(3, movable).empty());
  CHECK(zone.nr_free(3) == 4);
  const RunStats stats = sim.finish();
  for (const auto& row : stats.retypes) // before counting starts (D19)
    for (const auto count : row) CHECK(count == 0);
}

TEST_CASE("A start state leaves the policy's RESERVE pageblock as boot set it") {
  using enum Migratetype;
  auto reader =
      make_memory_reader(with_types({unmovable, unmovable, unmovable, unmovable}), {}, "t.jsonl");
  Simulator sim(tiny(1), "stock", "stock", *reader, "t.jsonl", {false, true, 0});
  CHECK(sim.zone().pageblock_types() ==
        std::vector<Migratetype>{reserve, unmovable, unmovable, unmovable});
  CHECK(sim.zone().free_list(3, reserve).head == 0);
}

TEST_CASE("Without a start state the pageblocks stay as boot set them") {
  using enum Migratetype;
  auto reader = make_memory_reader({}, {}, "t.jsonl");
  Simulator sim(tiny(0), "stock", "stock", *reader, "t.jsonl", {false, true, 0});
  CHECK(sim.zone().pageblock_types() == std::vector<Migratetype>(4, movable));
}
