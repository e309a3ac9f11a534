// Hand-worked scenarios for the drains of the Linux 6.18 per-CPU lists (zone/pcp_618):
// decay_pcp_high's ticks and batch chunks, the drain type with and without hygiene, the
// HIGHATOMIC and ISOLATE frees, tuning off, the boot pageset and the PcpModel hooks. Numbers are
// derived in the comments from docs/kernel-6.18.md "Per-CPU lists".
#include <catch2/catch.hpp>

#include "../../support/pcp618_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("6.18 decay_pcp_high: high falls by high / 8 per tick down to high_min and the lists "
          "are drained to it in chunks of batch from list 0",
          "[zone][pcp618]") {
  // batch 2, high_min 8, high_max 1000, high 100; 4 UNMOVABLE (list 0) and 36 MOVABLE pages.
  Pcp618 z(zone_of(256, 5, 4), rules_of(2, 8, 1000, 100, 4));
  for (Pfn p = 100; p < 104; ++p) z.add(p, 0, U);
  for (Pfn p = 0; p < 36; ++p) z.add(p, 0, M);
  // high: 100 -> 88 -> 77 -> 68 -> 60 -> 53 -> 47 -> 42 (count 40 - 64 < 0 never binds).
  for (const unsigned high : {88U, 77U, 68U, 60U, 53U, 47U, 42U}) {
    CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
    CHECK(z.pcp.high(0) == high);
    CHECK(z.count() == 40);
  }
  // 42 -> 37: drain 3 as 2 + 1 from list 0: its tail 103, 102, then 101.
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 37);
  CHECK(z.list(0, U) == Pfns{100});
  // 37 -> 33: drain 4 as 2 + 2, each from list 0: 100 and the MOVABLE tail 35; then 34, 33.
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.count() == 33);
  CHECK(z.list(0, U).empty());
  CHECK(z.list(0, M).back() == Pfn{32});
  z.check();
}

TEST_CASE("6.18 decay_pcp_high: high never falls below count - (batch << 5) nor high_min",
          "[zone][pcp618]") {
  // batch 1 (batch << 5 = 32), high_min 8, high 300 with 300 pages cached: max(300 - 32,
  // 300 - 37, 8) = 268, so 32 pages drained in 32 chunks of 1.
  Pcp618 z(zone_of(512, 5, 4), rules_of(1, 8, 1000, 300, 4));
  for (Pfn p = 0; p < 300; ++p) z.add(p, 0, M);
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 268);
  CHECK(z.count() == 268);
  // high 9, nothing cached: max(-32, 9 - 1, 8) = 8 = high_min: no work left; then unchanged.
  Pcp618 low(zone_of(64, 5, 4), rules_of(1, 8, 1000, 9, 4));
  CHECK_FALSE(low.pcp.decay_pcp_high(low.f.zone(), 0));
  CHECK(low.pcp.high(0) == 8);
  CHECK_FALSE(low.pcp.decay_pcp_high(low.f.zone(), 0));
  CHECK(low.pcp.high(0) == 8);
  z.check();
}

TEST_CASE("6.18 decay_pcp_high: each batch chunk is its own free_pcppages_bulk from list 0, so a "
          "THP block overshooting one chunk does not stop the next",
          "[zone][pcp618]") {
  // batch 2, high 34; one order-0 UNMOVABLE page and two order-4 (THP) MOVABLE blocks: count 33.
  Pcp618 z(zone_of(64, 5, 4), rules_of(2, 8, 1000, 34, 4));
  z.add(0, 0, U);
  z.add(16, 4, M);
  z.add(32, 4, M);
  // high = max(33 - 64, 34 - 4, 8) = 30: to_drain 3. Chunk 2: page 0 (1 left), then the THP tail
  // 32 (-15). Chunk 1: from list 0 again: 16. (One call of 3 would have left 16 cached.)
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 30);
  CHECK(z.count() == 0);
  CHECK(z.f.free_pages() == 64);
  z.check();
}

