// The recorded policy rule by rule (docs/spec.md §7.2), each on a hand-set zone: 64 pages at pfn
// 64, orders 0..3, pageblocks of 8 pages (after boot eight free order-3 blocks, one per
// pageblock), two CPUs. Every scenario applies the kernel's events one by one and checks where
// each block is: allocated, on a per-CPU list, or free in the buddy.
#include <catch2/catch.hpp>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "policy/recorded.hpp"
#include "sim/simulator.hpp"

using namespace memsim;

namespace {

constexpr Pfn kStart = 64;

Config tiny() {
  Config c;
  c.zone.memory = Size{64, true};
  c.zone.start_pfn = kStart;
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{64, true};
  c.zone.cpus = 2;
  return c;
}

TraceHeader header(KernelVersion kernel) {
  TraceHeader h;
  h.ftrace = true;
  h.kernel = kernel;
  return h;
}

Event event(EventOp op, Pfn pfn, unsigned order, Migratetype mt = Migratetype::movable,
            bool flag = false, unsigned cpu = 0) {
  Event e;
  e.op = op;
  e.pfn = pfn;
  e.has_pfn = true;
  e.id = pfn;
  e.order = static_cast<std::uint8_t>(order);
  e.has_order = true;
  e.mt = mt;
  e.flag = flag;
  e.cpu = cpu;
  return e;
}

// One replay: the simulator with --check after every event, fed by hand.
struct Replay {
  explicit Replay(KernelVersion kernel = {6, 1}, Config config = tiny())
      : reader(make_memory_reader(header(kernel), {}, "t.txt")),
        sim(config, "recorded", "recorded", *reader, "t.txt", {false, true, 0}) {}
  void apply(Event e) {
    e.pos = ++line;
    sim.apply(e);
  }
  const Page& page(Pfn pfn) const { return sim.zone().page(static_cast<PageIdx>(pfn - kStart)); }
  const RecordedPolicy& policy() const { return dynamic_cast<const RecordedPolicy&>(sim.policy()); }
  std::uint64_t free_pages() const {
    std::uint64_t n = 0;
    for (unsigned o = 0; o < sim.zone().max_order(); ++o) n += sim.zone().nr_free(o) << o;
    return n;
  }

  std::unique_ptr<TraceReader> reader;
  Simulator sim;
  std::uint64_t line = 0;
};

struct Sink : PlacementSink {
  void place(const Placement& p) override { lines.push_back(p); }
  std::vector<Placement> lines;
};

} // namespace

TEST_CASE("recorded: a zone_locked refill goes onto the CPU's list and the allocation takes it "
          "from there") {
  Replay r;
  Sink sink;
  r.sim.set_placement_sink(&sink);
  r.apply(event(EventOp::zone_locked, 72, 0, Migratetype::movable, true, 1));
  CHECK(r.page(72).state == PageState::pcp);
  CHECK(r.free_pages() == 63); // the order-3 block at 72 split: 1 + 2 + 4 stay free
  CHECK(r.sim.zone().nr_free(2) == 1);
  PolicyReport report;
  r.policy().report(report);
  CHECK(report.pcp_count == std::vector<std::uint64_t>{0, 1});
  r.apply(event(EventOp::alloc, 72, 0, Migratetype::movable, false, 1));
  CHECK(r.page(72).state == PageState::alloc_head);
  REQUIRE(sink.lines.size() == 1);
  CHECK(sink.lines[0].pfn == Pfn{72});
  r.policy().report(report);
  CHECK(report.pcp_count == std::vector<std::uint64_t>{0, 0});
  CHECK(r.free_pages() == 63);
}

