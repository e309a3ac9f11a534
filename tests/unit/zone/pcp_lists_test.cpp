// Hand-checked scenarios for the per-order per-CPU lists of Linux 6.1 (zone/pcp_lists): the
// refill count and order of rmqueue_bulk, the head insertion of free_unref_page_commit with the
// cached type, the THP lists, nr_pcp_free's free_factor and clamp (D61-17), free_pcppages_bulk's
// drain order (D61-16), and the PcpModel hooks that drive and ask the same lists from outside.
// Zones of 64 pages, 16-page pageblocks (pageblock_order 4) and 16-page max-order blocks.
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

ZoneSetup setup_61(unsigned batch, unsigned high) {
  ZoneSetup s;
  s.pages = 64;
  s.max_order = 5;
  s.pageblock_order = 4;
  s.pcp = true;
  s.batch = batch;
  s.high = high;
  s.policy = "linux-6.1";
  return s;
}

// Four lists on CPU 0 (batch 2, high 6): o0 U {1}, o0 M {17}, o0 R {33}, o1 M {20}; the
// allocations 0 (U), 16 (M), 18 (M, order 1), 32 (R) live; then 16 is freed, which drains list
// o0 M (2 pages: 17, then 16) and leaves free_factor 1.
void four_lists(ZoneFixture& f) {
  // U falls back to pageblock 0 (order 4: change_pageblock_range), the retry takes 0, the
  // second __rmqueue of the refill takes 1 from the U lists.
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK(f.last_fallback());
  CHECK(f.alloc(0, M) == Pfn{16});
  CHECK(f.alloc(1, M) == Pfn{18}); // refill 2 order-1 blocks: 18, then 20 (22 to M o1)
  CHECK(f.alloc(0, R) == Pfn{32}); // fallback to pageblock 32
  CHECK(f.pcp61_list(0, 0, U) == Pfns{1});
  CHECK(f.pcp61_list(0, 0, M) == Pfns{17});
  CHECK(f.pcp61_list(0, 0, R) == Pfns{33});
  CHECK(f.pcp61_list(0, 1, M) == Pfns{20});
  CHECK(f.pcp61().count(0) == 5);
  f.free(16); // count 6 >= high 6: nr_pcp_free = clamp(2, 2, 4) = 2 from list o0 M: 17, 16
  CHECK(f.pcp61().count(0) == 4);
  CHECK(f.pcp61().free_factor(0) == 1);
  CHECK(f.list(0, M).empty());
  CHECK(f.list(1, M) == Pfns{16, 22}); // 17 to the head of o0, then 16 merged with it
}

// The end state after free(18) drained 20, 18, 1, 33 (checked by two tests).
void check_after_full_drain(const ZoneFixture& f) {
  CHECK(f.pcp61().count(0) == 0);
  CHECK(f.list(4, M) == Pfns{16, 48}); // 20+22 -> 20 o2 (tail); 18 merged up to 16 o4 (head)
  CHECK(f.list(2, M).empty());
  CHECK(f.list(0, U) == Pfns{1});  // its parent's buddy 2 is free: tail
  CHECK(f.list(0, R) == Pfns{33}); // cached type R; parent's buddy 34 free: tail
  f.check_invariants();
}

} // namespace

