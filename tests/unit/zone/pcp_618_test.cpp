// Hand-worked scenarios for the per-CPU lists of Linux 6.18 with auto-tuning (zone/pcp_618): the
// refill sizes of nr_pcp_alloc with alloc_factor and the growth of high, free_count, nr_pcp_free's
// clamp, the growth of high on a drain, the free_high flush, the ZONE_BELOW_HIGH shrink and its
// clear. Each scenario's numbers are derived in its comments from the pseudo-code of
// docs/kernel-6.18.md "Per-CPU lists"; the timed decay and the drain are in pcp_618_drain_test.
#include <catch2/catch.hpp>

#include "../../support/pcp618_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("6.18 nr_pcp_alloc: order-0 refills double with alloc_factor (63, 126, 252, 504) while "
          "they fit below high - count - batch, high grows by each refill up to high_max",
          "[zone][pcp618]") {
  // batch 63, high_min 100, high_max 1000, high 0 at the start; a 4096-page zone, all MOVABLE.
  Pcp618 z(zone_of(4096, 11, 9), rules_of(63, 100, 1000, 0, 9));
  // Refill 1: high = clamp(0, 100, 1000) = 100; b = 63 << 0; high = min(100 + 63, 1000) = 163;
  // max_nr = max(163 - 0 - 63, 63) = 100 >= 63: alloc_factor 1; 63 blocks 0..62, 0 handed out.
  CHECK(z.alloc(0) == Pfn{0});
  CHECK(z.buddy.bulks == 1);
  CHECK(z.count() == 62);
  CHECK(z.pcp.high(0) == 163);
  CHECK(z.pcp.alloc_factor(0) == 1);
  CHECK(z.list(0, M).front() == Pfn{1});
  CHECK(z.list(0, M).back() == Pfn{62}); // list_add_tail: extraction order
  for (int i = 0; i < 62; ++i) REQUIRE(z.alloc(0).has_value());
  CHECK(z.buddy.bulks == 1); // no refill while the list has pages
  // Refill 2: b = 63 << 1 = 126; high = 163 + 126 = 289; max_nr = 289 - 63 = 226: factor 2.
  CHECK(z.alloc(0) == Pfn{63});
  CHECK(z.count() == 125);
  CHECK(z.pcp.high(0) == 289);
  CHECK(z.pcp.alloc_factor(0) == 2);
  for (int i = 0; i < 125; ++i) REQUIRE(z.alloc(0).has_value());
  // Refill 3: b = 252; high = 541; max_nr = 478: factor 3.
  CHECK(z.alloc(0) == Pfn{189});
  CHECK(z.count() == 251);
  CHECK(z.pcp.high(0) == 541);
  for (int i = 0; i < 251; ++i) REQUIRE(z.alloc(0).has_value());
  // Refill 4: b = 504; high = min(541 + 504, 1000) = 1000; max_nr = 937: factor 4.
  CHECK(z.alloc(0) == Pfn{441});
  CHECK(z.count() == 503);
  CHECK(z.pcp.high(0) == 1000);
  CHECK(z.pcp.alloc_factor(0) == 4);
  for (int i = 0; i < 503; ++i) REQUIRE(z.alloc(0).has_value());
  // 10 UNMOVABLE pages on another list: count 10. Refill 5: b = 63 << 4 = 1008; high stays 1000;
  // max_nr = max(1000 - 10 - 63, 63) = 927 < 1008: factor stays 4, 927 blocks.
  for (Pfn p = 4000; p < 4010; ++p) z.add(p, 0, U);
  CHECK(z.alloc(0) == Pfn{945});
  CHECK(z.count() == 10 + 926);
  CHECK(z.pcp.alloc_factor(0) == 4);
  CHECK(z.pcp.high(0) == 1000);
  CHECK(z.pcp.free_count(0) == 0);
  // A free halves alloc_factor (count 937 < high 1000: no drain).
  z.free(945);
  CHECK(z.pcp.alloc_factor(0) == 2);
  CHECK(z.count() == 937);
  z.check();
}

