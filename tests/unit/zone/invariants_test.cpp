// Zone::check_invariants() and --check against state corrupted on purpose (issue 7): each kind of
// damage (nr_free, list counts, a lost page, a block inside a block, a misaligned or unmerged
// free block, region and pageblock counters, pcp counts, region allocator state) is caught and
// the message names what broke. ZoneTestAccess is the Zone's test-only friend.
#include <catch2/catch.hpp>

#include <functional>

#include "../../support/zone_fixture.hpp"
#include "memsim/error.hpp"
#include "policy/region_aware.hpp"
#include "sim/simulator.hpp"

namespace memsim {

struct ZoneTestAccess {
  static std::uint64_t& nr_free(Zone& zone, unsigned order) { return zone.nr_free_[order]; }
  static std::uint32_t& pageblock_allocated(Zone& zone, std::uint64_t block, Migratetype mt) {
    return zone.pageblock_allocated_[block][index_of(mt)];
  }
  static Page& page(Zone& zone, PageIdx idx) { return zone.pages_[idx]; }
  static PageList& free_list(Zone& zone, unsigned order, Migratetype mt) {
    return zone.free_area_[order][index_of(mt)];
  }
  static RegionCounters& region(Zone& zone, std::uint64_t r) { return zone.regions_[r]; }
};

struct PcpTestAccess {
  static std::uint64_t& count(const PerCpuPages311& pcp, unsigned cpu) {
    return const_cast<PerCpuPages311&>(pcp).cpus_[cpu].count;
  }
};

struct RegionAllocatorTestAccess {
  static RegionAllocator& of(test::ZoneFixture& f) {
    return const_cast<RegionAllocator&>(
        dynamic_cast<const RegionAwarePolicy&>(f.policy()).region_allocator());
  }
  static void clear_held(test::ZoneFixture& f, std::uint64_t r) { of(f).held_.clear(r); }
  static std::uint64_t& held_blocks(test::ZoneFixture& f) { return of(f).held_blocks_; }
};

} // namespace memsim

using namespace memsim;
using namespace memsim::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// The message check_invariants() throws after `corrupt` ran on a fresh fixture, or "" if none.
std::string broken_by(const ZoneSetup& setup, const std::function<void(ZoneFixture&)>& corrupt) {
  ZoneFixture f(setup);
  f.check_invariants(); // sound before the damage
  corrupt(f);
  try {
    f.check_invariants();
  } catch (const InternalError& e) {
    return e.what();
  }
  return "";
}

// 32 pages in four 8-page max-order blocks (one pageblock each), per-CPU lists of batch 1.
ZoneSetup stock_setup() {
  ZoneSetup s;
  s.cpus = 1;
  s.pcp = true;
  s.batch = 1;
  s.high = 8;
  return s;
}

// The first free block of order `order` on any list.
PageIdx free_block(ZoneFixture& f, unsigned order) {
  for (int t = 0; t < kMigratetypes; ++t) {
    const PageList& list = f.zone().free_list(order, migratetype_at(t));
    if (!list.empty()) return list.head;
  }
  FAIL("no free block of order " << order);
  return kNoPage;
}

} // namespace

TEST_CASE("check_invariants names a wrong nr_free and a wrong free list count", "[zone][check]") {
  CHECK_THAT(
      broken_by(stock_setup(), [](ZoneFixture& f) { ++ZoneTestAccess::nr_free(f.zone(), 3); }),
      Contains("invariant violated: nr_free[3] = 5 but the lists hold 4"));
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) { ++ZoneTestAccess::free_list(f.zone(), 3, M).count; }),
             Contains("free_list[3][movable] count 5 or tail disagree with its 4 blocks"));
}

TEST_CASE("check_invariants names a lost free block and a page that belongs to no block",
          "[zone][check]") {
  // Taken off its list but still marked free: its pages are lost to the allocator.
  CHECK_THAT(broken_by(stock_setup(), [](ZoneFixture& f) { f.zone().unlink(8); }),
             Contains("free block at page 8 is on no free list"));
  // An allocated block whose head is forgotten: its pages belong to nothing.
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         const auto pfn = f.alloc(2, U);
                         REQUIRE(pfn);
                         ZoneTestAccess::page(f.zone(), f.idx(*pfn)).state = PageState::tail;
                       }),
             Contains("belongs to no block"));
}

