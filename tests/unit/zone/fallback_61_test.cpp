// Hand-checked scenarios for the fallback of Linux 6.1 (zone/fallback_61) through the linux-6.1
// policy's __rmqueue (per-CPU lists off): steal_suitable_fallback's alike claim rule (D61-19),
// the retry after the steal, find_smallest, can_steal_fallback for UNMOVABLE, the HIGHATOMIC
// guard, change_pageblock_range, tail moves, the zone edge (D61-7), each against its switch.
// Zones of 32 or 64 pages, 16-page pageblocks (pageblock_order 4: the claim threshold is 8).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

ZoneSetup setup_61(std::uint64_t pages, std::vector<PreallocatedBlock> preallocated = {},
                   std::map<std::string, bool> switches = {}) {
  ZoneSetup s;
  s.pages = pages;
  s.max_order = 5;
  s.pageblock_order = 4;
  s.policy = "linux-6.1";
  s.preallocated = std::move(preallocated);
  s.switches = std::move(switches);
  s.finish_init = false;
  return s;
}

// Pageblock 16 re-typed (initialisation, not counted) with its free pages moved along.
void retype_pageblock_16(ZoneFixture& f, Migratetype mt) {
  f.zone().set_pageblock_migratetype(f.idx(16), mt);
  f.move_freepages_block(16, mt);
}

// Pageblock 16 holds 10 carved pages of `held` (16 o2, 20 o2, 24 o1); 26 (o1) and 28 (o2) are
// free; pageblock 0 is then allocated whole, so the only free pages are those 6.
ZoneFixture six_free_pages(Migratetype held, Migratetype block_type,
                           std::map<std::string, bool> switches = {}) {
  ZoneFixture f(
      setup_61(32, {{16, 2, held, {}}, {20, 2, held, {}}, {24, 1, held, {}}}, std::move(switches)));
  if (block_type != M) retype_pageblock_16(f, block_type);
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{0});
  return f;
}

// Pageblock 16 holds carved 16 o3, 24 o2, 28 o0; 29 (o0) and 30 (o1) are free.
ZoneFixture three_free_pages(Migratetype block_type, std::map<std::string, bool> switches = {}) {
  ZoneFixture f(
      setup_61(32, {{16, 3, U, {}}, {24, 2, U, {}}, {28, 0, U, {}}}, std::move(switches)));
  if (block_type != M) retype_pageblock_16(f, block_type);
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{0});
  return f;
}

} // namespace

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4): an UNMOVABLE fallback claims a MOVABLE "
          "pageblock "
          "when free + alike >= 256 (here 8), alike being its non-movable pages",
          "[zone][fallback61]") {
  // free 6 (26 o1, 28 o2) + alike 16 - 6 - 0 = 10: claimed. The fallback steals the largest
  // block (28), moves the pageblock's free pages to the tail of the U lists, and the retry's
  // __rmqueue_smallest takes the smallest: 26 (expand: 27 to U o0).
  ZoneFixture f = six_free_pages(U, M);
  CHECK(f.alloc(0, U) == Pfn{26});
  CHECK(f.last_fallback());
  CHECK(f.last_source() == TakeSource::fallback_claim);
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.list(0, U) == Pfns{27});
  CHECK(f.list(2, U) == Pfns{28});
  CHECK(f.fallbacks().total == 1);
  CHECK(f.fallbacks().fragmenting == 1);
  CHECK(f.by_pair(U, M) == 1);
  CHECK(f.policy().counters().ownership.claims[index_of(U)] == 1);
  CHECK(f.retypes(M, U) == 1);
  f.check_invariants();
}

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4), alike_rule off: 6 free pages do not "
          "claim, the "
          "moved pages are a loan",
          "[zone][fallback61]") {
  ZoneFixture f = six_free_pages(U, M, {{"linux_6_1.alike_rule", false}});
  CHECK(f.alloc(0, U) == Pfn{26});
  CHECK(f.last_source() == TakeSource::fallback_steal);
  CHECK(f.pageblock_type(16) == M);
  CHECK(f.list(2, U) == Pfns{28}); // still moved
  CHECK(f.policy().counters().ownership.steals[index_of(U)][index_of(M)] == 1);
  CHECK(f.total_retypes() == 0);
  f.check_invariants();
}