TEST_CASE("recorded: a take without percpu_refill waits for its allocation off every per-CPU "
          "list") {
  Replay r;
  r.apply(event(EventOp::zone_locked, 80, 2, Migratetype::unmovable, false, 0));
  PolicyReport report;
  r.policy().report(report);
  CHECK(report.pcp_count == std::vector<std::uint64_t>{0, 0}); // not a per-CPU page
  CHECK(r.free_pages() == 60);
  r.apply(event(EventOp::alloc, 80, 2, Migratetype::unmovable));
  CHECK(r.page(80).state == PageState::alloc_head);
  CHECK(r.page(80).order == 2);
  CHECK(r.policy().inconsistent().empty());
}

TEST_CASE("recorded: without buddy-level events an allocation is split out of its free block") {
  Replay r;
  r.apply(event(EventOp::alloc, 69, 0)); // inside the order-3 block at 64
  CHECK(r.page(69).state == PageState::alloc_head);
  // expand() around pfn 69: 64 (order 2), 70 (order 1) and 68 (order 0) stay free.
  CHECK(r.page(64).state == PageState::free_head);
  CHECK(r.page(64).order == 2);
  CHECK(r.page(70).state == PageState::free_head);
  CHECK(r.page(70).order == 1);
  CHECK(r.page(68).state == PageState::free_head);
  CHECK(r.page(68).order == 0);
}

TEST_CASE("recorded: a free goes onto the per-CPU list when the reader saw a drain or an "
          "allocation of it next, and a drain merges it back") {
  Replay r;
  r.apply(event(EventOp::alloc, 96, 0));
  Event free_pcp = event(EventOp::free, 96, 0, Migratetype::movable, true, 1);
  r.apply(free_pcp);
  CHECK(r.page(96).state == PageState::pcp);
  CHECK(r.free_pages() == 63);
  r.apply(event(EventOp::pcpu_drain, 96, 0, Migratetype::movable, false, 1));
  CHECK(r.page(96).state == PageState::free_head);
  CHECK(r.page(96).order == 3); // merged with 97, 98 and 100 again
  CHECK(r.free_pages() == 64);

  r.apply(event(EventOp::alloc, 104, 0));
  r.apply(event(EventOp::free, 104, 0, Migratetype::movable, false)); // no hint: the buddy
  CHECK(r.page(104).state == PageState::free_head);
  CHECK(r.page(104).order == 3);
}

TEST_CASE("recorded: a claim of pageblock order or more re-types every pageblock it covers") {
  Replay r;
  // A 6.1 fallback: the order-3 block at 64 (one pageblock, max order) taken for an unmovable
  // request from the movable list; then its zone_locked retry.
  Event e = event(EventOp::extfrag, 64, 0, Migratetype::unmovable, true);
  e.fallback_mt = Migratetype::movable;
  e.fallback_order = 3;
  r.apply(e);
  CHECK(r.sim.zone().pageblock_migratetype(0) == Migratetype::unmovable);
  CHECK(r.sim.zone().pageblock_migratetype(8) == Migratetype::movable);
  CHECK(r.sim.zone().free_list(3, Migratetype::unmovable).head == 0);
  Sink sink;
  r.sim.set_placement_sink(&sink);
  r.apply(event(EventOp::zone_locked, 64, 0, Migratetype::unmovable, true));
  r.apply(event(EventOp::alloc, 64, 0, Migratetype::unmovable));
  REQUIRE(sink.lines.size() == 1);
  CHECK(sink.lines[0].fallback); // the zone_locked after the extfrag is the fallback's take
  const RunStats stats = r.sim.finish();
  CHECK(stats.fallbacks.total == 1);
  CHECK(stats.fallbacks.fragmenting == 0);
  CHECK(stats.fallbacks.change_ownership == std::uint64_t{1});
  CHECK(stats.fallbacks.by_pair[index_of(Migratetype::unmovable)][index_of(Migratetype::movable)] ==
        1);
  CHECK(stats.ownership.claims[index_of(Migratetype::unmovable)] == 1);
  CHECK(stats.retypes[index_of(Migratetype::movable)][index_of(Migratetype::unmovable)] == 1);
}