TEST_CASE("check_invariants names a misaligned free block and unmerged free buddies",
          "[zone][check]") {
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         REQUIRE(f.alloc(0, M)); // splits a max-order block: orders 0, 1, 2 free
                         const PageIdx one = free_block(f, 0);
                         REQUIRE(one % 2 == 1);
                         f.zone().unlink(one);
                         f.zone().link_head(one, 1, M); // an order-1 block at an odd page
                       }),
             Contains("free block at page") && Contains("order 1 misaligned or past the zone"));
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         f.zone().unlink(0); // the max-order block at 0 as two free halves
                         f.zone().link_head(0, 2, M);
                         f.zone().link_head(4, 2, M);
                       }),
             Contains("free buddies 0 and 4 of order 2 are not merged"));
}

TEST_CASE("check_invariants names a block head inside another block", "[zone][check]") {
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         const auto pfn = f.alloc(2, U);
                         REQUIRE(pfn);
                         ZoneTestAccess::page(f.zone(), f.idx(*pfn) + 2).state =
                             PageState::alloc_head;
                       }),
             Contains("is a block head"));
}

TEST_CASE("check_invariants names region, pageblock and per-CPU counters that disagree",
          "[zone][check]") {
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         REQUIRE(f.alloc(1, U));
                         ++ZoneTestAccess::region(f.zone(), 0).allocated[index_of(U)];
                       }),
             Contains("region 0 counters disagree with a recount"));
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         REQUIRE(f.alloc(1, U));
                         --ZoneTestAccess::pageblock_allocated(f.zone(), 3, U);
                       }),
             Contains("pageblock allocation counters disagree with a recount"));
  CHECK_THAT(broken_by(stock_setup(),
                       [](ZoneFixture& f) {
                         const auto pfn = f.alloc(0, M);
                         REQUIRE(pfn);
                         f.free(*pfn); // onto the pcp list
                         REQUIRE(f.pcp_count() > 0);
                         ++PcpTestAccess::count(f.pcp(), 0);
                       }),
             Contains("pcp count disagrees with its lists"));
}

TEST_CASE("check_invariants names region allocator state that disagrees with the regions",
          "[zone][check][region-aware]") {
  ZoneSetup s;
  s.pages = 64;
  s.region_pages = 16; // 4 regions of two max-order blocks
  s.policy = "region-aware";
  {
    ZoneFixture f(s);
    REQUIRE(f.in_region_allocator(3)); // boot gave it to the RA (D21)
  }
  CHECK_THAT(broken_by(s, [](ZoneFixture& f) { RegionAllocatorTestAccess::clear_held(f, 3); }),
             Contains("region 3: RA mask and RA list disagree"));
  CHECK_THAT(broken_by(s, [](ZoneFixture& f) { ++RegionAllocatorTestAccess::held_blocks(f); }),
             Contains("held_blocks") && Contains("but the RA lists hold"));
  CHECK_THAT(broken_by(s,
                       [](ZoneFixture& f) {
                         // a held max-order block of region 3 turned into an ordinary free page
                         ZoneTestAccess::page(f.zone(), 56).state = PageState::free_head;
                       }),
             Contains("free block at page 56 is on no free list"));
}

TEST_CASE("Replay with --check stops at the first event after the damage and names it",
          "[sim][check]") {
  Config c;
  c.zone.memory = Size{32, true};
  c.zone.max_order = 4;
  c.zone.pageblock_order = 3;
  c.zone.region_size = Size{16, true};
  c.pcp.enabled = false;
  c.policy_values["reserve.pageblocks"] = 0u;
  Event a;
  a.op = EventOp::alloc;
  a.id = 1;
  a.order = 1;
  a.mt = Migratetype::unmovable;
  a.pos = 1;
  Event m;
  m.op = EventOp::mark;
  m.label = "after the damage";
  m.pos = 2;
  for (const bool check : {true, false}) {
    auto reader = make_memory_reader({}, {a, m}, "t.jsonl");
    Simulator sim(c, "stock", "stock", *reader, "t.jsonl", {.strict = false, .check = check});
    Event e;
    REQUIRE(reader->next(e));
    sim.apply(e);
    // The Zone is the simulator's own non-const object; only the accessor is const.
    auto& zone = const_cast<Zone&>(sim.zone());
    ++ZoneTestAccess::nr_free(zone, 0);
    REQUIRE(reader->next(e));
    if (check) {
      CHECK_THROWS_WITH(sim.apply(e),
                        StartsWith("t.jsonl:2: after event 1: invariant violated: nr_free[0] = "));
    } else {
      CHECK_NOTHROW(sim.apply(e)); // without --check nothing looks
    }
  }
}
