// Hand-checked scenarios for the 3.11 per-CPU lists (order 0): buffered_rmqueue's refill by
// rmqueue_bulk (allocation order, freepage mt = requested type, the D1 fallback flag),
// free_hot_cold_page (head / tail, RESERVE on the MOVABLE list) and the free_pcppages_bulk spill
// (round-robin from RECLAIMABLE, batch_free growing over empty lists, min(batch, count), D14).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("3.11 rmqueue_bulk: a hot refill takes `batch` pages in allocation order and the head "
          "pop returns the first page taken",
          "[zone][pcp]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  // __rmqueue x3: 24 (expand: 28 o2, 26 o1, 25 o0), 25, then 26 (expand: 27 o0).
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK_FALSE(f.last_fallback());
  CHECK(f.pcp_list(0, M) == Pfns{25, 26});
  CHECK(f.pcp_count() == 2);
  CHECK(f.list(0, M) == Pfns{27});
  CHECK(f.list(2, M) == Pfns{28});
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
  CHECK(f.alloc(0, M) == Pfn{25});
  CHECK(f.alloc(0, M) == Pfn{26});
  CHECK(f.pcp_count() == 0);
  // The next refill: 27 (o0), 28 (o2, expand: 30 o1, 29 o0), 29.
  CHECK(f.alloc(0, M) == Pfn{27});
  CHECK(f.pcp_list(0, M) == Pfns{28, 29});
  CHECK(f.list(1, M) == Pfns{30});
  f.check_invariants();
}

TEST_CASE("3.11 rmqueue_bulk: a cold refill (__GFP_COLD) is built backwards and the tail pop "
          "also returns the first page taken",
          "[zone][pcp]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  CHECK(f.alloc(0, M, 0, true) == Pfn{24});
  CHECK(f.pcp_list(0, M) == Pfns{26, 25});
  CHECK(f.alloc(0, M, 0, true) == Pfn{25});
  CHECK(f.alloc(0, M, 0, true) == Pfn{26});
  CHECK(f.alloc(0, M, 0, true) == Pfn{27});
  CHECK(f.pcp_list(0, M) == Pfns{29, 28});
  // A hot pop on a cold-built list takes its head: the last page taken.
  CHECK(f.alloc(0, M) == Pfn{29});
  f.check_invariants();
}

TEST_CASE("D1: a pcp page carries the fallback flag only when __rmqueue_fallback returned it "
          "inside the refill",
          "[zone][pcp][fallback]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  // Refill for UNMOVABLE: 24 by fallback (claims pageblock 24, remainder 28/26/25 on U lists),
  // then 25 and 26 from the U lists (own-list hits).
  CHECK(f.alloc(0, U) == Pfn{24});
  CHECK(f.last_fallback());
  CHECK(f.fallbacks().total == 1);
  CHECK(f.pcp_list(0, U) == Pfns{25, 26});
  CHECK(f.alloc(0, U) == Pfn{25});
  CHECK_FALSE(f.last_fallback());
  CHECK(f.alloc(0, U) == Pfn{26});
  CHECK_FALSE(f.last_fallback());
  // The next refill is served from the U lists: 27, 28 (expand 30, 29), 29. No fallback.
  CHECK(f.alloc(0, U) == Pfn{27});
  CHECK_FALSE(f.last_fallback());
  CHECK(f.fallbacks().total == 1);
  // A page that reached the list through a free carries no flag.
  f.free(24);
  CHECK(f.pcp_list(0, U) == Pfns{24, 28, 29});
  CHECK(f.alloc(0, U) == Pfn{24});
  CHECK_FALSE(f.last_fallback());
  f.check_invariants();
}

TEST_CASE("3.11 free_hot_cold_page: a hot free goes to the head of the pcp list, a cold free to "
          "its tail",
          "[zone][pcp]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK(f.alloc(0, M) == Pfn{25});
  CHECK(f.alloc(0, M) == Pfn{26});
  CHECK(f.pcp_count() == 0);
  f.free(24);
  f.free(25, 0, true);
  f.free(26);
  CHECK(f.pcp_list(0, M) == Pfns{26, 24, 25});
  CHECK(f.pcp_count() == 3);
  CHECK(f.alloc(0, M) == Pfn{26});
  CHECK(f.alloc(0, M, 0, true) == Pfn{25});
  f.check_invariants();
}

TEST_CASE("3.11 free_hot_cold_page: the list is chosen by the pageblock type at free time, not "
          "by the allocation's type",
          "[zone][pcp]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  CHECK(f.alloc(0, M) == Pfn{24});
  // An UNMOVABLE order-1 request falls back to 16 (order 3) and claims pageblock 16.
  CHECK(f.alloc(1, U) == Pfn{16});
  f.free(24); // pageblock 24 MOVABLE
  CHECK(f.pcp_list(0, M) == Pfns{24, 25, 26});
  f.check_invariants();
  // Re-type pageblock 24 (as a claim would) and free a MOVABLE page of it.
  CHECK(f.alloc(0, M) == Pfn{24});
  f.zone().set_pageblock_migratetype(f.idx(24), U);
  f.free(24);
  CHECK(f.pcp_list(0, U) == Pfns{24});
  CHECK(f.zone().page(f.idx(24)).mt == U);
}