TEST_CASE("6.1 __rmqueue_pcplist / rmqueue_bulk (kernel-6.1.md §2): a refill takes max(batch >> "
          "order, 2) blocks with list_add_tail, so the list ascends and the head is handed out",
          "[zone][pcp61]") {
  ZoneFixture f(setup_61(7, 1000));
  CHECK(f.list(4, M) == Pfns{0, 16, 32, 48}); // boot: lists ascend from the head (D61-8)
  // Order 0: 7 blocks, 0..6 in extraction order; the head 0 is handed out.
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.pcp61_list(0, 0, M) == Pfns{1, 2, 3, 4, 5, 6});
  CHECK(f.pcp61().count(0) == 6);
  // Order 1: max(7 >> 1, 2) = 3 blocks: 8 (expand: 12 o2, 10 o1), 10, 12 (expand: 14 o1).
  CHECK(f.alloc(1, M) == Pfn{8});
  CHECK(f.pcp61_list(0, 1, M) == Pfns{10, 12});
  CHECK(f.pcp61().count(0) == 10); // pages: 6 + 3 x 2 - 2
  // Order 2: max(1, 2) = 2 blocks: 16 (expand 24 o3, 20 o2), 20.
  CHECK(f.alloc(2, M) == Pfn{16});
  CHECK(f.pcp61_list(0, 2, M) == Pfns{20});
  // Order 3: 2 blocks: 24, then 32 (expand 40 o3).
  CHECK(f.alloc(3, M) == Pfn{24});
  CHECK(f.pcp61_list(0, 3, M) == Pfns{32});
  // pageblock_order 4 is the THP order: 2 wanted, only 48 is left.
  CHECK(f.alloc(4, M) == Pfn{48});
  CHECK(f.pcp61_list(0, 4, M).empty());
  CHECK(f.pcp61().count(0) == 22);
  CHECK(f.list(0, M) == Pfns{7});
  CHECK(f.list(1, M) == Pfns{14});
  CHECK(f.list(3, M) == Pfns{40});
  // Nothing of order 4 is left: the refill gets nothing and rmqueue_buddy fails too.
  CHECK_FALSE(f.alloc(4, M).has_value());
  f.check_invariants();
}

TEST_CASE("6.1 __rmqueue_pcplist: with batch 1 a refill takes one block", "[zone][pcp61]") {
  ZoneFixture f(setup_61(1, 1000));
  CHECK(f.alloc(2, M) == Pfn{0});
  CHECK(f.pcp61().count(0) == 0);
  CHECK(f.alloc(0, M) == Pfn{4});
  CHECK(f.pcp61().count(0) == 0);
  f.check_invariants();
}

TEST_CASE("6.1 free_unref_page_commit (kernel-6.1.md §2): a free goes to the head of its order's "
          "list with the pageblock's type cached, a HIGHATOMIC page rides the MOVABLE list",
          "[zone][pcp61]") {
  ZoneFixture f(setup_61(2, 1000));
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.pcp61_list(0, 0, M) == Pfns{1});
  f.free(0);
  CHECK(f.pcp61_list(0, 0, M) == Pfns{0, 1});
  CHECK(f.zone().page(f.idx(0)).mt == M);
  CHECK(f.alloc(0, M) == Pfn{0}); // LIFO reuse
  f.zone().set_pageblock_migratetype(f.idx(0), HA);
  f.free(0);
  CHECK(f.pcp61_list(0, 0, M) == Pfns{0, 1});
  CHECK(f.zone().page(f.idx(0)).mt == HA);
  CHECK(f.pcp61().count(0) == 2);
  f.check_invariants();
}

TEST_CASE("6.1 order_to_pindex (NR_PCP_THP = 2, 6.1.97+): the THP order has one list for "
          "MOVABLE and one shared by UNMOVABLE and RECLAIMABLE",
          "[zone][pcp61]") {
  ZoneFixture f(setup_61(2, 1000));
  CHECK(f.alloc(4, U) == Pfn{0}); // two fallbacks, each a whole pageblock: 0 and 16
  CHECK(f.fallbacks().total == 2);
  CHECK(f.alloc(4, M) == Pfn{32});
  CHECK(f.pcp61_list(0, 4, U) == Pfns{16});
  CHECK(f.pcp61_list(0, 4, R) == Pfns{16}); // the same list
  CHECK(f.pcp61_list(0, 4, M) == Pfns{48});
  CHECK(f.pcp61().order_to_pindex(U, 4) == 12);
  CHECK(f.pcp61().order_to_pindex(M, 4) == 13);
  CHECK(f.pcp61().order_to_pindex(R, 3) == 11); // 3 x order + (UNMOVABLE 0, MOVABLE 1, RECL 2)
  CHECK(f.pcp61().order_to_pindex(M, 0) == 1);
  CHECK(f.pcp61().count(0) == 32);
  f.zone().set_pageblock_migratetype(f.idx(0), HA);
  f.free(0);
  CHECK(f.pcp61_list(0, 4, M) == Pfns{0, 48});
  f.check_invariants();
}

