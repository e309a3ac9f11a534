// Hand-checked scenarios for the fallback of Linux 6.15+ as 6.18 has it (zone/fallback_618):
// __rmqueue_claim (largest first, a refused claim moves nothing and the next lower order is
// tried, the MOVABLE stop below half a pageblock, ALLOC_NOFRAGMENT), __rmqueue_steal (smallest
// first, the remainder stays on the fallback type's lists), the 6.10-6.14 __rmqueue_fallback
// that steals from the same (largest) buddy when it cannot claim, the questions (would_*)
// against the doing, and 6.18's reserve_highatomic_pageblock. The functions are called on the
// zone directly; zones of 32 pages, 16-page pageblocks (pageblock_order 4: claims need 8 pages,
// should_try_claim_block's half-pageblock order is 2).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "zone/fallback_618.hpp"
#include "zone/highatomic.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

// A zone with 6.x list mechanics (tail moves, ascending boot lists): the linux-6.1 policy's
// rules, per-CPU lists off. `carved` are allocated after boot.
ZoneFixture zone_618(std::vector<PreallocatedBlock> carved = {}) {
  ZoneSetup s;
  s.pages = 32;
  s.max_order = 5;
  s.pageblock_order = 4;
  s.policy = "linux-6.1";
  s.preallocated = std::move(carved);
  s.finish_init = false;
  return ZoneFixture(s);
}

// Pageblock 16 (MOVABLE) holds 10 carved pages of `held` (16 o2, 20 o2, 24 o1); 26 (o1) and 28
// (o2) are free; pageblock 0 is then allocated whole, so those 6 pages are all that is free.
ZoneFixture six_free_pages(Migratetype held) {
  ZoneFixture f = zone_618({{16, 2, held, {}}, {20, 2, held, {}}, {24, 1, held, {}}});
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{0});
  return f;
}

Pfn pfn_of(const ZoneFixture& f, PageIdx idx) {
  return idx == kNoPage ? Pfn{~0ULL} : f.zone().pfn_of(idx);
}

} // namespace

TEST_CASE("6.18 __rmqueue_claim (kernel-6.18.md Fallback): a free block of pageblock order is "
          "claimed whole, the largest first, its remainder on the new type's lists",
          "[zone][fallback618]") {
  // All 32 pages free: 0 and 16 (o4) on M's list, ascending. An UNMOVABLE order-0 request:
  // co = 4 finds M's head 0; try_to_claim_block takes it off, re-types pageblock 0 and
  // expand()s it: 8 (o3), 4 (o2), 2 (o1), 1 (o0) go to the heads of U's lists; 0 is handed out.
  ZoneFixture f = zone_618();
  f.zone().finish_init();
  AllocatorCounters counters;
  CHECK(pfn_of(f, would_claim(f.zone(), 0, U, false)) == 0);
  const Taken taken = rmqueue_claim(f.zone(), 0, {U, false, nullptr, &counters});
  CHECK(pfn_of(f, taken.block) == 0);
  CHECK(taken.how == TakeSource::fallback_claim);
  CHECK(f.pageblock_type(0) == U);
  CHECK(f.list(3, U) == Pfns{8});
  CHECK(f.list(0, U) == Pfns{1});
  CHECK(f.list(4, M) == Pfns{16});
  CHECK(counters.fallbacks.total == 1);
  CHECK(counters.fallbacks.fragmenting == 0);
  CHECK(counters.ownership.claims[index_of(U)] == 1);
}

TEST_CASE("6.18 try_to_claim_block (kernel-6.18.md Fallback): below pageblock order the "
          "pageblock is claimed when free + alike pages reach half of it, and "
          "__rmqueue_smallest picks the smallest block moved",
          "[zone][fallback618]") {
  // Pageblock 16 holds 10 UNMOVABLE pages; free 26 (o1), 28 (o2). An UNMOVABLE order-0
  // request: co = 4, 3 are empty; co = 2: M's head 28. free 6 + alike (16 - 6 - 0 movable) =
  // 16 >= 8: claimed. The block's free blocks move in pfn order to the (empty) U lists' tails:
  // 26 to U o1, 28 to U o2; __rmqueue_smallest(0, U) takes 26 and expand()s 27 to U o0.
  ZoneFixture f = six_free_pages(U);
  AllocatorCounters counters;
  CHECK(pfn_of(f, would_claim(f.zone(), 0, U, false)) == 26);
  const Taken taken = rmqueue_claim(f.zone(), 0, {U, false, nullptr, &counters});
  CHECK(pfn_of(f, taken.block) == 26);
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.list(0, U) == Pfns{27});
  CHECK(f.list(2, U) == Pfns{28});
  CHECK(f.list(2, M).empty());
  CHECK(counters.fallbacks.fragmenting == 1);
  CHECK(counters.fallbacks.by_pair[index_of(U)][index_of(M)] == 1);
}