TEST_CASE("3.11 free_hot_cold_page: a RESERVE page rides the MOVABLE pcp list and is spilled "
          "to the RESERVE free list",
          "[zone][pcp][reserve]") {
  ZoneFixture f({.pages = 16, .pcp = true, .batch = 1, .high = 2, .reserve = 1});
  CHECK(f.list(3, RES) == Pfns{0});
  CHECK(f.alloc(3, M) == Pfn{8});
  // Nothing left but RESERVE: order 1 (no pcp) takes 0, expand puts 4 and 2 on RESERVE lists.
  CHECK(f.alloc(1, M) == Pfn{0});
  f.split(0);
  f.free(0);
  CHECK(f.pcp_list(0, M) == Pfns{0});
  CHECK(f.zone().page(f.idx(0)).mt == RES); // freepage migratetype
  // Second free: count 2 >= high 2 spills min(1, 2) = 1 page, the tail (0). Its buddy 1 is on
  // the pcp list; its parent's buddy 2 is a free order-1 block: tail of free_list[0][RESERVE].
  f.free(1);
  CHECK(f.pcp_list(0, M) == Pfns{1});
  CHECK(f.list(0, RES) == Pfns{0});
  CHECK(f.list(0, M).empty());
  f.check_invariants();
}

namespace {

// pcp lists of all three types on CPU 0 (batch 4): U {25, 26, 27} (pageblock 24 claimed by a
// fallback), R {17, 18, 19} (pageblock 16 claimed), M {9, 10, 11}; 24, 16, 8 allocated.
// Free lists: o2 U {28}, o2 R {20}, o2 M {12}, o3 M {0}.
void three_lists(ZoneFixture& f) {
  CHECK(f.alloc(0, U) == Pfn{24});
  CHECK(f.alloc(0, R) == Pfn{16});
  CHECK(f.alloc(0, M) == Pfn{8});
  REQUIRE(f.pcp_list(0, U) == Pfns{25, 26, 27});
  REQUIRE(f.pcp_list(0, R) == Pfns{17, 18, 19});
  REQUIRE(f.pcp_list(0, M) == Pfns{9, 10, 11});
  REQUIRE(f.pcp_count() == 9);
}

} // namespace

TEST_CASE("3.11 free_pcppages_bulk: the spill takes one page per list round-robin, starting at "
          "RECLAIMABLE, from each list's tail",
          "[zone][pcp][spill]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 4, .high = 10});
  three_lists(f);
  // Free 24: U {24, 25, 26, 27}, count 10 >= 10: spill 4 pages: R 19, M 11, U 27, R 18.
  f.free(24);
  CHECK(f.pcp_list(0, U) == Pfns{24, 25, 26});
  CHECK(f.pcp_list(0, R) == Pfns{17});
  CHECK(f.pcp_list(0, M) == Pfns{9, 10});
  CHECK(f.pcp_count() == 6);
  // 19: buddy 18 on pcp, parent's buddy 16 busy: head. 11 and 27 likewise.
  CHECK(f.list(0, M) == Pfns{11});
  CHECK(f.list(0, U) == Pfns{27});
  // 18 merges with 19 into order 1; the parent's buddy 20 (order 2) is free: tail.
  CHECK(f.list(0, R).empty());
  CHECK(f.list(1, R) == Pfns{18});
  f.check_invariants();
}

TEST_CASE("3.11 free_pcppages_bulk: batch_free grows by one for each empty list passed over",
          "[zone][pcp][spill]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 4, .high = 7});
  CHECK(f.alloc(0, U) == Pfn{24});
  CHECK(f.alloc(0, M) == Pfn{16}); // refill 16, 17, 18 (expand 19), 19
  REQUIRE(f.pcp_list(0, U) == Pfns{25, 26, 27});
  REQUIRE(f.pcp_list(0, M) == Pfns{17, 18, 19});
  // Free 24: count 7 >= 7, spill 4. Round 1: RECLAIMABLE empty (batch_free 1), MOVABLE
  // (batch_free 2): 19 then 18. Round 2: UNMOVABLE (1): 27. Round 3: RECLAIMABLE empty,
  // MOVABLE (2): 17, and to_free is done.
  f.free(24);
  CHECK(f.pcp_list(0, U) == Pfns{24, 25, 26});
  CHECK(f.pcp_list(0, M).empty());
  CHECK(f.pcp_count() == 3);
  // 19: head of o0 M; 18 merges with it (order 1), parent's buddy 20 (order 2) free: tail;
  // 27: head of o0 U; 17: buddy 16 busy, parent's buddy 18 (order 1) free: tail.
  CHECK(f.list(0, M) == Pfns{17});
  CHECK(f.list(1, M) == Pfns{18});
  CHECK(f.list(0, U) == Pfns{27});
  f.check_invariants();
}

