// Hand-checked scenarios for 3.11 __rmqueue_fallback (docs/semantics.md D21): largest order first,
// the fallbacks[] order, never RESERVE, the pageblock_order/2 (integer) and RECLAIMABLE steal rule,
// the half-pageblock claim counting the block about to be taken, the remainder to the requested
// type, change_pageblock_range, and the counters (D3 total / fragmenting / by_pair, D4 retypes).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("3.11 __rmqueue_fallback: the largest block of the fallback type is taken first",
          "[policy][fallback]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(0, M) == Pfn{24}); // M: o0 {25}, o1 {26}, o2 {28}, o3 {16, 8, 0}
  // UNMOVABLE takes 16 (order 3), not 25: moves it (8 pages >= 4), claims pageblock 16 and
  // splits it onto the UNMOVABLE lists.
  CHECK(f.alloc(0, U) == Pfn{16});
  CHECK(f.last_fallback());
  CHECK(f.list(2, U) == Pfns{20});
  CHECK(f.list(1, U) == Pfns{18});
  CHECK(f.list(0, U) == Pfns{17});
  CHECK(f.list(3, M) == Pfns{8, 0});
  CHECK(f.list(0, M) == Pfns{25});
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.fallbacks().total == 1);
  CHECK(f.fallbacks().fragmenting == 0); // current_order 3 == pageblock_order
  CHECK(f.by_pair(U, M) == 1);
  CHECK(f.retypes(M, U) == 1);
  CHECK(f.total_retypes() == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: UNMOVABLE tries RECLAIMABLE before MOVABLE",
          "[policy][fallback]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(3, R) == Pfn{24}); // falls back to MOVABLE 24, claims pageblock 24 for R
  CHECK(f.by_pair(R, M) == 1);
  f.free(24);
  CHECK(f.list(3, R) == Pfns{24});
  CHECK(f.alloc(0, U) == Pfn{24});
  CHECK(f.by_pair(U, R) == 1);
  CHECK(f.by_pair(U, M) == 0);
  CHECK(f.pageblock_type(24) == U);
  CHECK(f.retypes(M, R) == 1);
  CHECK(f.retypes(R, U) == 1);
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
  CHECK(f.list(2, U) == Pfns{28});
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: RECLAIMABLE tries UNMOVABLE before MOVABLE",
          "[policy][fallback]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(3, U) == Pfn{24});
  f.free(24);
  CHECK(f.list(3, U) == Pfns{24});
  CHECK(f.alloc(0, R) == Pfn{24});
  CHECK(f.by_pair(R, U) == 1);
  CHECK(f.by_pair(R, M) == 0);
  CHECK(f.pageblock_type(24) == R);
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
}