TEST_CASE("6.18 __rmqueue_claim refuses and moves nothing, then __rmqueue_steal takes exactly "
          "the request from the smallest fallback block (6.15 split), and 6.10-6.14 instead steals "
          "from the largest",
          "[zone][fallback618]") {
  // Pageblock 16 holds 10 MOVABLE pages: for an UNMOVABLE request alike = 16 - 6 - 10 = 0 and
  // free 6 < 8, so the claims at co = 2 (28) and co = 1 (26) are refused; nothing moves.
  ZoneFixture f = six_free_pages(M);
  AllocatorCounters counters;
  CHECK(would_claim(f.zone(), 0, U, false) == kNoPage);
  CHECK(rmqueue_claim(f.zone(), 0, {U, false, nullptr, &counters}).block == kNoPage);
  CHECK(f.list(1, M) == Pfns{26});
  CHECK(f.list(2, M) == Pfns{28});
  CHECK(counters.fallbacks.total == 0);
  SECTION("6.15+: the steal starts at the smallest order: 26 (o1) split, 27 stays on M o0") {
    CHECK(pfn_of(f, would_steal(f.zone(), 0, U)) == 26);
    const Taken taken = rmqueue_steal(f.zone(), 0, {U, false, nullptr, &counters});
    CHECK(pfn_of(f, taken.block) == 26);
    CHECK(taken.how == TakeSource::fallback_steal);
    CHECK(f.list(0, M) == Pfns{27});
    CHECK(f.list(2, M) == Pfns{28});
    CHECK(f.pageblock_type(16) == M);
    CHECK(counters.ownership.steals[index_of(U)][index_of(M)] == 1);
  }
  SECTION("6.10-6.14: the largest block (28, o2) is found, cannot be claimed, and is split: "
          "30 (o1) and 29 (o0) stay on M's lists, at their heads") {
    CHECK(pfn_of(f, would_fallback_610(f.zone(), 0, U, false)) == 28);
    const Taken taken = rmqueue_fallback_610(f.zone(), 0, {U, false, nullptr, &counters});
    CHECK(pfn_of(f, taken.block) == 28);
    CHECK(taken.how == TakeSource::fallback_steal);
    CHECK(f.list(1, M) == Pfns{30, 26});
    CHECK(f.list(0, M) == Pfns{29});
    CHECK(f.pageblock_type(16) == M);
  }
}

TEST_CASE("6.18 find_suitable_fallback (kernel-6.18.md Fallback): a MOVABLE claim stops at the "
          "first order below half a pageblock, even when that order is empty, and the steal then "
          "takes the UNMOVABLE block",
          "[zone][fallback618]") {
  // Pageblock 0 (re-typed UNMOVABLE) holds carved 0 o3, 8 o2, 12 o1: 14 (o1) is free on U's
  // list; pageblock 16 is allocated whole. A MOVABLE order-0 request: co = 4..2 have no free
  // block; co = 1 < 2 is unclaimable for MOVABLE: -2, the claim loop ends.
  ZoneFixture f = zone_618({{0, 3, U, {}}, {8, 2, U, {}}, {12, 1, U, {}}});
  f.zone().set_pageblock_migratetype(f.idx(0), U);
  f.move_freepages_block(0, U);
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{16});
  const FallbackFind at_1 = find_suitable_fallback_618(f.zone(), 1, M, true);
  CHECK(at_1.kind == FallbackFind::Kind::unclaimable);
  CHECK(find_suitable_fallback_618(f.zone(), 1, M, false).kind == FallbackFind::Kind::found);
  CHECK(find_suitable_fallback_618(f.zone(), 3, M, true).kind == FallbackFind::Kind::none);
  AllocatorCounters counters;
  CHECK(rmqueue_claim(f.zone(), 0, {M, false, nullptr, &counters}).block == kNoPage);
  const Taken taken = rmqueue_steal(f.zone(), 0, {M, false, nullptr, &counters});
  CHECK(pfn_of(f, taken.block) == 14);
  CHECK(f.list(0, U) == Pfns{15});
  CHECK(f.pageblock_type(0) == U);
}

TEST_CASE("6.18 __rmqueue_claim under ALLOC_NOFRAGMENT (defrag_mode): only blocks of pageblock "
          "order or more are claimed",
          "[zone][fallback618]") {
  ZoneFixture f = six_free_pages(U);
  AllocatorCounters counters;
  CHECK(would_claim(f.zone(), 0, U, true) == kNoPage);
  CHECK(rmqueue_claim(f.zone(), 0, {U, true, nullptr, &counters}).block == kNoPage);
  CHECK(would_fallback_610(f.zone(), 0, U, true) == kNoPage);
  CHECK(f.pageblock_type(16) == M);
  CHECK(counters.fallbacks.total == 0);
}

TEST_CASE("6.18 reserve_highatomic_pageblock (6.8+ limit): nothing while managed / 100 is below "
          "a pageblock, and the limit is managed / 100 rounded up to pageblocks",
          "[zone][fallback618][highatomic]") {
  ZoneFixture f = zone_618();
  f.zone().finish_init();
  HighatomicReserve small{0, 1599}; // 1599 / 100 = 15 < 16: never
  CHECK_FALSE(reserve_highatomic_pageblock_618(f.zone(), small, f.idx(0), 0));
  // 1700 / 100 = 17 -> ALIGN(17, 16) = 32 pages: two pageblocks, then no more.
  HighatomicReserve reserve{0, 1700};
  CHECK(reserve_highatomic_pageblock_618(f.zone(), reserve, f.idx(0), 0));
  CHECK(f.pageblock_type(0) == HA);
  CHECK(f.list(4, HA) == Pfns{0});
  CHECK(reserve.nr_reserved == 16);
  CHECK_FALSE(reserve_highatomic_pageblock_618(f.zone(), reserve, f.idx(3), 0)); // HIGHATOMIC
  CHECK(f.alloc(4, M) == Pfn{16}); // a take of pageblock order: re-typed whole, nothing moved
  CHECK(reserve_highatomic_pageblock_618(f.zone(), reserve, f.idx(16), 4));
  CHECK(reserve.nr_reserved == 32);
  CHECK(f.pageblock_type(16) == HA);
  HighatomicReserve full{32, 1700};
  CHECK_FALSE(reserve_highatomic_pageblock_618(f.zone(), full, f.idx(16), 0));
}