TEST_CASE("6.18 nr_pcp_alloc: higher orders refill max(batch >> order, 2) blocks and grow high "
          "by batch, and with ZONE_BELOW_HIGH high does not grow",
          "[zone][pcp618]") {
  // batch 8, high_min 16, high_max 64; 256 pages, 16-page pageblocks (the THP order is 4).
  Pcp618 z(zone_of(256, 5, 4), rules_of(8, 16, 64, 0, 4));
  CHECK(z.alloc(1) == Pfn{0}); // high 16 -> 24; 8 >> 1 = 4 blocks: 0, 2, 4, 6
  CHECK(z.list(1, M) == Pfns{2, 4, 6});
  CHECK(z.pcp.high(0) == 24);
  CHECK(z.alloc(2) == Pfn{8}); // high 32; max(8 >> 2, 2) = 2 blocks: 8, 12
  CHECK(z.list(2, M) == Pfns{12});
  CHECK(z.alloc(3) == Pfn{16}); // high 40; 2 blocks: 16, 24
  CHECK(z.alloc(4) == Pfn{32}); // high 48; 2 blocks: 32, 48
  CHECK(z.list(4, M) == Pfns{48});
  CHECK(z.count() == 6 + 4 + 8 + 16);
  CHECK(z.pcp.alloc_factor(0) == 0); // only order 0 scales
  z.pcp.set_zone_below_high(true);
  CHECK(z.alloc(4) == Pfn{48});
  CHECK(z.alloc(4) == Pfn{64}); // refill of 2: 64, 80, high stays 48
  CHECK(z.pcp.high(0) == 48);
  z.check();
}

TEST_CASE("6.18 free_count: +2^order per free up to batch << 5 (an order-3 free may overshoot), "
          "halved by every rmqueue_pcplist",
          "[zone][pcp618]") {
  // batch 4 (cap 128); high_min = high_max = 10000: tuning off, no drain, and free_high's
  // threshold 4 + 5000 is never reached.
  Pcp618 z(zone_of(256, 5, 4), rules_of(4, 10000, 10000, 0, 4));
  z.take_live(128);  // 0..127
  z.take_live(1, 3); // 128..135
  z.free_range(0, 126);
  CHECK(z.pcp.free_count(0) == 127);
  z.free(128); // 127 < 128: + 8 = 135
  CHECK(z.pcp.free_count(0) == 135);
  z.free(127); // 135 >= 128: unchanged
  CHECK(z.pcp.free_count(0) == 135);
  CHECK(z.count() == 136);
  CHECK(z.alloc(0) == Pfn{127}); // 135 >> 1 = 67; the head is the last order-0 free
  CHECK(z.pcp.free_count(0) == 67);
  CHECK(z.alloc(0) == Pfn{126});
  CHECK(z.pcp.free_count(0) == 33);
  CHECK(z.pcp.high(0) == 10000);
  z.check();
}

TEST_CASE("6.18 nr_pcp_free: a free at count >= high drains clamp(free_count, batch, high - "
          "batch) pages starting at the freed page's list",
          "[zone][pcp618]") {
  // batch 4, high_min = high_max = 12 (tuning off); 64 pages.
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 12, 12, 0, 4));
  z.take_live(24); // 0..23
  // Free k (k = 1..12) makes count k, free_count k; at k = 12: min(max(12, 4), 12 - 4) = 8.
  z.free_range(0, 11);
  CHECK(z.count() == 4);
  CHECK(z.list(0, M) == Pfns{11, 10, 9, 8}); // drained from the tail: 0..7
  CHECK(z.f.list(3, M).front() == Pfn{0});   // merged into one order-3 block
  CHECK(z.pcp.free_count(0) == 12);
  // Refills raise count without frees while each allocation halves free_count:
  // order 3: 12 -> 6, 2 blocks, one handed out: count 12; order 2: 6 -> 3, count 16;
  // order 1: 3 -> 1, count 18.
  REQUIRE(z.alloc(3).has_value());
  REQUIRE(z.alloc(2).has_value());
  REQUIRE(z.alloc(1).has_value());
  CHECK(z.count() == 18);
  CHECK(z.pcp.free_count(0) == 1);
  // free(23): free_count 2, count 19 >= 12: min(max(2, 4), 8) = 4 pages from the freed page's
  // list o0 M [23, 11, 10, 9, 8], from its tail: 8, 9, 10, 11.
  z.free(23);
  CHECK(z.count() == 15);
  CHECK(z.list(0, M) == Pfns{23});
  CHECK(z.list(1, M).size() == 1); // the order-1 refill's second block stays
  CHECK(z.pcp.free_count(0) == 2);
  z.check();
}

TEST_CASE("6.18 nr_pcp_high: a drain with tuning on grows high to free_count + batch",
          "[zone][pcp618]") {
  // batch 4, high_min 8, high_max 64, high 0 at the start.
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 8, 64, 0, 4));
  z.take_live(24);
  z.free_range(0, 6); // count 7 < high 8
  CHECK(z.count() == 7);
  // Free 8: count 8 >= 8: need = 8 + 4 = 12 > 8: high 12; the drain uses the old high 8:
  // clamp(8, 4, 4) = 4.
  z.free(7);
  CHECK(z.pcp.high(0) == 12);
  CHECK(z.count() == 4);
  // Frees 9..16: count reaches 12 at free 16: need 20: high 20; clamp(16, 4, 8) = 8.
  z.free_range(8, 14);
  CHECK(z.count() == 11);
  z.free(15);
  CHECK(z.pcp.high(0) == 20);
  CHECK(z.count() == 4);
  z.check();
}