TEST_CASE("6.1 __rmqueue (kernel-6.1.md §4), steal_retry off: the stolen block itself is split, as "
          "in 3.11",
          "[zone][fallback61]") {
  ZoneFixture f = six_free_pages(U, M, {{"linux_6_1.steal_retry", false}});
  CHECK(f.alloc(0, U) == Pfn{28});
  CHECK(f.last_fallback());
  CHECK(f.list(0, U) == Pfns{29});
  CHECK(f.list(1, U) == Pfns{30, 26}); // expand's half to the head, before the moved 26
  f.check_invariants();
}

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4): a MOVABLE fallback claims an UNMOVABLE "
          "pageblock "
          "when free + its movable pages >= half of it",
          "[zone][fallback61]") {
  ZoneFixture f = six_free_pages(M, U);
  CHECK(f.list(2, U) == Pfns{28});
  CHECK(f.alloc(0, M) == Pfn{26});  // 28 stolen (order 2 >= pageblock_order / 2), retry takes 26
  CHECK(f.pageblock_type(16) == M); // free 6 + movable 10
  CHECK(f.last_source() == TakeSource::fallback_claim);
  CHECK(f.by_pair(M, U) == 1);
  f.check_invariants();
  ZoneFixture off = six_free_pages(M, U, {{"linux_6_1.alike_rule", false}});
  CHECK(off.alloc(0, M) == Pfn{26});
  CHECK(off.pageblock_type(16) == U);
}

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4): UNMOVABLE from a RECLAIMABLE pageblock "
          "counts no "
          "alike pages",
          "[zone][fallback61]") {
  ZoneFixture f = six_free_pages(U, R); // 10 unmovable pages, but the block is not MOVABLE
  CHECK(f.alloc(0, U) == Pfn{26});
  CHECK(f.by_pair(U, R) == 1); // RECLAIMABLE is first in UNMOVABLE's fallbacks[] row
  CHECK(f.pageblock_type(16) == R);
  CHECK(f.last_source() == TakeSource::fallback_steal);
  f.check_invariants();
}

TEST_CASE("6.1 __rmqueue_fallback find_smallest (kernel-6.1.md §4): a MOVABLE request that cannot "
          "steal the "
          "largest fallback block takes the smallest one",
          "[zone][fallback61]") {
  // Largest first: order 1 (30) on the U list, can_steal_fallback(1, MOVABLE) false, 1 > 0: the
  // smallest order with a fallback block is 0 (29), moved alone to the MOVABLE list.
  ZoneFixture f = three_free_pages(U);
  CHECK(f.alloc(0, M) == Pfn{29});
  CHECK(f.last_source() == TakeSource::fallback_steal);
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.list(1, U) == Pfns{30});
  CHECK(f.fallbacks().fragmenting == 1);
  f.check_invariants();
  ZoneFixture off = three_free_pages(U, {{"linux_6_1.find_smallest", false}});
  CHECK(off.alloc(0, M) == Pfn{30}); // 3.11: the largest, split (31 to M o0)
  CHECK(off.list(0, M) == Pfns{31});
  CHECK(off.list(0, U) == Pfns{29});
}

TEST_CASE(
    "6.1 can_steal_fallback (kernel-6.1.md §4): an UNMOVABLE request steals the pageblock whatever "
    "the order (3.11: only from pageblock_order / 2, or RECLAIMABLE)",
    "[zone][fallback61]") {
  // Order-1 block 30 in a MOVABLE pageblock: the whole pageblock moves (29, 30), free 3 + alike
  // 13 claims it, and the retry takes the order-0 block 29.
  ZoneFixture f = three_free_pages(M);
  CHECK(f.alloc(0, U) == Pfn{29});
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.list(1, U) == Pfns{30});
  f.check_invariants();
  ZoneFixture off = three_free_pages(M, {{"linux_6_1.unmovable_steals", false}});
  CHECK(off.alloc(0, U) == Pfn{30}); // a single block moved: 30, split (31 to U o0)
  CHECK(off.pageblock_type(16) == M);
  CHECK(off.list(0, U) == Pfns{31});
  CHECK(off.list(0, M) == Pfns{29});
}

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4): a block of a HIGHATOMIC pageblock is "
          "moved alone "
          "and the pageblock keeps its type",
          "[zone][fallback61][highatomic]") {
  ZoneFixture f(setup_61(32));
  f.zone().set_pageblock_migratetype(f.idx(16), HA); // its free block stays on the M list
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{0});
  CHECK(f.alloc(0, U) == Pfn{16});
  CHECK(f.pageblock_type(16) == HA);
  CHECK(f.last_source() == TakeSource::fallback_steal);
  CHECK(f.list(3, U) == Pfns{24}); // expand onto the requester's lists
  CHECK(f.policy().counters().ownership.steals[index_of(U)][index_of(M)] == 1);
  CHECK(f.total_retypes() == 0);
  f.check_invariants();
}

