// Hand-checked scenarios for the stock policy's __rmqueue (3.11): __rmqueue_smallest takes the
// head of the smallest non-empty list of the requested type; MIGRATE_RESERVE is the last resort,
// tried only after __rmqueue_fallback found nothing, and is no fallback; an allocation nothing
// can satisfy fails, with no watermark (docs/semantics.md D7). pcp is off (order 0 goes to
// __rmqueue).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("3.11 __rmqueue_smallest: the smallest order with a block of the type is used first",
          "[policy][rmqueue_smallest]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(0, M) == Pfn{24}); // o3 head 24 split: o2 {28}, o1 {26}, o0 {25}
  CHECK(f.alloc(1, M) == Pfn{26}); // o1 directly, nothing split
  CHECK(f.alloc(0, M) == Pfn{25});
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
  CHECK(f.alloc(0, M) == Pfn{28}); // o0 and o1 empty: o2 28 split, 30 (o1) and 29 (o0) back
  CHECK(f.list(1, M) == Pfns{30});
  CHECK(f.list(0, M) == Pfns{29});
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
  CHECK(f.fallbacks().total == 0);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue_smallest: the block taken is the head of the list",
          "[policy][rmqueue_smallest]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(3, M) == Pfn{24});
  CHECK(f.alloc(3, M) == Pfn{16});
  f.free(24); // back at the head
  CHECK(f.list(3, M) == Pfns{24, 8, 0});
  CHECK(f.alloc(3, M) == Pfn{24});
  CHECK(f.alloc(3, M) == Pfn{8});
}

TEST_CASE("3.11 __rmqueue_smallest: each request uses its own type's lists while they hold a "
          "block, even when another type's list holds a smaller one",
          "[policy][rmqueue_smallest]") {
  ZoneFixture f({.pages = 16});
  CHECK(f.alloc(0, M) == Pfn{8}); // M: o0 {9}, o1 {10}, o2 {12}, o3 {0}
  // UNMOVABLE falls back to the largest block, 0 (order 3), and claims pageblock 0.
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK(f.list(0, U) == Pfns{1});
  CHECK(f.list(1, U) == Pfns{2});
  CHECK(f.list(2, U) == Pfns{4});
  CHECK(f.alloc(1, M) == Pfn{10});
  CHECK(f.alloc(0, U) == Pfn{1});
  CHECK(f.alloc(0, M) == Pfn{9});
  CHECK(f.alloc(2, U) == Pfn{4});
  CHECK(f.alloc(0, M) == Pfn{12}); // M's o0 and o1 are empty: 12 is split
  CHECK(f.list(1, M) == Pfns{14});
  CHECK(f.list(0, M) == Pfns{13});
  CHECK(f.fallbacks().total == 1);
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue: MIGRATE_RESERVE is used only when every fallback fails, and is no "
          "fallback",
          "[policy][rmqueue][reserve]") {
  ZoneFixture f({.pages = 32, .reserve = 1});
  CHECK(f.list(3, RES) == Pfns{0});
  CHECK(f.list(3, M) == Pfns{24, 16, 8});
  CHECK(f.alloc(3, M) == Pfn{24});
  CHECK(f.alloc(3, M) == Pfn{16});
  CHECK(f.alloc(3, M) == Pfn{8});
  // UNMOVABLE: own lists empty, RECLAIMABLE and MOVABLE empty: RESERVE block 0 is split onto
  // the RESERVE lists.
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK_FALSE(f.last_fallback());
  CHECK(f.list(2, RES) == Pfns{4});
  CHECK(f.list(1, RES) == Pfns{2});
  CHECK(f.list(0, RES) == Pfns{1});
  CHECK(f.pageblock_type(0) == RES);
  CHECK(f.fallbacks().total == 0);
  CHECK(f.total_retypes() == 0);
  CHECK(f.alloc(1, R) == Pfn{2});
  CHECK(f.alloc(2, M) == Pfn{4});
  CHECK(f.alloc(0, M) == Pfn{1});
  CHECK(f.alloc(0, M) == std::nullopt);
  // Freed RESERVE pages go back to the RESERVE lists (the pageblock's type).
  f.free(4);
  CHECK(f.list(2, RES) == Pfns{4});
  f.check_invariants();
}

TEST_CASE("3.11 __rmqueue: a fallback to a small MOVABLE block is preferred over a larger "
          "RESERVE block",
          "[policy][rmqueue][reserve]") {
  ZoneFixture f({.pages = 16, .reserve = 1});
  CHECK(f.list(3, RES) == Pfns{0});
  CHECK(f.alloc(0, M) == Pfn{8}); // M: o0 {9}, o1 {10}, o2 {12}
  CHECK(f.alloc(0, U) == Pfn{12});
  CHECK(f.last_fallback());
  CHECK(f.list(3, RES) == Pfns{0});
  CHECK(f.by_pair(U, M) == 1);
  CHECK(f.by_pair(U, RES) == 0);
}

TEST_CASE("D7: an allocation fails when no list holds a block of its order or larger, there is no "
          "watermark",
          "[policy][rmqueue][failure]") {
  ZoneFixture f({.pages = 8});
  for (Pfn p = 0; p < 8; p += 2) CHECK(f.alloc(1, M) == p);
  f.free(2);
  f.free(6);
  CHECK(f.list(1, M) == Pfns{6, 2});
  // Four pages free, but no order-2 block: the request fails and changes nothing.
  CHECK(f.alloc(2, M) == std::nullopt);
  CHECK(f.alloc(2, U) == std::nullopt);
  CHECK(f.list(1, M) == Pfns{6, 2});
  CHECK(f.fallbacks().total == 0);
  // The very last pages are handed out (no min watermark).
  CHECK(f.alloc(1, M) == Pfn{6});
  CHECK(f.alloc(1, M) == Pfn{2});
  CHECK(f.alloc(0, M) == std::nullopt);
  CHECK(f.alloc(0, U) == std::nullopt);
  CHECK(f.free_pages() == 0);
  f.check_invariants();
}
