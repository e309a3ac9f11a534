// Hand-checked scenarios for 3.11 setup_zone_migrate_reserve at boot (docs/semantics.md D12, D13):
// the lowest MOVABLE pageblocks become MIGRATE_RESERVE and their free pages move to the RESERVE
// lists; the count follows min_free_kbytes / min_wmark / the cap of 2, or reserve.pageblocks.
// The last-resort use of RESERVE is in tests/unit/policy/rmqueue_smallest_test.cpp.
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "policy/stock.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("3.11 setup_zone_migrate_reserve: the lowest pageblocks become RESERVE and their free "
          "blocks move to the RESERVE list",
          "[zone][reserve]") {
  ZoneFixture f({.pages = 32, .reserve = 2});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{RES, RES, M, M});
  // move_freepages_block(0), then (8): each list_move to the head.
  CHECK(f.list(3, RES) == Pfns{8, 0});
  CHECK(f.list(3, M) == Pfns{24, 16});
  CHECK(f.total_retypes() == 0); // initialisation is not counted (D4)
  f.check_invariants();
}

TEST_CASE("3.11 setup_zone_migrate_reserve: with pageblocks smaller than a max-order block the "
          "whole free block moves with the first pageblock",
          "[zone][reserve]") {
  SECTION("two reserve pageblocks") {
    ZoneFixture f({.pages = 16, .pageblock_order = 2, .reserve = 2});
    CHECK(f.pageblock_types() == std::vector<Migratetype>{RES, RES, M, M});
    CHECK(f.list(3, RES) == Pfns{0}); // pageblock 4 lies inside block 0: nothing more to move
    CHECK(f.list(3, M) == Pfns{8});
  }
  SECTION("one reserve pageblock") {
    ZoneFixture f({.pages = 16, .pageblock_order = 2, .reserve = 1});
    CHECK(f.pageblock_types() == std::vector<Migratetype>{RES, M, M, M});
    CHECK(f.list(3, RES) == Pfns{0}); // block 0 moved and counted whole
    CHECK(f.list(3, M) == Pfns{8});
  }
}

TEST_CASE("3.11 setup_zone_migrate_reserve: a short last pageblock becomes RESERVE but its pages "
          "stay on the MOVABLE list (move_freepages_block crosses the zone end)",
          "[zone][reserve]") {
  ZoneFixture f({.pages = 20, .reserve = 3});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{RES, RES, RES});
  CHECK(f.list(3, RES) == Pfns{8, 0});
  CHECK(f.list(2, M) == Pfns{16});
  // The block is handed out from the MOVABLE list and comes back to RESERVE when freed.
  CHECK(f.alloc(2, M) == Pfn{16});
  CHECK_FALSE(f.last_fallback());
  f.free(16);
  CHECK(f.list(2, RES) == Pfns{16});
  CHECK(f.list(2, M).empty());
  f.check_invariants();
}

TEST_CASE("D13: the reserve count is min(2, roundup(min_wmark, pageblock) >> pageblock_order), or "
          "reserve.pageblocks without the cap",
          "[zone][reserve][geometry]") {
  Config c;
  c.zone.memory = Size{2048, true}; // 8 MiB: min_free_kbytes int_sqrt(8192 * 16) = 362
  c.zone.region_size = Size{2048, true};
  c.zone.pageblock_order = 10; // min_wmark 90 pages: one 1024-page pageblock
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 1);
  c.zone.pageblock_order = 3; // 90 pages round up to 12 pageblocks of 8: capped at 2
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 2);
  c.zone.memory = Size{32, true}; // 128 KiB: min_free_kbytes clamps to 128: 32 pages
  c.zone.region_size = Size{32, true};
  c.zone.max_order = 4;
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 2);
  c.zone.memory = Size{4ULL << 30, false}; // 4 GiB: min_free_kbytes 8192, min_wmark 2048
  c.zone.region_size = Size{512ULL << 20, false};
  c.zone.max_order = 11;
  c.zone.pageblock_order = 10;
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 2);
  c.zone.memory = Size{64ULL << 30, false}; // 64 GiB: min_free_kbytes 32768 (8192 pages)
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 2); // 8 pageblocks, capped
  c.policy_values["reserve.pageblocks"] = 3u;
  CHECK(reserve_pageblocks_311(c, resolve_geometry(c)) == 3);
}

TEST_CASE("D13: an 8 MiB zone with pageblock_order 10 boots with pageblock 0 RESERVE",
          "[zone][reserve]") {
  Config c;
  c.zone.memory = Size{2048, true};
  c.zone.region_size = Size{2048, true};
  c.pcp.enabled = false;
  const Geometry g = resolve_geometry(c);
  Zone zone(c, g);
  StockPolicy policy(zone, c);
  policy.boot();
  CHECK(zone.pageblock_types() == std::vector<Migratetype>{RES, M});
  CHECK(zone.free_list(10, RES).head == 0);
  CHECK(zone.free_list(10, RES).count == 1);
  CHECK(zone.free_list(10, M).head == 1024);
  zone.check_invariants();
}

TEST_CASE("3.11 setup_zone_migrate_reserve: reserve.pageblocks 0 leaves every pageblock MOVABLE",
          "[zone][reserve]") {
  ZoneFixture f({.pages = 32, .reserve = 0});
  CHECK(f.pageblock_types() == std::vector<Migratetype>(4, M));
  for (unsigned o = 0; o < 4; ++o) CHECK(f.list(o, RES).empty());
}
