// Hand-checked scenarios for the zone's ordered free lists and the 3.11 functions that move
// blocks between them: boot (docs/semantics.md D12), list_add / list_add_tail / list_del, expand(),
// move_freepages(_block) (D22), set_pageblock_migratetype and change_pageblock_range (D4).
// Every expected list is written head first, worked out by hand from mm/page_alloc.c (3.11).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("Boot (D12): max-order blocks freed in ascending pfn order leave the highest pfn at the "
          "head of the top-order MOVABLE list",
          "[zone][boot]") {
  ZoneFixture f({.pages = 32});
  CHECK(f.list(3, M) == Pfns{24, 16, 8, 0});
  CHECK(f.zone().nr_free(3) == 4);
  for (unsigned o = 0; o < 3; ++o) CHECK(f.zone().nr_free(o) == 0);
  CHECK(f.pageblock_types() == std::vector<Migratetype>(4, M));
  CHECK(f.fallbacks().total == 0);
  CHECK(f.total_retypes() == 0);
  f.check_invariants();
}

TEST_CASE("Boot (D12): a zone that is not a multiple of max-order blocks is freed as the largest "
          "aligned blocks that fit",
          "[zone][boot]") {
  // 22 pages: 0..7 and 8..15 (order 3), 16..19 (order 2), 20..21 (order 1); three pageblocks,
  // the last one short.
  ZoneFixture f({.pages = 22});
  CHECK(f.list(3, M) == Pfns{8, 0});
  CHECK(f.list(2, M) == Pfns{16});
  CHECK(f.list(1, M) == Pfns{20});
  CHECK(f.list(0, M).empty());
  CHECK(f.pageblock_types().size() == 3);
  CHECK(f.free_pages() == 22);
  f.check_invariants();
}

TEST_CASE("Boot (D12): a zone that starts at a non-zero pfn names its pages by pfn",
          "[zone][boot]") {
  ZoneFixture f({.pages = 32, .start_pfn = 64});
  CHECK(f.list(3, M) == Pfns{88, 80, 72, 64});
  CHECK(f.alloc(0, M) == Pfn{88});
  CHECK(f.list(2, M) == Pfns{92});
  CHECK(f.list(1, M) == Pfns{90});
  CHECK(f.list(0, M) == Pfns{89});
  f.check_invariants();
}

TEST_CASE("Free lists: link_head / link_tail / unlink keep list_add, list_add_tail and list_del "
          "order and nr_free",
          "[zone][freelist]") {
  ZoneFixture f({.pages = 32});
  Zone& z = f.zone();
  z.unlink(f.idx(16));
  CHECK(f.list(3, M) == Pfns{24, 8, 0});
  CHECK(z.nr_free(3) == 3);
  z.link_tail(f.idx(16), 3, M);
  CHECK(f.list(3, M) == Pfns{24, 8, 0, 16});
  z.unlink(f.idx(24)); // the head
  z.unlink(f.idx(16)); // the tail
  CHECK(f.list(3, M) == Pfns{8, 0});
  z.link_head(f.idx(24), 3, U);
  z.link_head(f.idx(16), 3, U);
  CHECK(f.list(3, U) == Pfns{16, 24});
  CHECK(z.free_list(3, U).count == 2);
  CHECK(z.nr_free(3) == 4);
  z.check_invariants();
}

TEST_CASE("3.11 expand(): the upper halves go to the list heads, largest first, and the lowest "
          "pages are returned",
          "[zone][expand]") {
  ZoneFixture f({.pages = 32});
  // __rmqueue_smallest takes 24 (head of the order-3 list) and expand(24, 0, 3) hands back
  // 28 (order 2), 26 (order 1), 25 (order 0).
  CHECK(f.alloc(0, M) == Pfn{24});
  CHECK(f.list(3, M) == Pfns{16, 8, 0});
  CHECK(f.list(2, M) == Pfns{28});
  CHECK(f.list(1, M) == Pfns{26});
  CHECK(f.list(0, M) == Pfns{25});
  // An order-1 request returns the lowest two pages of the block it splits.
  CHECK(f.alloc(1, M) == Pfn{26});
  CHECK(f.alloc(2, M) == Pfn{28});
  CHECK(f.alloc(1, M) == Pfn{16});
  CHECK(f.list(2, M) == Pfns{20});
  CHECK(f.list(1, M) == Pfns{18});
  CHECK(f.list(0, M) == Pfns{25});
  f.check_invariants();
}

TEST_CASE("3.11 expand(): halves are added at the head of lists that already hold blocks",
          "[zone][expand]") {
  // Call expand() directly on a block taken off the order-3 list while lists of the lower
  // orders already hold blocks of another max-order block.
  ZoneFixture f({.pages = 32});
  Zone& z = f.zone();
  CHECK(f.alloc(0, M) == Pfn{24}); // lists: o2 {28}, o1 {26}, o0 {25}
  z.unlink(f.idx(16));
  z.expand(f.idx(16), 0, 3, M);
  z.mark_allocated(f.idx(16), 0, M);
  CHECK(f.list(2, M) == Pfns{20, 28});
  CHECK(f.list(1, M) == Pfns{18, 26});
  CHECK(f.list(0, M) == Pfns{17, 25});
  z.check_invariants();
}