TEST_CASE("recorded: a claim below pageblock order re-types the pfn's pageblock only, a steal "
          "re-types nothing") {
  Config c = tiny();
  c.zone.max_order = 5; // blocks of 16 pages: two pageblocks each
  Replay r({6, 1}, c);
  Event claim = event(EventOp::extfrag, 84, 0, Migratetype::reclaimable, true);
  claim.fallback_mt = Migratetype::movable;
  claim.fallback_order = 2;
  r.apply(claim);
  CHECK(r.sim.zone().pageblock_migratetype(16) == Migratetype::reclaimable);
  CHECK(r.sim.zone().pageblock_migratetype(24) == Migratetype::movable);
  Event steal = claim;
  steal.pfn = 100;
  steal.flag = false;
  r.apply(steal);
  CHECK(r.sim.zone().pageblock_migratetype(32) == Migratetype::movable);
  const RunStats stats = r.sim.finish();
  CHECK(stats.fallbacks.total == 2);
  CHECK(stats.fallbacks.fragmenting == 2);
  CHECK(stats.fallbacks.change_ownership == std::uint64_t{1});
  CHECK(
      stats.ownership.steals[index_of(Migratetype::reclaimable)][index_of(Migratetype::movable)] ==
      1);

  Config pair = tiny();
  pair.zone.max_order = 5;
  Replay wide({6, 1}, pair);
  Event whole = event(EventOp::extfrag, 64, 0, Migratetype::unmovable, true);
  whole.fallback_mt = Migratetype::movable;
  whole.fallback_order = 4; // an order-4 block: both its pageblocks
  wide.apply(whole);
  CHECK(wide.sim.zone().pageblock_migratetype(0) == Migratetype::unmovable);
  CHECK(wide.sim.zone().pageblock_migratetype(8) == Migratetype::unmovable);
  CHECK(wide.sim.zone().pageblock_migratetype(16) == Migratetype::movable);
}

TEST_CASE("recorded: from 6.15 the extfrag line is the fallback's take (no zone_locked)") {
  Replay r({6, 18});
  Sink sink;
  r.sim.set_placement_sink(&sink);
  Event steal = event(EventOp::extfrag, 88, 0, Migratetype::unmovable, false, 1);
  steal.fallback_mt = Migratetype::movable;
  steal.fallback_order = 3;
  r.apply(steal);
  CHECK(r.page(88).state == PageState::pcp);
  CHECK(r.free_pages() == 63);
  r.apply(event(EventOp::alloc, 88, 0, Migratetype::unmovable, false, 1));
  REQUIRE(sink.lines.size() == 1);
  CHECK(sink.lines[0].fallback);
  CHECK(r.page(88).state == PageState::alloc_head);
  CHECK(r.policy().inconsistent().empty());

  // A claim below pageblock order: the zone_locked just before it took the block.
  r.apply(event(EventOp::zone_locked, 96, 0, Migratetype::unmovable, true, 0));
  Event claim = event(EventOp::extfrag, 96, 0, Migratetype::unmovable, true, 0);
  claim.fallback_mt = Migratetype::movable;
  claim.fallback_order = 2;
  r.apply(claim);
  CHECK(r.free_pages() == 62);
  CHECK(r.policy().inconsistent().empty());
  CHECK((r.page(96).flags & kPageFallback) != 0);
}

