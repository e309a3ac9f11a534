// Hand-checked scenarios of the region-aware policy (Bhat v4 on 3.11; docs/region-aware.md
// §3–§5, docs/semantics.md D25–D34) on toy zones: max_order 4 (8-page max-order blocks), pageblock
// order 3 (2 in the pageblock_order < max_order-1 cases), regions of 2 or 4 blocks. Every
// expected list was worked out by hand from the kernel pseudo-code; lists are pfns, head first.
#include <catch2/catch.hpp>

#include <algorithm>

#include "../../support/zone_fixture.hpp"
#include "policy/region_aware.hpp"
#include "sim/simulator.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

ZoneSetup ra_setup(std::uint64_t pages, std::uint64_t region_pages, RegionAwareSwitches sw = {}) {
  ZoneSetup s;
  s.pages = pages;
  s.max_order = 4;
  s.pageblock_order = 3;
  s.region_pages = region_pages;
  s.policy = "region-aware";
  s.region_aware = sw;
  return s;
}

RegionAwareSwitches without_ra() {
  RegionAwareSwitches sw;
  sw.region_allocator = false;
  return sw;
}

const RegionAwarePolicy& ra_policy(ZoneFixture& fx) {
  return dynamic_cast<const RegionAwarePolicy&>(fx.policy());
}

// The region allocator's list of `region` as pfns, in RA order.
Pfns held(ZoneFixture& fx, std::uint64_t region) {
  Pfns out;
  for (const PageIdx b : ra_policy(fx).region_allocator().blocks(fx.zone(), region))
    out.push_back(fx.zone().pfn_of(b));
  return out;
}

PageIdx anchor(ZoneFixture& fx, Migratetype mt, std::uint64_t region) {
  return ra_policy(fx).freelists().segment(3, mt, region).anchor;
}

RegionAllocatorCounts ra_counts(ZoneFixture& fx) {
  return fx.ra_counts();
}

} // namespace

TEST_CASE("v4 add_to_freelist: boot leaves each region one segment, the first block inserted "
          "as its anchor at the end, regions in increasing order",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 32, without_ra()));
  INFO(fx.dump());
  CHECK(fx.list(3, M) == Pfns{8, 16, 24, 0, 40, 48, 56, 32});
  CHECK(anchor(fx, M, 0) == 0);
  CHECK(anchor(fx, M, 1) == 32);
  fx.check_invariants();
}

TEST_CASE("v4 add_to_freelist: a new region goes right after the previous region's anchor, or "
          "at the list head when no lower region is on the list",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16, without_ra()));
  REQUIRE(fx.list(3, M) == Pfns{8, 0, 24, 16, 40, 32, 56, 48});
  for (const Pfn expected : {8, 0, 24, 16}) CHECK(fx.alloc(3, M) == Pfn(expected));
  REQUIRE(fx.list(3, M) == Pfns{40, 32, 56, 48});
  fx.free(0);
  CHECK(fx.list(3, M) == Pfns{0, 40, 32, 56, 48});
  fx.free(16);
  CHECK(fx.list(3, M) == Pfns{0, 16, 40, 32, 56, 48});
  fx.free(24);
  CHECK(fx.list(3, M) == Pfns{0, 24, 16, 40, 32, 56, 48});
  fx.free(8);
  CHECK(fx.list(3, M) == Pfns{8, 0, 24, 16, 40, 32, 56, 48});
  fx.check_invariants();
}

TEST_CASE("v4 del_from_freelist: a deleted anchor hands its role to the previous block, the "
          "region's last block clears it",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 32, without_ra()));
  REQUIRE(fx.list(3, M) == Pfns{8, 16, 24, 0, 40, 48, 56, 32});
  fx.move_freepages_block(0, U); // list_move of the anchor 0 to the UNMOVABLE list
  CHECK(fx.list(3, M) == Pfns{8, 16, 24, 40, 48, 56, 32});
  CHECK(anchor(fx, M, 0) == 24);
  CHECK(fx.list(3, U) == Pfns{0});
  CHECK(anchor(fx, U, 0) == 0);
  fx.move_freepages_block(0, M); // back: just before the new anchor 24
  CHECK(fx.list(3, M) == Pfns{8, 16, 0, 24, 40, 48, 56, 32});
  CHECK(fx.list(3, U).empty());
  CHECK(anchor(fx, U, 0) == kNoPage);
  CHECK(ra_policy(fx).freelists().segment(3, U, 0).count == 0);
  fx.check_invariants();
}