TEST_CASE("3.11 move_freepages_block(): free blocks move to the head of the target list, "
          "allocated blocks are skipped, the count is in pages",
          "[zone][move_freepages]") {
  ZoneFixture f({.pages = 16});
  // Boot: o3 {8, 0}. alloc 8 then 9: pageblock 8..15 holds 10 (order 1) and 12 (order 2) free.
  CHECK(f.alloc(0, M) == Pfn{8});
  CHECK(f.alloc(0, M) == Pfn{9});
  CHECK(f.move_freepages_block(8, U) == 6);
  CHECK(f.list(1, U) == Pfns{10});
  CHECK(f.list(2, U) == Pfns{12});
  CHECK(f.list(1, M).empty());
  CHECK(f.list(2, M).empty());
  // Same shape in pageblock 0: the moved blocks land in front of 10 and 12.
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.alloc(0, M) == Pfn{1});
  CHECK(f.move_freepages_block(0, U) == 6);
  CHECK(f.list(1, U) == Pfns{2, 10});
  CHECK(f.list(2, U) == Pfns{4, 12});
  // move_freepages() never re-types the pageblock.
  CHECK(f.pageblock_type(0) == M);
  CHECK(f.pageblock_type(8) == M);
  CHECK(f.total_retypes() == 0);
  f.check_invariants();
}

TEST_CASE("3.11 move_freepages_block(): a free block larger than the pageblock is moved and "
          "counted whole",
          "[zone][move_freepages]") {
  // pageblock_order 2 (4 pages) under order-3 blocks: the block at 8 spans pageblocks 8 and 12.
  ZoneFixture f({.pages = 16, .pageblock_order = 2});
  CHECK(f.move_freepages_block(8, U) == 8);
  CHECK(f.list(3, U) == Pfns{8});
  CHECK(f.list(3, M) == Pfns{0});
  // Pageblock 12 lies inside that block: its pages are tails, nothing to move.
  CHECK(f.move_freepages_block(12, R) == 0);
  CHECK(f.list(3, U) == Pfns{8});
  f.check_invariants();
}

TEST_CASE("3.11 move_freepages_block(): a pageblock that crosses the zone end moves nothing",
          "[zone][move_freepages]") {
  // 20 pages, pageblock 8 pages: the pageblock 16..23 ends outside the zone.
  ZoneFixture f({.pages = 20});
  CHECK(f.list(2, M) == Pfns{16});
  CHECK(f.move_freepages_block(16, U) == 0);
  CHECK(f.move_freepages_block(19, U) == 0);
  CHECK(f.list(2, M) == Pfns{16});
  CHECK(f.list(2, U).empty());
  CHECK(f.move_freepages_block(8, U) == 8);
}

TEST_CASE("D4: set_pageblock_migratetype() counts a retype only after initialisation and only "
          "when the type changes",
          "[zone][retypes]") {
  ZoneFixture f({.pages = 32, .finish_init = false});
  Zone& z = f.zone();
  z.set_pageblock_migratetype(f.idx(0), U);
  CHECK(f.pageblock_type(0) == U);
  CHECK(f.total_retypes() == 0);
  z.finish_init();
  z.set_pageblock_migratetype(f.idx(3), U); // same pageblock, same type: no change
  CHECK(f.total_retypes() == 0);
  z.set_pageblock_migratetype(f.idx(0), R);
  z.set_pageblock_migratetype(f.idx(8), R);
  z.set_pageblock_migratetype(f.idx(16), RES);
  CHECK(f.retypes(U, R) == 1);
  CHECK(f.retypes(M, R) == 1);
  CHECK(f.retypes(M, RES) == 1);
  CHECK(f.total_retypes() == 3);
  CHECK(f.pageblock_types() == std::vector<Migratetype>{R, R, RES, M});
}

TEST_CASE("3.11 change_pageblock_range(): every pageblock of the block is re-typed, each change "
          "counted once",
          "[zone][retypes]") {
  ZoneFixture f({.pages = 16, .pageblock_order = 2});
  Zone& z = f.zone();
  z.set_pageblock_migratetype(f.idx(8), U);
  z.change_pageblock_range(f.idx(8), 3, U); // pageblocks 8 (already U) and 12
  CHECK(f.pageblock_types() == std::vector<Migratetype>{M, M, U, U});
  CHECK(f.retypes(M, U) == 2);
  z.change_pageblock_range(f.idx(0), 2, R); // one pageblock
  CHECK(f.pageblock_types() == std::vector<Migratetype>{R, M, U, U});
  CHECK(f.retypes(M, R) == 1);
}