TEST_CASE("3.11 free_pcppages_bulk: with one list left it is drained, the spill is min(batch, "
          "count) when high < batch (D14)",
          "[zone][pcp][spill]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 4, .high = 2});
  CHECK(f.alloc(0, M) == Pfn{24}); // refill 24..27; no spill on the allocation path
  CHECK(f.pcp_count() == 3);
  // Free 24: count 4 >= 2, spill min(4, 4) = 4: 27, 26 (merge, tail), then the drain of 25, 24.
  f.free(24);
  CHECK(f.pcp_count() == 0);
  CHECK(f.list(3, M) == Pfns{24, 16, 8, 0});
  CHECK(f.free_pages() == 32);
  f.check_invariants();
}

TEST_CASE("D14: with batch 1 and high 0 every order-0 free spills at once", "[zone][pcp][spill]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 1, .high = 0});
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK(f.pcp_count() == 0);
  CHECK(f.list(0, M) == Pfns{25});
  f.free(24);
  CHECK(f.pcp_count() == 0);
  CHECK(f.list(3, M) == Pfns{24, 16, 8, 0});
}

TEST_CASE("3.11 free_pcppages_bulk: a page refilled through a fallback is spilled to the "
          "requested type's free list, not its pageblock's",
          "[zone][pcp][spill][fallback]") {
  // max_order 5, pageblock_order 4: order-0 and order-1 fallbacks (< 4/2) move nothing.
  ZoneFixture f(
      {.pages = 16, .max_order = 5, .pageblock_order = 4, .pcp = true, .batch = 2, .high = 1});
  for (Pfn p = 0; p < 16; p += 2) CHECK(f.alloc(1, M) == p);
  f.split(0);
  f.split(4);
  f.free(1); // count 1 >= 1: spilled at once to the head of free_list[0][M]
  f.free(5);
  CHECK(f.list(0, M) == Pfns{5, 1});
  CHECK(f.pcp_count() == 0);
  // UNMOVABLE refill of 2: both pages by __rmqueue_fallback from the MOVABLE order-0 list.
  CHECK(f.alloc(0, U) == Pfn{5});
  CHECK(f.last_fallback());
  CHECK(f.fallbacks().total == 2);
  CHECK(f.fallbacks().fragmenting == 2);
  CHECK(f.pcp_list(0, U) == Pfns{1});
  CHECK(f.zone().page(f.idx(1)).mt == U);
  CHECK(f.pageblock_type(0) == M);
  // Free 0 (pageblock M): count 2 >= 1, spill 2. Round 1: R empty, M: 0 (buddy 1 on pcp: stays
  // order 0). Round 2: batch_free 2 carried, U: 1 with freepage mt U merges with 0 (on the M
  // list) into an order-1 block on the UNMOVABLE list.
  f.free(0);
  CHECK(f.pcp_count() == 0);
  CHECK(f.list(1, U) == Pfns{0});
  CHECK(f.list(0, M).empty());
  CHECK(f.pageblock_type(0) == M);
  f.check_invariants();
}

TEST_CASE("3.11 move_freepages: pages on per-CPU lists are not PageBuddy and are neither moved "
          "nor counted",
          "[zone][pcp][move_freepages]") {
  ZoneFixture f({.pages = 8, .pcp = true, .batch = 2, .high = 100});
  CHECK(f.alloc(0, M) == Pfn{0}); // refill 0 (expand 4, 2, 1), 1; 1 stays on the pcp list
  CHECK(f.pcp_list(0, M) == Pfns{1});
  CHECK(f.move_freepages_block(0, U) == 6); // 2 (order 1) and 4 (order 2)
  CHECK(f.list(1, U) == Pfns{2});
  CHECK(f.list(2, U) == Pfns{4});
  CHECK(f.pcp_list(0, M) == Pfns{1});
  CHECK(f.zone().page(f.idx(1)).mt == M);
  f.check_invariants();
}

TEST_CASE("D7: an order-0 allocation fails when the CPU's list is still empty after the refill, "
          "whatever other CPUs or lists hold",
          "[zone][pcp][failure]") {
  ZoneFixture f({.pages = 8, .cpus = 2, .pcp = true, .batch = 2, .high = 100});
  CHECK(f.alloc(2, M) == Pfn{0});
  CHECK(f.alloc(1, M) == Pfn{4});
  CHECK(f.alloc(0, M, 1) == Pfn{6}); // CPU 1 refills 6 and 7
  CHECK(f.pcp_list(1, M) == Pfns{7});
  CHECK(f.free_pages() == 0);
  CHECK(f.alloc(0, M, 0) == std::nullopt); // CPU 0: nothing on the buddy lists
  CHECK(f.alloc(0, U, 1) == std::nullopt); // CPU 1's UNMOVABLE list: the MOVABLE page is not used
  CHECK(f.pcp_list(1, M) == Pfns{7});
  CHECK(f.alloc(0, M, 1) == Pfn{7});
  CHECK(f.fallbacks().total == 0);
  f.check_invariants();
}