TEST_CASE(
    "v4 __free_one_page: the list_add_tail choice is void on sorted lists (docs/semantics.md D26)",
    "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16, without_ra()));
  REQUIRE(fx.alloc(3, M) == Pfn(8));
  fx.zone().mark_freed(fx.idx(8)); // as __free_one_page leaves it
  fx.zone().add_to_freelist(fx.idx(8), 3, M, /*tail=*/true);
  CHECK(fx.list(3, M) == Pfns{8, 0, 24, 16, 40, 32, 56, 48}); // stock: 8 at the tail
}

TEST_CASE("v4 15 __rmqueue_smallest: a larger block in a strictly lower region beats the "
          "smallest order",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16, without_ra()));
  for (const Pfn expected : {8, 0, 24}) REQUIRE(fx.alloc(3, M) == Pfn(expected));
  REQUIRE(fx.alloc(0, M) == Pfn(16));
  REQUIRE(fx.list(0, M) == Pfns{17});
  fx.free(0);
  REQUIRE(fx.list(3, M) == Pfns{0, 40, 32, 56, 48});
  CHECK(fx.alloc(0, M) == Pfn(0)); // region 0 (order 3) < region 1 (order 0)
  CHECK(fx.list(0, M) == Pfns{1, 17});
  CHECK(fx.list(1, M) == Pfns{2, 18});
  CHECK(fx.list(2, M) == Pfns{4, 20});
  fx.check_invariants();
}

TEST_CASE("v4 15 __rmqueue_smallest: without lower_region_bias the smallest order wins as in "
          "3.11",
          "[region-aware]") {
  RegionAwareSwitches sw = without_ra();
  sw.lower_region_bias = false;
  ZoneFixture fx(ra_setup(64, 16, sw));
  for (const Pfn expected : {8, 0, 24}) REQUIRE(fx.alloc(3, M) == Pfn(expected));
  REQUIRE(fx.alloc(0, M) == Pfn(16));
  fx.free(0);
  CHECK(fx.alloc(0, M) == Pfn(17));
}

TEST_CASE("v4 15 __rmqueue_smallest: a tie between regions keeps the smaller order (strict <)",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16, without_ra()));
  for (const Pfn expected : {8, 0}) REQUIRE(fx.alloc(3, M) == Pfn(expected));
  REQUIRE(fx.alloc(0, M) == Pfn(24));
  REQUIRE(fx.list(0, M) == Pfns{25});
  REQUIRE(fx.list(3, M).front() == 16); // also region 1
  CHECK(fx.alloc(0, M) == Pfn(25));
}

TEST_CASE("v4 25/33 can_return_region at boot: every completed region but the one cached on "
          "the list goes to the region allocator",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16));
  INFO(fx.dump());
  CHECK(fx.list(3, M) == Pfns{8, 0});
  CHECK(held(fx, 0).empty());
  CHECK(held(fx, 1) == Pfns{24, 16}); // list order, anchor last
  CHECK(held(fx, 2) == Pfns{40, 32});
  CHECK(held(fx, 3) == Pfns{56, 48});
  CHECK(fx.held_blocks() == 6);
  CHECK(fx.zone().nr_free(3) == 2);
  CHECK_FALSE(fx.in_region_allocator(0));
  CHECK(fx.in_region_allocator(1));
  CHECK(ra_counts(fx).regions_held == 3);
  CHECK(ra_counts(fx).regions_returned == 0); // boot filling is not counted (D5)
  fx.check_invariants();
}

TEST_CASE("v4 25 can_return_region at boot without ra_cache: every region goes to the region "
          "allocator",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.ra_cache = false;
  ZoneFixture fx(ra_setup(64, 16, sw));
  CHECK(fx.list(3, M).empty());
  CHECK(held(fx, 0) == Pfns{8, 0});
  CHECK(fx.held_blocks() == 8);
  CHECK(ra_counts(fx).regions_held == 4);
  fx.check_invariants();
}