TEST_CASE("6.1 steal_suitable_fallback (kernel-6.1.md §4): a block of more than one pageblock "
          "re-types every "
          "pageblock it covers (change_pageblock_range)",
          "[zone][fallback61]") {
  ZoneSetup s = setup_61(64);
  s.max_order = 6; // 32-page blocks over two 16-page pageblocks
  ZoneFixture f(s);
  f.zone().finish_init();
  CHECK(f.list(5, M) == Pfns{0, 32});
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{U, U, M, M});
  CHECK(f.policy().counters().ownership.claims[index_of(U)] == 2);
  CHECK(f.retypes(M, U) == 2);
  CHECK(f.fallbacks().fragmenting == 0);
  CHECK(f.list(4, U) == Pfns{16});
  f.check_invariants();
}

TEST_CASE(
    "6.1 move_freepages (kernel-6.1.md §4): moved blocks go to the tail of the new list (3.11: the "
    "head)",
    "[zone][fallback61]") {
  ZoneFixture f(setup_61(64));
  f.zone().finish_init();
  CHECK(f.move_freepages_block(16, U) == 16);
  CHECK(f.move_freepages_block(32, U) == 16);
  CHECK(f.list(4, U) == Pfns{16, 32});
  ZoneFixture off(setup_61(64, {}, {{"linux_6_1.move_to_tail", false}}));
  off.move_freepages_block(16, U);
  off.move_freepages_block(32, U);
  CHECK(off.list(4, U) == Pfns{32, 16});
}

TEST_CASE("6.1 move_freepages_block (D61-7): a pageblock that sticks out of the zone moves "
          "nothing, so the steal takes a single block and claims nothing",
          "[zone][fallback61]") {
  ZoneFixture f(setup_61(40)); // boot: 0 o4, 16 o4, 32 o3; pageblock 32 ends past the zone
  f.zone().finish_init();
  CHECK(f.list(3, M) == Pfns{32});
  CHECK(f.alloc(4, M) == Pfn{0});
  CHECK(f.alloc(4, M) == Pfn{16});
  CHECK(f.alloc(0, U) == Pfn{32});
  CHECK(f.pageblock_type(32) == M);
  CHECK(f.last_source() == TakeSource::fallback_steal);
  CHECK(f.list(2, U) == Pfns{36});
  f.check_invariants();
}

TEST_CASE("6.1 find_suitable_fallback (kernel-6.1.md §4): fallbacks[] order per requester, nothing "
          "when no "
          "other type has a block",
          "[zone][fallback61]") {
  ZoneFixture f(setup_61(32));
  f.zone().finish_init();
  const Fallback61Rules rules;
  bool can_steal = true;
  CHECK_FALSE(find_suitable_fallback(f.zone(), 0, U, false, can_steal, rules).has_value());
  CHECK(can_steal); // an empty free area returns before touching can_steal (D61-18)
  CHECK(find_suitable_fallback(f.zone(), 4, U, false, can_steal, rules) == M);
  CHECK(can_steal);
  CHECK(find_suitable_fallback(f.zone(), 4, R, false, can_steal, rules) == M);
  CHECK_FALSE(find_suitable_fallback(f.zone(), 4, M, false, can_steal, rules).has_value());
  CHECK_FALSE(can_steal);
  CHECK(can_steal_fallback(2, 4, M, rules));
  CHECK_FALSE(can_steal_fallback(1, 4, M, rules));
  CHECK(can_steal_fallback(1, 4, R, rules));
  CHECK(can_steal_fallback(0, 4, U, rules));
  CHECK_FALSE(can_steal_fallback(0, 4, U, {true, true, false}));
}