TEST_CASE("recorded: compaction's free scanner takes the targets the window's migrations used") {
  Replay r;
  // The top pageblock (120..127) gets an allocation at 120; the others stay whole free blocks
  // of pageblock order, which isolate_freepages() passes over.
  r.apply(event(EventOp::alloc, 120, 0));
  Event begin = event(EventOp::compaction_begin, kStart, 0);
  begin.count = 127; // free_pfn
  r.apply(begin);
  Event moved = event(EventOp::migrate, 0, 0, Migratetype::movable, true);
  moved.has_pfn = false;
  moved.count = 3;
  r.apply(moved);
  r.apply(event(EventOp::compaction_end, kStart, 0));
  // The scan of the top block starts at the scanner's position, 127, inside the free order-2
  // block at 124 (not a buddy head): nothing; every block below is headed by a free block of
  // pageblock order and passed over. No target.
  CHECK(r.policy().section_json()["compaction_targets"] == 0);
  CHECK(r.free_pages() == 63);

  // A scanner starting at the top block's start takes the lowest free pages of its free blocks.
  Replay s;
  s.apply(event(EventOp::alloc, 120, 0));
  begin.count = 120;
  s.apply(begin);
  s.apply(moved);
  CHECK(s.policy().section_json()["compaction_targets"] == 3);
  CHECK(s.page(121).state == PageState::alloc_head); // order-0 block at 121
  CHECK(s.page(122).state == PageState::alloc_head); // order-1 block at 122: both pages
  CHECK(s.page(123).state == PageState::alloc_head);
  CHECK(s.page(124).state == PageState::free_head);
  // The trace frees a target under its pfn: it is free again, not a silent allocation.
  s.apply(event(EventOp::free, 122, 0));
  CHECK(s.policy().section_json()["silent_allocs"] == 0);
  CHECK(s.page(122).state == PageState::free_head);
}

namespace {

Event compaction_event(EventOp op, std::uint64_t count) {
  Event e = event(op, kStart, 0, Migratetype::movable, op == EventOp::migrate);
  if (op == EventOp::migrate) e.has_pfn = false;
  e.count = count; // free_pfn, or pages migrated
  return e;
}

} // namespace

// Linux 6.1 isolate_freepages_block() isolates each free block it meets whole
// (__isolate_free_page) and stops once cc->freepages holds the batch; compaction_alloc() hands
// the pages out in isolation order, and release_freepages() returns the unused ones at the end.
TEST_CASE("recorded: compaction isolates whole free blocks, keeps the spares for the next "
          "migration and releases the rest at the end") {
  Replay r;
  r.apply(event(EventOp::alloc, 120, 0)); // top block: 121 (order 0), 122 (1), 124 (2) free
  r.apply(compaction_event(EventOp::compaction_begin, 120));
  r.apply(compaction_event(EventOp::migrate, 2));
  // 121 gives one page, too few; the order-1 block at 122 is isolated whole: 123 is a spare.
  CHECK(r.policy().section_json()["compaction_targets"] == 2);
  CHECK(r.page(123).state == PageState::alloc_head);
  CHECK(r.page(124).state == PageState::free_head);
  r.apply(compaction_event(EventOp::migrate, 1)); // the spare, nothing new isolated
  CHECK(r.policy().section_json()["compaction_targets"] == 3);
  CHECK(r.page(124).state == PageState::free_head);
  CHECK(r.page(124).order == 2);
  r.apply(compaction_event(EventOp::migrate, 1)); // the order-2 block at 124, whole
  CHECK(r.page(125).state == PageState::alloc_head);
  CHECK(r.free_pages() == 64 - 1 - 7);
  r.apply(compaction_event(EventOp::compaction_end, 120));
  // 125..127 were never used: back in the buddy (126 and 127 merge); 124 holds migrated data.
  CHECK(r.policy().section_json()["compaction_targets"] == 4);
  CHECK(r.free_pages() == 64 - 1 - 4);
  CHECK(r.page(124).state == PageState::alloc_head);
  CHECK(r.page(125).state == PageState::free_head);
  CHECK(r.page(126).state == PageState::free_head);
  CHECK(r.page(126).order == 1);
  CHECK(r.policy().inconsistent().empty());
}