TEST_CASE("v4 25 can_return_region after frees: the region's last max-order insertion returns "
          "it when another region is on the list",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16));
  REQUIRE(fx.alloc(3, M) == Pfn(8));
  REQUIRE(fx.alloc(3, M) == Pfn(0));
  CHECK(fx.alloc(3, M) == Pfn(16)); // region 1 granted: [16, 24], head taken
  CHECK(fx.list(3, M) == Pfns{24});
  CHECK(ra_counts(fx).regions_granted == 1);
  fx.free(0);
  CHECK(fx.list(3, M) == Pfns{0, 24}); // region 0 not completely free yet
  fx.free(8);
  CHECK(fx.list(3, M) == Pfns{24});
  CHECK(held(fx, 0) == Pfns{8, 0});
  CHECK(ra_counts(fx).regions_returned == 1);
  CHECK(ra_counts(fx).regions_held == 3);
  fx.check_invariants();
}

TEST_CASE("v4 33 ra_cache: a region alone on its list stays there when it becomes free again",
          "[region-aware]") {
  SECTION("with ra_cache") {
    ZoneFixture fx(ra_setup(64, 16));
    REQUIRE(fx.alloc(3, M) == Pfn(8));
    fx.free(8);
    CHECK(fx.list(3, M) == Pfns{8, 0});
    CHECK(ra_counts(fx).regions_returned == 0);
  }
  SECTION("without ra_cache") {
    RegionAwareSwitches sw;
    sw.ra_cache = false;
    ZoneFixture fx(ra_setup(64, 16, sw));
    CHECK(fx.alloc(3, M) == Pfn(0)); // region 0 granted: RA [8, 0] -> list [0, 8]
    CHECK(fx.list(3, M) == Pfns{8});
    fx.free(0);
    CHECK(fx.list(3, M).empty());
    CHECK(held(fx, 0) == Pfns{0, 8});
    CHECK(ra_counts(fx).regions_granted == 1);
    CHECK(ra_counts(fx).regions_returned == 1);
    fx.check_invariants();
  }
}

TEST_CASE("v4 25 can_return_region: a free region whose blocks are on two lists is not returned",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.ra_cache = false;
  ZoneFixture fx(ra_setup(64, 16, sw));
  fx.move_freepages_block(0, U); // meets the RA: region 0 to MOVABLE, then block 0 moved
  CHECK(fx.list(3, M) == Pfns{8});
  CHECK(fx.list(3, U) == Pfns{0});
  CHECK(held(fx, 0).empty());
  CHECK(ra_counts(fx).regions_granted == 1);
  CHECK(ra_counts(fx).regions_granted_by_move_freepages == 1);
  fx.move_freepages_block(0, M); // both blocks on one list again: returned
  CHECK(fx.list(3, M).empty());
  CHECK(held(fx, 0) == Pfns{0, 8});
  CHECK(ra_counts(fx).regions_returned == 1);
  fx.check_invariants();
}

TEST_CASE("v4 26/32 __rmqueue: the lowest held region is granted before any fallback, read "
          "[b2 … bn, b1] on the list and re-typed to the requester",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 32));
  REQUIRE(fx.list(3, M) == Pfns{8, 16, 24, 0});
  REQUIRE(held(fx, 1) == Pfns{40, 48, 56, 32});
  CHECK(fx.alloc(0, U) == Pfn(48));
  CHECK_FALSE(fx.last_fallback()); // a grant is not a fallback (D1)
  INFO(fx.dump());
  CHECK(fx.list(3, U) == Pfns{56, 32, 40});
  CHECK(fx.list(2, U) == Pfns{52});
  CHECK(fx.list(1, U) == Pfns{50});
  CHECK(fx.list(0, U) == Pfns{49});
  CHECK(fx.pageblock_types() == std::vector<Migratetype>{M, M, M, M, U, U, U, U});
  CHECK(fx.retypes(M, U) == 4);
  CHECK(fx.fallbacks().total == 0);
  CHECK(ra_counts(fx).regions_granted == 1);
  CHECK(ra_counts(fx).regions_held == 0);
  CHECK(fx.held_blocks() == 0);
  CHECK_FALSE(fx.in_region_allocator(1));
  fx.check_invariants();
}

TEST_CASE("v4 27 without retype_regions a granted region is only stamped with the requester's "
          "type",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.retype_regions = false;
  ZoneFixture fx(ra_setup(64, 32, sw));
  CHECK(fx.alloc(0, U) == Pfn(48));
  CHECK(fx.list(3, U) == Pfns{56, 32, 40});
  CHECK(fx.pageblock_types() == std::vector<Migratetype>(8, M));
  CHECK(fx.total_retypes() == 0);
}