TEST_CASE("3.11 __rmqueue_fallback: MOVABLE tries RECLAIMABLE before UNMOVABLE",
          "[policy][fallback]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(3, R) == Pfn{24}); // pageblock 24 -> R
  CHECK(f.alloc(3, U) == Pfn{16}); // R's o3 list is empty: MOVABLE 16, pageblock 16 -> U
  CHECK(f.alloc(3, M) == Pfn{8});
  CHECK(f.alloc(3, M) == Pfn{0});
  f.free(24);
  f.free(16);
  CHECK(f.list(3, R) == Pfns{24});
  CHECK(f.list(3, U) == Pfns{16});
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK(f.by_pair(M, R) == 1);
  CHECK(f.pageblock_type(24) == M);
  CHECK(f.alloc(3, M) == Pfn{16}); // MOVABLE's o3 and RECLAIMABLE's o3 are empty now
  CHECK(f.by_pair(M, U) == 1);
  CHECK(f.pageblock_type(16) == M);
  CHECK(f.fallbacks().total == 4);
  CHECK(f.fallbacks().fragmenting == 0);
  CHECK(f.by_pair(R, M) == 1);
  CHECK(f.by_pair(U, M) == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: RESERVE is never a fallback, a smaller MOVABLE block is "
          "stolen and expand adds at the heads of lists the move filled",
          "[policy][fallback][reserve]") {
  ZoneFixture f({.pages = 16, .reserve = 1});
  CHECK(f.alloc(0, M) == Pfn{8}); // M: o0 {9}, o1 {10}, o2 {12}; RESERVE: o3 {0}
  // Order 3: R and M empty (RESERVE not tried). Order 2: M 12. Steal: the pageblock's free
  // pages 9, 10, 12 (7 >= 4) move to U heads, claim; expand puts 14 and 13 in front.
  CHECK(f.alloc(0, U) == Pfn{12});
  CHECK(f.last_fallback());
  CHECK(f.list(1, U) == Pfns{14, 10});
  CHECK(f.list(0, U) == Pfns{13, 9});
  CHECK(f.list(3, RES) == Pfns{0});
  CHECK(f.pageblock_type(8) == U);
  CHECK(f.fallbacks().fragmenting == 1); // current_order 2 < pageblock_order 3
  CHECK(f.retypes(M, U) == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: the steal threshold is pageblock_order/2 in integer division "
          "(order 1 steals when pageblock_order is 3)",
          "[policy][fallback][steal]") {
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(0, M) == Pfn{0}); // M: o0 {1}, o1 {2}, o2 {4}
  CHECK(f.alloc(2, M) == Pfn{4});
  // current_order 1 >= 3/2 = 1: move_freepages_block moves 1 and 2 (3 pages < 4: no claim).
  CHECK(f.alloc(1, U) == Pfn{2});
  CHECK(f.list(0, U) == Pfns{1});
  CHECK(f.list(0, M).empty());
  CHECK(f.pageblock_type(0) == M);
  CHECK(f.total_retypes() == 0);
  CHECK(f.fallbacks().fragmenting == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: below pageblock_order/2 a non-RECLAIMABLE request moves only "
          "the block it takes",
          "[policy][fallback][steal]") {
  // pageblock_order 4: threshold 2.
  ZoneFixture f({.pages = 16, .max_order = 5, .pageblock_order = 4});
  CHECK(f.alloc(0, M) == Pfn{0}); // M: o0 {1}, o1 {2}, o2 {4}, o3 {8}
  CHECK(f.alloc(3, M) == Pfn{8});
  CHECK(f.alloc(2, M) == Pfn{4});
  CHECK(f.alloc(0, U) == Pfn{2}); // order 1 < 2: no move; the remainder 3 goes to U
  CHECK(f.list(0, M) == Pfns{1});
  CHECK(f.list(0, U) == Pfns{3});
  CHECK(f.pageblock_type(0) == M);
  CHECK(f.fallbacks().total == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: RECLAIMABLE always moves the whole pageblock",
          "[policy][fallback][steal]") {
  ZoneFixture f({.pages = 16, .max_order = 5, .pageblock_order = 4});
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.alloc(3, M) == Pfn{8});
  CHECK(f.alloc(2, M) == Pfn{4});
  // Same state as above: order 1 < 2, but a RECLAIMABLE request moves 1 and 2 (3 pages < 8:
  // no claim); the remainder 3 lands in front of 1.
  CHECK(f.alloc(0, R) == Pfn{2});
  CHECK(f.list(0, M).empty());
  CHECK(f.list(0, R) == Pfns{3, 1});
  CHECK(f.pageblock_type(0) == M);
  CHECK(f.total_retypes() == 0);
  CHECK(f.by_pair(R, M) == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: the half-pageblock claim counts the block about to be taken",
          "[policy][fallback][claim]") {
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(1, M) == Pfn{0});
  CHECK(f.alloc(1, M) == Pfn{2});
  CHECK(f.alloc(1, M) == Pfn{4});
  f.free(2);
  CHECK(f.list(1, M) == Pfns{2, 6});
  // Taking 2: move_freepages_block counts 2 and 6, 4 pages >= 1 << (3 - 1): claim. Without the
  // block being taken it would be 2 < 4.
  CHECK(f.alloc(1, U) == Pfn{2});
  CHECK(f.pageblock_type(0) == U);
  CHECK(f.retypes(M, U) == 1);
  CHECK(f.list(1, U) == Pfns{6});
  CHECK(f.list(1, M).empty());
  CHECK(f.fallbacks().fragmenting == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: the remainder goes to the requested type without a claim, "
          "and returns to the pageblock's type when freed",
          "[policy][fallback][steal]") {
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.alloc(2, M) == Pfn{4});
  // Largest first: order-1 block 2 (not the order-0 page 1). Moves 1 and 2 (3 < 4: no claim);
  // expand puts 3 at the head of free_list[0][U].
  CHECK(f.alloc(0, U) == Pfn{2});
  CHECK(f.list(0, U) == Pfns{3, 1});
  CHECK(f.pageblock_type(0) == M);
  CHECK(f.alloc(0, U) == Pfn{3}); // an own-list hit
  CHECK_FALSE(f.last_fallback());
  CHECK(f.fallbacks().total == 1);
  f.free(2); // pageblock MOVABLE: buddy 3 busy
  CHECK(f.list(0, M) == Pfns{2});
  f.free(3); // merges with 2; buddy 0 busy
  CHECK(f.list(1, M) == Pfns{2});
  CHECK(f.list(0, U) == Pfns{1});
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: change_pageblock_range re-types every pageblock of a block of "
          "order >= pageblock_order",
          "[policy][fallback][claim]") {
  ZoneFixture f({.pages = 16, .pageblock_order = 2});
  CHECK(f.list(3, M) == Pfns{8, 0});
  CHECK(f.alloc(0, U) == Pfn{8});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{M, M, U, U});
  CHECK(f.retypes(M, U) == 2);
  CHECK(f.list(2, U) == Pfns{12});
  CHECK(f.list(1, U) == Pfns{10});
  CHECK(f.list(0, U) == Pfns{9});
  CHECK(f.fallbacks().fragmenting == 0);
  // A RECLAIMABLE order-2 request now takes 0 (order 3, the only MOVABLE block): both of its
  // pageblocks become RECLAIMABLE.
  CHECK(f.alloc(2, R) == Pfn{0});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{R, R, U, U});
  CHECK(f.retypes(M, R) == 2);
  CHECK(f.list(2, R) == Pfns{4});
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_fallback: a steal in a pageblock that crosses the zone end moves and "
          "claims nothing, but the remainder still goes to the requested type",
          "[policy][fallback][steal]") {
  ZoneFixture f({.pages = 20}); // pageblock 16..23 is cut by the zone end at 20
  CHECK(f.alloc(3, M) == Pfn{8});
  CHECK(f.alloc(3, M) == Pfn{0});
  // Order 2 >= 3/2: move_freepages_block(16) returns 0 (< 4): no claim.
  CHECK(f.alloc(0, U) == Pfn{16});
  CHECK(f.last_fallback());
  CHECK(f.pageblock_type(16) == M);
  CHECK(f.total_retypes() == 0);
  CHECK(f.list(1, U) == Pfns{18});
  CHECK(f.list(0, U) == Pfns{17});
  CHECK(f.by_pair(U, M) == 1);
  CHECK(f.fallbacks().fragmenting == 1);
  f.check_invariants();
}