// The kernel's loop `continue`s past a pageblock suitable_migration_target() refuses, before
// the stride is adjusted: only suitable blocks that give nothing double it.
TEST_CASE("recorded: blocks unsuitable as migration targets leave the free scanner's stride "
          "alone") {
  Replay r;
  r.apply(event(EventOp::alloc, 96, 0)); // block 96..103: 98 (order 1) and 100 (2) free
  r.apply(event(EventOp::alloc, 97, 0));
  r.apply(compaction_event(EventOp::compaction_begin, 127));
  // Blocks 120, 112 and 104 are whole free blocks of pageblock order: unsuitable. Had each
  // doubled the stride (to 8), the scan of block 96 would look at 96 only and move on.
  r.apply(compaction_event(EventOp::migrate, 1));
  CHECK(r.policy().section_json()["compaction_targets"] == 1);
  CHECK(r.page(98).state == PageState::alloc_head);
  CHECK(r.page(99).state == PageState::alloc_head); // isolated with it: the block is whole
  CHECK(r.page(100).state == PageState::free_head);
  CHECK(r.page(88).state == PageState::free_head);
}

TEST_CASE("recorded: traced isolate_freepages ranges give the targets, lowest free pages first") {
  Replay r;
  r.apply(event(EventOp::alloc, 104, 1));
  Event isolate = event(EventOp::isolate_freepages, 104, 0);
  isolate.range_end = 112;
  isolate.count = 2;
  r.apply(isolate);
  CHECK(r.page(106).state == PageState::alloc_head);
  CHECK(r.page(107).state == PageState::alloc_head);
  CHECK(r.page(108).state == PageState::free_head);
  CHECK(r.policy().section_json()["compaction_targets"] == 2);
}

TEST_CASE("recorded: a free of a page never allocated in the trace takes it silently first") {
  Replay r;
  r.apply(event(EventOp::free, 66, 0, Migratetype::movable, true)); // bulk-allocated earlier
  const nlohmann::ordered_json section = r.policy().section_json();
  CHECK(section["silent_allocs"] == 1);
  CHECK(r.page(66).state == PageState::pcp); // the hint: it went onto the per-CPU list
  CHECK(r.sim.finish().events.unmatched_free == 1);
  // A page on a per-CPU list handed out by the bulk allocator and freed again.
  r.apply(event(EventOp::free, 66, 0, Migratetype::movable, false));
  CHECK(r.policy().section_json()["silent_allocs"] == 2);
  CHECK(r.page(64).state == PageState::free_head);
  CHECK(r.page(64).order == 3);
}

TEST_CASE("recorded: an allocation outside the zone is counted, neither placed nor failed") {
  Replay r;
  Sink sink;
  r.sim.set_placement_sink(&sink);
  r.apply(event(EventOp::alloc, 4096, 0));
  REQUIRE(sink.lines.size() == 1);
  CHECK_FALSE(sink.lines[0].pfn);
  const RunStats stats = r.sim.finish();
  CHECK(stats.events.failed == 0);
  CHECK(stats.recorded["outside_zone"] == 1);
  CHECK(r.free_pages() == 64);
}

TEST_CASE("recorded: a trace whose allocations carry no pfn is an error naming the line") {
  TraceHeader h;
  Event e;
  e.op = EventOp::alloc;
  e.id = 1;
  e.pos = 3;
  auto reader = make_memory_reader(h, {e}, "t.jsonl");
  Simulator sim(tiny(), "recorded", "recorded", *reader, "t.jsonl", {false, false, 0});
  CHECK_THROWS_WITH(sim.run(*reader, [] {}),
                    Catch::Contains("t.jsonl:3") && Catch::Contains("alloc without a \"pfn\""));
}