TEST_CASE("v4 22 del_from_region_allocator: regions are granted lowest first", "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16));
  CHECK(fx.alloc(3, U) == Pfn(16));
  CHECK(fx.alloc(3, R) == Pfn(32));
  CHECK(fx.alloc(3, U) == Pfn(24));
  CHECK(fx.alloc(3, U) == Pfn(48));
  CHECK(fx.pageblock_types() == std::vector<Migratetype>{M, M, U, U, R, R, U, U});
  CHECK(ra_counts(fx).regions_granted == 3);
  fx.check_invariants();
}

TEST_CASE("v4 32 with pageblock_order below max_order-1 a grant re-types every pageblock of "
          "each block, and the stats note the extension",
          "[region-aware]") {
  ZoneSetup s = ra_setup(64, 32);
  s.pageblock_order = 2;
  ZoneFixture fx(s);
  CHECK(fx.alloc(0, U) == Pfn(48));
  CHECK(fx.pageblock_types() ==
        std::vector<Migratetype>{M, M, M, M, M, M, M, M, U, U, U, U, U, U, U, U});
  CHECK(fx.retypes(M, U) == 8);
  CHECK(fx.policy().notes().size() == 1);
  ZoneFixture plain(ra_setup(64, 32));
  CHECK(plain.policy().notes().empty());
  fx.check_invariants();
}

TEST_CASE("v4 30 setup_zone_migrate_reserve meeting a held region: the region goes to MOVABLE "
          "and overwrites the RESERVE type, the block still lands on the RESERVE list (D30)",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.ra_cache = false;
  ZoneSetup s = ra_setup(64, 16, sw);
  s.reserve = 1;
  ZoneFixture fx(s);
  INFO(fx.dump());
  CHECK(fx.list(3, RES) == Pfns{0});
  CHECK(fx.list(3, M) == Pfns{8});
  CHECK(fx.pageblock_types() == std::vector<Migratetype>(8, M));
  CHECK(held(fx, 0).empty());
  CHECK(held(fx, 1) == Pfns{24, 16});
  CHECK(ra_counts(fx).regions_granted == 0); // initialisation (D5)
  CHECK(ra_counts(fx).regions_granted_by_move_freepages == 0);
  CHECK(fx.total_retypes() == 0);
  fx.check_invariants();
}

TEST_CASE("v4 30 setup_zone_migrate_reserve with ra_cache: the cached region holds the reserve "
          "block and keeps its RESERVE type",
          "[region-aware]") {
  ZoneSetup s = ra_setup(64, 16);
  s.reserve = 1;
  ZoneFixture fx(s);
  CHECK(fx.list(3, RES) == Pfns{0});
  CHECK(fx.list(3, M) == Pfns{8});
  CHECK(fx.pageblock_type(0) == RES);
  CHECK(ra_counts(fx).regions_held == 3);
}

TEST_CASE("v4 30 move_freepages meeting a held region after boot: the grant to MOVABLE and its "
          "re-typing are counted",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.ra_cache = false;
  ZoneFixture fx(ra_setup(64, 16, sw));
  REQUIRE(fx.alloc(3, U) == Pfn(0)); // region 0 granted to UNMOVABLE: [0, 8]
  REQUIRE(fx.list(3, U) == Pfns{8});
  fx.free(0); // pageblock type UNMOVABLE: back before the anchor 8, region returned
  REQUIRE(held(fx, 0) == Pfns{0, 8});
  REQUIRE(fx.pageblock_type(0) == U);
  fx.move_freepages_block(0, U);
  CHECK(fx.list(3, M) == Pfns{8});
  CHECK(fx.list(3, U) == Pfns{0});
  CHECK(fx.pageblock_types() == std::vector<Migratetype>(8, M));
  CHECK(fx.retypes(M, U) == 2);
  CHECK(fx.retypes(U, M) == 2);
  CHECK(ra_counts(fx).regions_granted == 2);
  CHECK(ra_counts(fx).regions_granted_by_move_freepages == 1);
  CHECK(ra_counts(fx).regions_returned == 1);
  fx.check_invariants();
}