TEST_CASE("6.18 free_pcppages_bulk: with hygiene a block re-typed while cached goes to its "
          "pageblock's type at drain time, without it to its cached type (6.1)",
          "[zone][pcp618]") {
  for (const bool hygiene : {true, false}) {
    INFO("hygiene " << hygiene);
    // batch 1, high_min = high_max = 2: the second cached page drains one.
    Pcp618 z(zone_of(64, 5, 4),
             {.batch = 1, .high_min = 2, .high_max = 2, .pageblock_order = 4, .hygiene = hygiene});
    z.take_live(48); // 0..47: the buddies of 17 and 33 stay live
    z.free(17);      // cached MOVABLE
    z.f.zone().set_pageblock_migratetype(z.f.idx(16), U);
    // free(33): count 2 >= 2: clamp(2, 1, 1) = 1 from list o0 M [33, 17]: its tail 17.
    z.free(33);
    CHECK(z.list(0, M) == Pfns{33});
    CHECK(z.f.list(0, U) == (hygiene ? Pfns{17} : Pfns{}));
    CHECK(z.f.list(0, M) == (hygiene ? Pfns{} : Pfns{17}));
    z.check();
  }
}

TEST_CASE("6.18 __free_frozen_pages: a HIGHATOMIC block's page rides the MOVABLE list, an "
          "ISOLATE block's goes straight to the buddy",
          "[zone][pcp618]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 64, 64, 0, 4));
  z.take_live(48);
  z.f.zone().set_pageblock_migratetype(z.f.idx(16), HA);
  z.f.zone().set_pageblock_migratetype(z.f.idx(32), Migratetype::isolate);
  z.free(17);
  CHECK(z.list(0, M) == Pfns{17});
  CHECK(z.f.zone().page(z.f.idx(17)).mt == HA); // the type 6.1's drain would use
  z.free(33);
  CHECK(z.count() == 1);
  CHECK(z.f.list(0, Migratetype::isolate) == Pfns{33});
  z.check();
}

TEST_CASE("6.18 tuning off (high_min == high_max): nr_pcp_high returns high whatever "
          "ZONE_BELOW_HIGH says, refills never grow it",
          "[zone][pcp618]") {
  // batch 4, high_min = high_max = 20.
  Pcp618 z(zone_of(256, 5, 4), rules_of(4, 20, 20, 0, 4));
  // Refills: 4 (max_nr = max(20 - 0 - 4, 4) = 16, factor 1), 8 (factor 2), 16 (factor 3), then
  // 32 > 16: 16 and the factor stays 3.
  for (const unsigned refill : {4U, 8U, 16U, 16U}) {
    REQUIRE(z.alloc(0).has_value());
    CHECK(z.count() == refill - 1);
    CHECK(z.pcp.high(0) == 20);
    for (unsigned i = 1; i < refill; ++i) REQUIRE(z.alloc(0).has_value());
  }
  CHECK(z.pcp.alloc_factor(0) == 3);
  REQUIRE(z.alloc(0).has_value()); // the 5th refill: 16 again, 15 cached
  z.pcp.set_zone_below_high(true);
  // Five frees: count 20 at the fifth: clamp(5, 4, 16) = 5 drained; high stays 20.
  z.free_range(0, 4);
  CHECK(z.count() == 15);
  CHECK(z.pcp.high(0) == 20);
  CHECK(z.pcp.alloc_factor(0) == 0);
  z.check();
}

TEST_CASE("6.18 boot pageset (high 0, batch 1): a refill takes one block and a free drains at "
          "once",
          "[zone][pcp618]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(1, 0, 0, 0, 4));
  CHECK(z.alloc(0) == Pfn{0}); // nr_pcp_alloc: high 0 < batch 1: one block
  CHECK(z.count() == 0);
  z.free(0); // nr_pcp_high 0; nr_pcp_free: high 0 < batch: 1
  CHECK(z.count() == 0);
  CHECK(z.f.free_pages() == 64);
  z.check();
}

TEST_CASE("PcpModel (6.18): add puts a refill at the tail and a free at the head, peek is the "
          "head and next_drain the tail of the freed page's list",
          "[zone][pcp618][predict]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 64, 64, 0, 4));
  PcpModel& model = z.pcp;
  CHECK(model.caches(3));
  CHECK(model.caches(4));
  CHECK_FALSE(model.caches(5));
  z.add(0, 0, M);
  z.add(1, 0, M);
  z.add(2, 0, M, PcpInsert::free);
  CHECK(z.list(0, M) == Pfns{2, 0, 1});
  CHECK(model.peek(z.f.zone(), {0, 0, M, false}) == z.f.idx(2));
  model.begin_drain(z.f.zone(), 0, z.f.idx(2), 1);
  CHECK(model.next_drain(z.f.zone(), 0) == z.f.idx(1));
  model.drain_block(z.f.zone(), 0, z.f.idx(1));
  CHECK(z.list(0, M) == Pfns{2, 0});
  CHECK(model.count(0) == 2);
  z.check();
}