TEST_CASE("6.1 free_pcppages_bulk (D61-16): the drain starts at the freed page's list, empties "
          "each list from its tail, then goes round from the next index, free_high (order 1..3 "
          "while free_factor > 0) drains everything",
          "[zone][pcp61]") {
  ZoneFixture f(setup_61(2, 6));
  four_lists(f);
  // free(18): o1 M {18, 20}, count 6; free_factor 1 and order 1: nr_pcp_high 0, nr_pcp_free =
  // count. Drain from list 4 (o1 M): 20, 18; lists 5..13 empty; wrap to 0: 1; list 1 empty; 2: 33.
  f.free(18);
  check_after_full_drain(f);
  CHECK(f.pcp61().free_factor(0) == 1); // free_high returns before free_factor grows
}

TEST_CASE("PcpModel (6.1): next_drain predicts free_pcppages_bulk's order and drain_block "
          "replays it, ending in the same state",
          "[zone][pcp61][predict]") {
  ZoneFixture f(setup_61(2, 6));
  four_lists(f);
  PcpModel& model = f.linux61().pcp_model();
  Zone& zone = f.zone();
  zone.mark_freed(f.idx(18));
  model.add(zone, {0, f.idx(18), 1, M, PcpInsert::free, false, false});
  CHECK(f.pcp61_list(0, 1, M) == Pfns{18, 20});
  model.begin_drain(zone, 0, f.idx(18), 6);
  Pfns drained;
  for (PageIdx next = model.next_drain(zone, 0); next != kNoPage;
       next = model.next_drain(zone, 0)) {
    CHECK(f.linux61().would_pcp_drain(0) == next);
    drained.push_back(zone.pfn_of(next));
    model.drain_block(zone, 0, next);
  }
  CHECK(drained == Pfns{20, 18, 1, 33});
  check_after_full_drain(f);
}

TEST_CASE("PcpModel (6.1): add puts a refill at the tail and a free at the head, peek and "
          "remove are the head pop",
          "[zone][pcp61][predict]") {
  ZoneFixture f(setup_61(2, 1000));
  PcpModel& model = f.linux61().pcp_model();
  Zone& zone = f.zone();
  CHECK(model.caches(0));
  CHECK(model.caches(3));
  CHECK_FALSE(model.caches(5));
  CHECK(model.caches(4)); // pageblock_order
  // Take three order-0 blocks out of the buddy as a refill would and put them on CPU 0.
  for (const Pfn pfn : {Pfn{0}, Pfn{1}}) {
    REQUIRE(zone.take_free(f.idx(pfn), 0));
    model.add(zone, {0, f.idx(pfn), 0, M, PcpInsert::refill, false, pfn == 0});
  }
  REQUIRE(zone.take_free(f.idx(2), 0));
  model.add(zone, {0, f.idx(2), 0, M, PcpInsert::free, false, false});
  CHECK(f.pcp61_list(0, 0, M) == Pfns{2, 0, 1});
  CHECK(f.pcp61().count(0) == 3);
  CHECK(model.peek(zone, {0, 0, M, false}) == f.idx(2));
  CHECK(f.linux61().would_pcp_alloc({0, 0, M, false}) == f.idx(2));
  CHECK(model.peek(zone, {0, 0, U, false}) == kNoPage);
  model.remove(zone, 0, f.idx(2));
  zone.mark_allocated(f.idx(2), 0, M);
  CHECK(f.pcp61_list(0, 0, M) == Pfns{0, 1});
  // The policy then pops the same head, with the refill's fallback flag.
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.last_fallback());
  f.check_invariants();
}

