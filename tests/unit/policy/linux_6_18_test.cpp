// Hand-checked scenarios for the linux-6.18 policy (policy/linux_6_18) where 6.18 decides
// differently from 6.1: the rmqueue_mode memo of a refill (a steal sticks for the rest of it),
// defrag_mode's partial refill under ALLOC_NOFRAGMENT, split_large_buddy and the merge that
// re-types the buddy (free-list hygiene) against its switch, and the prediction hooks against
// the doing. Zones of 64 pages, 16-page pageblocks (pageblock_order 4), orders 0..4 (0..5 for
// the split), per-CPU batch 3 with high fixed at 100 (high_min = high_max: no tuning here).
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "policy/linux_6_18.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

ZoneSetup setup_618(std::vector<PreallocatedBlock> carved, bool pcp,
                    std::map<std::string, bool> switches = {}) {
  ZoneSetup s;
  s.pages = 64;
  s.max_order = 5;
  s.pageblock_order = 4;
  s.policy = "linux-6.18";
  s.pcp = pcp;
  s.batch = 3;
  s.high_min = 100;
  s.high_max = 100;
  s.preallocated = std::move(carved);
  s.switches = std::move(switches);
  s.finish_init = false;
  return s;
}

const Linux618Policy& policy_of(const ZoneFixture& f) {
  return dynamic_cast<const Linux618Policy&>(f.policy());
}

// Pageblock 32 (MOVABLE) holds UNMOVABLE 32 o3 and 40 o2: its free 44 (o2) can be claimed by an
// UNMOVABLE request (free 4 + alike 12 >= 8). Pageblock 16 holds MOVABLE 16 o3 and 24 o2: its
// free 28 (o2) cannot (alike 0). Carved in that order, M's order-2 list is [28, 44]; pageblocks
// 0 and 48 are then allocated whole, so 28 and 44 are all that is free.
ZoneFixture memo_state(bool pcp) {
  ZoneFixture f(setup_618({{32, 3, U, {}}, {40, 2, U, {}}, {16, 3, M, {}}, {24, 2, M, {}}}, pcp));
  f.zone().finish_init();
  CHECK(f.alloc(4, M) == Pfn{0});
  CHECK(f.alloc(4, M) == Pfn{48});
  CHECK(f.list(2, M) == Pfns{28, 44});
  return f;
}

} // namespace

TEST_CASE("6.18 __rmqueue's rmqueue_mode memo (kernel-6.18.md Fallback): after a steal a refill "
          "keeps stealing, while two buddy allocations start in RMQUEUE_NORMAL each time",
          "[policy][linux618]") {
  SECTION("a per-CPU refill of 3: the claim of 28 is refused, 28 is stolen (30 o1 and 29 o0 stay "
          "on M's lists); in RMQUEUE_STEAL the next two pages are stolen too: 29, then 30 "
          "(31 stays on M o0). The claimable 44 is never looked at") {
    ZoneFixture f = memo_state(true);
    CHECK(f.alloc(0, U) == Pfn{28});
    CHECK(f.last_source() == TakeSource::pcp);
    CHECK(policy_of(f).pcp().count(0) == 2);
    CHECK(f.list(2, M) == Pfns{44});
    CHECK(f.list(0, M) == Pfns{31});
    CHECK(f.pageblock_type(32) == M);
    CHECK(f.fallbacks().total == 3);
    CHECK(f.policy().counters().ownership.steals[index_of(U)][index_of(M)] == 3);
  }
  SECTION("per-CPU lists off: the first allocation steals 28; the second starts in NORMAL, and "
          "its claim finds 44 at the head of M o2: pageblock 32 becomes UNMOVABLE and "
          "__rmqueue_smallest splits 44") {
    ZoneFixture f = memo_state(false);
    CHECK(f.alloc(0, U) == Pfn{28});
    CHECK(f.last_source() == TakeSource::fallback_steal);
    CHECK(policy_of(f).would_rmqueue(0, U) == f.idx(44));
    CHECK(f.alloc(0, U) == Pfn{44});
    CHECK(f.last_source() == TakeSource::fallback_claim);
    CHECK(f.pageblock_type(32) == U);
    CHECK(f.list(1, U) == Pfns{46});
    CHECK(f.list(0, U) == Pfns{45});
  }
}