TEST_CASE("6.18 free_high: the second of consecutive order 1..3 frees with free_count >= batch + "
          "high_min / 2 flushes min(count, batch << 5) pages and lowers high by batch << 5",
          "[zone][pcp618]") {
  for (const bool free_high_batch : {true, false}) {
    INFO("PCPF_FREE_HIGH_BATCH " << free_high_batch);
    // batch 4, high_min 8 (threshold 4 + 4 = 8), high_max 64, high 64: no ordinary drain.
    Pcp618 z(zone_of(256, 5, 4), {.batch = 4,
                                  .high_min = 8,
                                  .high_max = 64,
                                  .start_high = 64,
                                  .pageblock_order = 4,
                                  .free_high_batch = free_high_batch});
    z.take_live(6); // 0..5
    Pfns o1;
    for (int i = 0; i < 4; ++i) o1.push_back(*z.f.alloc(1, M));
    z.free_range(0, 4); // free_count 5
    z.free(o1[0]);      // 5 < 8: no flush; PREV_FREE_HIGH_ORDER set; free_count 7
    // 7 < 8: no flush (6.7..6.15's threshold, batch = 4, would flush here); free_count 9.
    z.free(o1[1]);
    CHECK(z.count() == 9);
    z.free(5); // order 0 clears PREV_FREE_HIGH_ORDER; free_count 10
    CHECK_FALSE(z.pcp.prev_free_high_order(0));
    z.free(o1[2]); // 10 >= 8 but the previous free was order 0: no flush; free_count 12
    CHECK(z.count() == 12);
    CHECK(z.pcp.prev_free_high_order(0));
    // The fourth order-1 free: 12 >= 8, previous free order 1, count 14 >= batch: flush.
    // high = max(64 - 128, 8) = 8; nr_pcp_free = min(14, 128): every page, o1 M first.
    z.free(o1[3]);
    CHECK(z.count() == 0);
    CHECK(z.pcp.high(0) == 8);
    CHECK(z.f.free_pages() == 256);
    CHECK(z.pcp.free_count(0) == 14); // not reset by the flush
    // Another order-1 free: free_count 14 >= 8 and the previous free was order 1, but count 2 is
    // below batch: PCPF_FREE_HIGH_BATCH holds the flush back (count 2 < high 8: no drain).
    const std::optional<Pfn> d = z.f.alloc(1, M);
    REQUIRE(d.has_value());
    z.free(*d);
    CHECK(z.count() == (free_high_batch ? 2U : 0U));
    z.check();
  }
}

TEST_CASE("6.18 ZONE_BELOW_HIGH: each free lowers high by max(free_count, batch) down to high_min, "
          "a drain needs count >= high_min, and after a drain the flag clears once free pages less "
          "HIGHATOMIC free pages exceed the high watermark",
          "[zone][pcp618]") {
  // batch 4, high_min 8, high_max 64, high 40; 256 pages, 16-page pageblocks.
  PcpRules618 rules = rules_of(4, 8, 64, 40, 4);
  rules.high_wmark = 230;
  Pcp618 z(zone_of(256, 5, 4), rules);
  z.take_live(16); // 0..15
  z.pcp.set_zone_below_high(true);
  // Free k: free_count k; high 40 -> 36, 32, 28, 24 (max(k, 4) = 4), 19, 13, 8 (k = 7: 13 - 7 < 8).
  const std::vector<unsigned> highs{36, 32, 28, 24, 19, 13, 8};
  for (unsigned k = 1; k <= 7; ++k) {
    z.free(k - 1);
    CHECK(z.pcp.high(0) == highs[k - 1]);
    CHECK(z.count() == k); // nr_pcp_high returns max(count, 8): no drain below 8 pages
  }
  // A full HIGHATOMIC pageblock of 16 free pages at 240.
  z.retype(240, HA);
  // Free 8: count 8 >= max(8, 8): clamp(8, 4, 8 - 4) = 4 pages drained (0..3). Free pages
  // 256 - 8 live - 4 pcp = 244, less 16 HIGHATOMIC = 228 <= 230: the flag stays.
  z.free(7);
  CHECK(z.count() == 4);
  CHECK(z.pcp.high(0) == 8);
  CHECK(z.f.free_pages() == 244);
  CHECK(z.pcp.zone_below_high());
  z.retype(240, M);
  // Frees 9..12: count 5..8; at 8 a drain of clamp(12, 4, 4) = 4: free pages 248 > 230: cleared.
  z.free_range(8, 10);
  CHECK(z.count() == 7);
  CHECK(z.pcp.zone_below_high());
  z.free(11);
  CHECK(z.count() == 4);
  CHECK(z.f.free_pages() == 248);
  CHECK_FALSE(z.pcp.zone_below_high());
  z.check();
}