TEST_CASE("recorded: the start state's per-CPU blocks are on their CPU's lists") {
  TraceHeader h = header({6, 1});
  h.start_state.emplace();
  h.start_state->pageblock_types.assign(8, Migratetype::movable);
  h.start_state->pcp = {{70, 1, 1, Migratetype::movable}};
  auto reader = make_memory_reader(h, {}, "t.txt");
  Simulator sim(tiny(), "recorded", "recorded", *reader, "t.txt", {false, true, 0});
  CHECK(sim.zone().page(6).state == PageState::pcp);
  PolicyReport report;
  sim.policy().report(report);
  CHECK(report.pcp_count == std::vector<std::uint64_t>{0, 2});
}

TEST_CASE("recorded: from 6.10 a buddy merged at pageblock order takes the freed block's type") {
  for (const auto& [kernel, after] : {std::pair{KernelVersion{6, 1}, Migratetype::unmovable},
                                      std::pair{KernelVersion{6, 18}, Migratetype::movable}}) {
    Config c = tiny();
    c.zone.max_order = 5; // order-4 blocks: two pageblocks
    Replay r(kernel, c);
    r.apply(event(EventOp::alloc, 64, 3)); // the free order-3 block at 72 remains
    Event claim = event(EventOp::extfrag, 72, 3, Migratetype::unmovable, true);
    claim.fallback_mt = Migratetype::movable;
    claim.fallback_order = 3;
    r.apply(claim); // (6.18: also its take; the 6.1 zone_locked retry is left out)
    if (kernel < KernelVersion{6, 15}) {
      REQUIRE(r.sim.zone().pageblock_migratetype(8) == Migratetype::unmovable);
      r.apply(event(EventOp::free, 64, 3)); // movable, merges with the unmovable block at 72
      CHECK(r.page(64).state == PageState::free_head);
      CHECK(r.page(64).order == 4);
    } else {
      r.apply(event(EventOp::alloc, 72, 3, Migratetype::unmovable));
      r.apply(event(EventOp::free, 72, 3));
      r.apply(event(EventOp::free, 64, 3));
      CHECK(r.page(64).order == 4);
    }
    CHECK(r.sim.zone().pageblock_migratetype(8) == after);
  }
}

TEST_CASE("recorded: the start state's free blocks leave their lists in the order of their first "
          "takes, its per-CPU blocks in allocation order from the head and drain order from the "
          "tail (decision 136)") {
  TraceHeader h = header({6, 18});
  h.start_state.emplace();
  h.start_state->pageblock_types.assign(8, Migratetype::movable);
  // After boot the order-3 blocks 64, 72, ..., 120 ascend from the head. The trace takes 96
  // first, then 72 (and 100, inside 96, later): 96 and 72 lead the list, the rest keep order.
  h.start_state->first_takes = {96, 72, 100};
  // CPU 1: 70 and 71 first allocated (71 first), 68 and 69 first drained (68 first).
  h.start_state->pcp = {{68, 0, 1, Migratetype::movable, 3, true},
                        {69, 0, 1, Migratetype::movable, 4, true},
                        {70, 0, 1, Migratetype::movable, 2, false},
                        {71, 0, 1, Migratetype::movable, 1, false}};
  auto reader = make_memory_reader(h, {}, "t.txt");
  Simulator sim(tiny(), "recorded", "recorded", *reader, "t.txt", {false, true, 0});
  const Zone& zone = sim.zone();
  const auto at = [](Pfn pfn) { return static_cast<PageIdx>(pfn - kStart); };
  std::vector<Pfn> order3;
  for (PageIdx i = zone.free_list(3, Migratetype::movable).head; i != kNoPage;
       i = zone.page(i).next)
    order3.push_back(zone.pfn_of(i));
  CHECK(order3 == std::vector<Pfn>{96, 72, 80, 88, 104, 112, 120});
  std::vector<Pfn> cpu1;
  const PageIdx head = at(71);
  CHECK(zone.page(head).prev == kNoPage);
  for (PageIdx i = head; i != kNoPage; i = zone.page(i).next) cpu1.push_back(zone.pfn_of(i));
  CHECK(cpu1 == std::vector<Pfn>{71, 70, 69, 68});
}