TEST_CASE(
    "6.18 vm.defrag_mode (kernel-6.18.md Fallback): ALLOC_NOFRAGMENT stops a refill at the "
    "first page only a sub-pageblock fallback could give, and the allocation itself is served",
    "[policy][linux618]") {
  // Pageblock 0 (UNMOVABLE) has one free page, 15; pageblock 16 (MOVABLE) the free 28 (o2,
  // not claimable); pageblocks 32 and 48 are allocated.
  for (const bool defrag : {false, true}) {
    ZoneFixture f(setup_618({{0, 3, U, {}},
                             {8, 2, U, {}},
                             {12, 1, U, {}},
                             {14, 0, U, {}},
                             {16, 3, M, {}},
                             {24, 2, M, {}}},
                            true, {{"linux_6_18.defrag_mode", defrag}}));
    f.zone().set_pageblock_migratetype(f.idx(0), U);
    f.move_freepages_block(0, U);
    f.zone().finish_init();
    CHECK(f.alloc(4, M) == Pfn{32});
    CHECK(f.alloc(4, M) == Pfn{48});
    CHECK(f.list(0, U) == Pfns{15});
    INFO("defrag_mode " << defrag);
    CHECK(f.alloc(0, U) == Pfn{15});
    // Default: the refill steals 28, then (STEAL) 29. defrag_mode: no steal, the refill ends.
    CHECK(policy_of(f).pcp().count(0) == (defrag ? 0U : 2U));
    CHECK(f.fallbacks().total == (defrag ? 0U : 2U));
    CHECK(f.list(2, M) == (defrag ? Pfns{28} : Pfns{}));
  }
}

TEST_CASE("6.18 split_large_buddy and the hygiene merge (kernel-6.18.md Free path): a block "
          "above pageblock order is freed pageblock by pageblock, and the merge re-types the "
          "buddy, and hygiene off frees it whole with its first pageblock's type",
          "[policy][linux618]") {
  for (const bool hygiene : {true, false}) {
    ZoneSetup s = setup_618({}, false, {{"linux_6_18.hygiene", hygiene}});
    s.max_order = 6; // order 5 (32 pages) is above pageblock order
    ZoneFixture f(s);
    f.zone().finish_init();
    CHECK(f.alloc(5, M) == Pfn{0});
    f.zone().set_pageblock_migratetype(f.idx(0), U); // as a claim would while it is allocated
    f.free(0);
    INFO("hygiene " << hygiene);
    if (hygiene) {
      // 0 (o4) freed as UNMOVABLE, then 16 (o4) as MOVABLE merges with it: pageblock 0 takes
      // MOVABLE and the order-5 block sits on M's list.
      CHECK(f.list(5, M) == Pfns{0, 32});
      CHECK(f.pageblock_type(0) == M);
    } else {
      CHECK(f.list(5, U) == Pfns{0});
      CHECK(f.pageblock_type(0) == U);
      CHECK(f.pageblock_type(16) == M);
    }
    f.check_invariants();
  }
}

TEST_CASE("linux-6.18 reports its resolved per-CPU bounds and switches", "[policy][linux618]") {
  ZoneFixture f(setup_618({}, true, {{"linux_6_18.pcp_autotune", false}}));
  nlohmann::ordered_json out;
  f.policy().config_json(out);
  CHECK(out["pcp"]["batch"] == 3);
  CHECK(out["pcp"]["high_min"] == 100);
  CHECK(out["pcp"]["high_max"] == 100);
  CHECK(out["linux_6_18"]["pcp_autotune"] == false);
  CHECK(out["linux_6_18"]["claim_steal"] == true);
  CHECK(out["linux_6_18"]["defrag_mode"] == false);
}

TEST_CASE("linux-6.18 drain_all_pages (decision 137): a request that may reclaim and finds "
          "nothing drains every CPU's lists and tries again, and an atomic one fails",
          "[policy][linux618]") {
  ZoneSetup s = setup_618({}, true);
  s.cpus = 2;
  ZoneFixture f(s);
  f.zone().finish_init();
  // All 64 pages allocated as order-4 blocks, then block 16 split and its pages freed on CPU 1:
  // they sit on CPU 1's MOVABLE list (high 100 is never reached), the buddy is empty.
  for (const Pfn pfn : {Pfn{0}, Pfn{16}, Pfn{32}, Pfn{48}}) CHECK(f.alloc(4, M) == pfn);
  f.split(16);
  for (Pfn p = 16; p < 32; ++p) f.free(p, 1);
  CHECK(policy_of(f).pcp().count(1) == 16);
  CHECK(f.free_pages() == 0);
  SECTION("GFP_ATOMIC (no __GFP_DIRECT_RECLAIM): nothing is drained, the request fails") {
    CHECK_FALSE(f.alloc_gfp(0, M, gfp::high | gfp::kswapd_reclaim, 0));
    CHECK(policy_of(f).pcp().count(1) == 16);
  }
  SECTION("no gfp (taken as able to reclaim): CPU 1's lists are drained and the retry's refill "
          "on CPU 0 takes from the buddy") {
    CHECK(f.alloc(0, M, 0));
    CHECK(policy_of(f).pcp().count(1) == 0);
    nlohmann::ordered_json state;
    f.policy().state_json(state);
    CHECK(state["drain_all_pages"] == 1);
  }
  f.check_invariants();
}
