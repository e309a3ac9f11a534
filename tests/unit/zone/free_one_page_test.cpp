// Hand-checked scenarios for the 3.11 free path: __free_pages_ok takes the pageblock's type at
// free time, __free_one_page merges with free buddies whatever list they are on, puts the
// merged block on the freeing page's list, and uses the list tail when the final order is below
// MAX_ORDER-2 and the parent's buddy is free (docs/semantics.md D23). pcp is off here (D15).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("3.11 __free_one_page: a buddy on another migratetype's list is merged, and the merged "
          "block goes to the freeing page's list",
          "[zone][free_one_page]") {
  // 8 pages, one pageblock of 8. alloc 0 (M): o0 {1}, o1 {2}, o2 {4}; alloc 4 (order 2).
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.alloc(2, M) == Pfn{4});
  // An UNMOVABLE order-0 request falls back to the order-1 block 2 (largest first), steals
  // (1 >= 3/2) but moves only 3 pages < 4: no claim. 1 and the remainder 3 sit on U lists.
  CHECK(f.alloc(0, U) == Pfn{2});
  CHECK(f.list(0, U) == Pfns{3, 1});
  CHECK(f.pageblock_type(0) == M);
  // Free 0: pageblock MOVABLE; its buddy 1 is on the UNMOVABLE list and merges; the order-1
  // buddy 2 is allocated. The order-1 block goes to the MOVABLE list (parent's buddy 4 busy: head).
  f.free(0);
  CHECK(f.list(1, M) == Pfns{0});
  CHECK(f.list(0, U) == Pfns{3});
  // Free 2: merges with 3 (U list) then with 0 (M list) into an order-2 block on M.
  f.free(2);
  CHECK(f.list(2, M) == Pfns{0});
  CHECK(f.list(0, U).empty());
  CHECK(f.list(1, M).empty());
  f.check_invariants();
}

TEST_CASE("3.11 __free_one_page: a block whose buddy is busy but whose parent's buddy is free "
          "goes to the list tail",
          "[zone][free_one_page]") {
  ZoneFixture f({.pages = 16});
  // Allocate all of 8..15 page by page: 8, 9, 10, 11, 12, 13, 14, 15 in that order.
  for (Pfn p = 8; p < 16; ++p) CHECK(f.alloc(0, M) == p);
  f.free(10); // buddy 11 busy, parent's buddy 8 (order 1) busy: head
  f.free(11); // merges with 10 into order 1; parent's buddy 12 (order 2) busy: head
  CHECK(f.list(1, M) == Pfns{10});
  f.free(14); // buddy 15 busy, parent's buddy 12 (order 1) busy: head
  CHECK(f.list(0, M) == Pfns{14});
  f.free(8); // buddy 9 busy, parent's buddy 10 is a free order-1 block: TAIL
  CHECK(f.list(0, M) == Pfns{14, 8});
  f.check_invariants();
}

TEST_CASE("3.11 __free_one_page: the tail rule applies only below MAX_ORDER-2",
          "[zone][free_one_page]") {
  // max_order 4: MAX_ORDER-2 = 2, so an order-2 block always goes to the head.
  ZoneFixture f({.pages = 32});
  CHECK(f.alloc(3, M) == Pfn{24});
  CHECK(f.alloc(2, M) == Pfn{16});
  CHECK(f.alloc(2, M) == Pfn{20});
  CHECK(f.alloc(2, M) == Pfn{8});
  CHECK(f.alloc(2, M) == Pfn{12});
  CHECK(f.list(3, M) == Pfns{0});
  f.free(16); // buddy 20 busy
  CHECK(f.list(2, M) == Pfns{16});
  f.free(8); // buddy 12 busy, parent's buddy 0 (order 3) free, but order 2 is not < 2: head
  CHECK(f.list(2, M) == Pfns{8, 16});
  f.check_invariants();
}

TEST_CASE("3.11 __free_one_page: the tail rule applies at order 1 when MAX_ORDER-2 is 2",
          "[zone][free_one_page]") {
  ZoneFixture f({.pages = 16});
  // Allocate the whole zone: 8, 10, 12, 14 (order 1), then 0, 2 (order 1) and 4 (order 2).
  for (Pfn p = 8; p < 16; p += 2) CHECK(f.alloc(1, M) == p);
  CHECK(f.alloc(1, M) == Pfn{0});
  CHECK(f.alloc(1, M) == Pfn{2});
  CHECK(f.alloc(2, M) == Pfn{4});
  f.free(2);  // buddy 0 busy, parent's buddy 4 (order 2) busy: head
  f.free(14); // buddy 12 busy, parent's buddy 8 (order 2) busy: head
  CHECK(f.list(1, M) == Pfns{14, 2});
  f.free(12); // merges with 14 into order 2 (no tail rule at order 2): head
  CHECK(f.list(2, M) == Pfns{12});
  CHECK(f.list(1, M) == Pfns{2});
  f.free(8); // buddy 10 busy, parent's buddy 12 is a free order-2 block: TAIL
  CHECK(f.list(1, M) == Pfns{2, 8});
  f.free(10); // merges with 8, then with 12: an order-3 block
  CHECK(f.list(3, M) == Pfns{8});
  CHECK(f.list(1, M) == Pfns{2});
  f.check_invariants();
}

TEST_CASE("3.11 __free_one_page: a buddy outside the zone is never a buddy (D23)",
          "[zone][free_one_page]") {
  // 18 pages: blocks 0 and 8 (order 3), 16 (order 1); 16's buddy 18 and its parent's buddy 20
  // lie outside the zone.
  ZoneFixture f({.pages = 18});
  CHECK(f.list(1, M) == Pfns{16});
  CHECK(f.alloc(1, M) == Pfn{16});
  f.free(16);
  CHECK(f.list(1, M) == Pfns{16});
  CHECK(f.list(2, M).empty());
  CHECK(f.alloc(1, M) == Pfn{16});
  f.split(16);
  f.free(17); // buddy 16 busy, parent's buddy 18 outside the zone: head
  CHECK(f.list(0, M) == Pfns{17});
  f.free(16); // merges with 17; order-1 buddy 18 outside the zone: stops at order 1
  CHECK(f.list(1, M) == Pfns{16});
  CHECK(f.list(0, M).empty());
  f.check_invariants();
}

TEST_CASE("3.11 __free_pages_ok: the free-path migratetype is the pageblock's type at free time, "
          "not the allocation's",
          "[zone][free_one_page]") {
  ZoneFixture f({.pages = 8});
  CHECK(f.alloc(0, M) == Pfn{0}); // o0 {1}, o1 {2}, o2 {4}
  // UNMOVABLE falls back to 4 (order 2): moves 1, 2, 4 (7 pages >= 4) and claims the pageblock;
  // expand puts 6 and 5 at the heads of the U lists.
  CHECK(f.alloc(0, U) == Pfn{4});
  CHECK(f.pageblock_type(0) == U);
  CHECK(f.list(1, U) == Pfns{6, 2});
  CHECK(f.list(0, U) == Pfns{5, 1});
  // The MOVABLE page 0 is freed onto UNMOVABLE lists: merges with 1 and 2 (order 2), 4 busy.
  f.free(0);
  CHECK(f.list(2, U) == Pfns{0});
  CHECK(f.list(1, U) == Pfns{6});
  CHECK(f.list(0, U) == Pfns{5});
  for (int t = 0; t < kMigratetypes; ++t)
    if (migratetype_at(t) != U)
      for (unsigned o = 0; o < 4; ++o) CHECK(f.list(o, migratetype_at(t)).empty());
  f.check_invariants();
}