TEST_CASE("v4 31 try_to_steal_freepages: loan-only stealing moves the pageblock's free pages "
          "but never claims it, and freed pages go home",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16, without_ra()));
  CHECK(fx.alloc(0, U) == Pfn(8));
  CHECK(fx.last_fallback());
  CHECK(fx.by_pair(U, M) == 1);
  CHECK(fx.fallbacks().fragmenting == 0);
  CHECK(fx.pageblock_type(8) == M);
  CHECK(fx.total_retypes() == 0);
  CHECK(fx.list(2, U) == Pfns{12});
  CHECK(fx.list(1, U) == Pfns{10});
  CHECK(fx.list(0, U) == Pfns{9});
  CHECK(fx.list(3, M) == Pfns{0, 24, 16, 40, 32, 56, 48});
  fx.free(8); // pageblock still MOVABLE: merges with the loaned pages onto the MOVABLE list
  CHECK(fx.list(3, M) == Pfns{8, 0, 24, 16, 40, 32, 56, 48});
  CHECK(fx.list(0, U).empty());
  CHECK(fx.list(2, U).empty());
  fx.check_invariants();
}

TEST_CASE("v4 without loan_only_stealing the 3.11 claim and change_pageblock_range apply on "
          "sorted lists (D25)",
          "[region-aware]") {
  RegionAwareSwitches sw = without_ra();
  sw.loan_only_stealing = false;
  ZoneFixture fx(ra_setup(64, 16, sw));
  CHECK(fx.alloc(0, U) == Pfn(8));
  CHECK(fx.pageblock_type(8) == U);
  CHECK(fx.retypes(M, U) == 1);
  fx.free(8);
  CHECK(fx.list(3, U) == Pfns{8});
}

TEST_CASE("Region stats: buddyinfo and free pages include region allocator blocks, "
          "in_region_allocator marks held regions (D5, D8, D9)",
          "[region-aware]") {
  ZoneFixture fx(ra_setup(64, 16));
  REQUIRE(fx.alloc(0, U) == Pfn(16)); // region 1 granted to UNMOVABLE
  RunStats stats;
  snapshot_zone(fx.zone(), fx.policy(), stats);
  CHECK(stats.free_area.buddyinfo == std::vector<std::uint64_t>{1, 1, 1, 7});
  CHECK(stats.free_area.pagetypeinfo[index_of(M)] == std::vector<std::uint64_t>{0, 0, 0, 2});
  CHECK(stats.free_area.pagetypeinfo[index_of(U)] == std::vector<std::uint64_t>{1, 1, 1, 1});
  CHECK(stats.free_pages == 63);
  CHECK(stats.region_allocator.regions_granted == 1);
  CHECK(stats.region_allocator.regions_held == 2);
  CHECK(stats.region_allocator.regions_returned == 0);
  CHECK_FALSE(stats.regions[0].in_region_allocator);
  CHECK_FALSE(stats.regions[1].in_region_allocator);
  CHECK(stats.regions[2].in_region_allocator);
  CHECK(stats.regions[3].in_region_allocator);
  CHECK(stats.regions[2].free_pages == 16);
  CHECK(stats.regions[1].free_pages == 15);
}

TEST_CASE("The registry lists region-aware with its six switches and builds it", "[region-aware]") {
  const auto& registry = policy_registry();
  const auto it = std::find_if(registry.begin(), registry.end(),
                               [](const PolicyInfo& p) { return p.name == "region-aware"; });
  REQUIRE(it != registry.end());
  CHECK(std::count_if(it->keys.begin(), it->keys.end(), [](const PolicyKey& k) {
          return k.key.starts_with("region_aware.") && k.kind == KeyKind::flag && k.default_flag;
        }) == 6);
  ZoneSetup setup;
  setup.policy = "region-aware";
  ZoneFixture fx(setup);
  CHECK(dynamic_cast<RegionAwarePolicy*>(&fx.policy()) != nullptr);
}

TEST_CASE("v4 19/20 on LIFO lists (sorted_freelists off): PA⇒RA takes the region's blocks head "
          "to tail, a grant puts [b2 … bn, b1] at the head (docs/semantics.md D32)",
          "[region-aware]") {
  RegionAwareSwitches sw;
  sw.sorted_freelists = false;
  ZoneFixture fx(ra_setup(64, 32, sw));
  CHECK(fx.list(3, M) == Pfns{24, 16, 8, 0});
  CHECK(held(fx, 1) == Pfns{56, 48, 40, 32});
  CHECK(fx.alloc(0, U) == Pfn(48));
  CHECK(fx.list(3, U) == Pfns{40, 32, 56});
  CHECK(fx.list(0, U) == Pfns{49});
  fx.check_invariants();
}