TEST_CASE("6.1 nr_pcp_free (kernel-6.1.md §2): frees without allocations drain batch << "
          "free_factor, clamped to high - batch, rmqueue_pcplist halves free_factor",
          "[zone][pcp61]") {
  ZoneFixture f(setup_61(2, 14));
  CHECK(f.alloc(1, M) == Pfn{0}); // o1 M {2} stays: count 2
  for (Pfn pfn = 4; pfn < 44; ++pfn) REQUIRE(f.alloc(0, M) == pfn);
  CHECK(f.pcp61().count(0) == 2);
  Pfn next = 4;
  const auto free_until_drain = [&](unsigned frees) {
    for (unsigned i = 0; i < frees; ++i) f.free(next++);
  };
  free_until_drain(12); // count 14: n = 2, free_factor 0 -> 1
  CHECK(f.pcp61().count(0) == 12);
  CHECK(f.pcp61().free_factor(0) == 1);
  free_until_drain(2); // n = 4 -> free_factor 2
  CHECK(f.pcp61().count(0) == 10);
  CHECK(f.pcp61().free_factor(0) == 2);
  free_until_drain(4); // n = 8 -> free_factor 3
  CHECK(f.pcp61().count(0) == 6);
  CHECK(f.pcp61().free_factor(0) == 3);
  free_until_drain(8); // n = 16 is not below high - batch = 12: clamped to 12, stays 3
  CHECK(f.pcp61().count(0) == 2);
  CHECK(f.pcp61().free_factor(0) == 3);
  f.free(0); // order 1 while free_factor > 0: everything
  CHECK(f.pcp61().count(0) == 0);
  CHECK(f.alloc(0, M).has_value());
  CHECK(f.pcp61().free_factor(0) == 1); // 3 >> 1
  CHECK(f.alloc(0, M).has_value());
  CHECK(f.pcp61().free_factor(0) == 0);
  f.check_invariants();
}

TEST_CASE("6.1 nr_pcp_free (D61-17): high < 2 x batch drains high - batch, high < batch and "
          "high 0 drain one page",
          "[zone][pcp61]") {
  SECTION("batch 4, high 6: clamp(4, 4, 2) = 2") {
    ZoneFixture f(setup_61(4, 6));
    for (Pfn pfn = 0; pfn < 6; ++pfn) REQUIRE(f.alloc(0, M) == pfn);
    CHECK(f.pcp61().count(0) == 2);
    for (Pfn pfn = 0; pfn < 4; ++pfn) f.free(pfn); // count 6: drain 2
    CHECK(f.pcp61().count(0) == 4);
    CHECK(f.pcp61().free_factor(0) == 0); // n = 4 is not below high - batch
    f.free(4);
    f.free(5);
    CHECK(f.pcp61().count(0) == 4);
    f.check_invariants();
  }
  SECTION("batch 4, high 3: one page") {
    ZoneFixture f(setup_61(4, 3));
    CHECK(f.alloc(0, M) == Pfn{0});
    CHECK(f.pcp61().count(0) == 3);
    f.free(0); // count 4 >= 3: nr_pcp_free = 1, the tail (3)
    CHECK(f.pcp61().count(0) == 3);
    CHECK(f.pcp61_list(0, 0, M) == Pfns{0, 1, 2});
    f.check_invariants();
  }
  SECTION("high 0: every free drains one page") {
    ZoneFixture f(setup_61(4, 0));
    CHECK(f.alloc(0, M) == Pfn{0});
    CHECK(f.alloc(0, M) == Pfn{1});
    f.free(0);
    CHECK(f.pcp61().count(0) == 2);
    CHECK(f.pcp61_list(0, 0, M) == Pfns{0, 2});
    f.free(1);
    CHECK(f.pcp61_list(0, 0, M) == Pfns{1, 0});
    f.check_invariants();
  }
}
