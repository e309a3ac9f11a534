// Hand-checked scenarios for the linux-6.1 policy (policy/linux_6_1): boot order (D61-8),
// HIGHATOMIC reserves from gfp (D61-3), the merge barrier, the D61-10 fallback flags, the
// per-CPU switches (D61-14, pcp_high_orders), predictions that change nothing, and the policy
// as the command line sees it: its registry row, its zone defaults beneath every layer (D61-1),
// its config section (D61-5) and stats keys (D61-13).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"
#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

ZoneSetup setup_61(std::uint64_t pages = 64, bool pcp = false) {
  ZoneSetup s;
  s.pages = pages;
  s.max_order = 5;
  s.pageblock_order = 4;
  s.pcp = pcp;
  s.batch = 2;
  s.high = 1000;
  s.policy = "linux-6.1";
  return s;
}

constexpr GfpMask kGfpAtomic = gfp::high | gfp::atomic | gfp::kswapd_reclaim;
constexpr GfpMask kGfpKernel = gfp::reclaim | gfp::io | gfp::fs;
constexpr GfpMask kGfpNowait = gfp::kswapd_reclaim;

nlohmann::json replay_json(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"replay", source_path("traces/quickstart.jsonl"), "--json", "-"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_memsim(args);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(r.out);
}

} // namespace

TEST_CASE(
    "6.1 boot (D61-8, kernel-6.1.md §8): max-order blocks freed ascending with FPI_TO_TAIL, so "
    "the lists ascend from the head and the first allocation takes the lowest pfn",
    "[policy][linux61]") {
  ZoneFixture f(setup_61());
  CHECK(f.list(4, M) == Pfns{0, 16, 32, 48});
  CHECK(f.pageblock_types() == std::vector<Migratetype>{M, M, M, M});
  CHECK(f.alloc(0, M) == Pfn{0});
  CHECK(f.list(3, M) == Pfns{8});
  ZoneSetup s = setup_61();
  s.switches = {{"linux_6_1.boot_to_tail", false}};
  ZoneFixture head(s);
  CHECK(head.list(4, M) == Pfns{48, 32, 16, 0});
  CHECK(head.alloc(0, M) == Pfn{48});
}

TEST_CASE("6.1 reserve_highatomic_pageblock (D61-3, kernel-6.1.md §5): a GFP_ATOMIC order-1 "
          "request makes "
          "its pageblock HIGHATOMIC, and the next one is served from the HIGHATOMIC lists",
          "[policy][linux61][highatomic]") {
  ZoneFixture f(setup_61());
  // __rmqueue: fallback to pageblock 0 (change_pageblock_range), retry takes 0; then the
  // pageblock is reserved: its free blocks 2, 4, 8 move to the HIGHATOMIC lists.
  CHECK(f.alloc_gfp(1, U, kGfpAtomic) == Pfn{0});
  CHECK(f.pageblock_type(0) == HA);
  CHECK(f.list(1, HA) == Pfns{2});
  CHECK(f.list(2, HA) == Pfns{4});
  CHECK(f.list(3, HA) == Pfns{8});
  CHECK(f.linux61().nr_reserved_highatomic() == 16);
  CHECK(f.retypes(M, U) == 1);
  CHECK(f.retypes(U, HA) == 1);
  // rmqueue_buddy: ALLOC_HIGHATOMIC tries the HIGHATOMIC lists first. The limit (64 / 100 + 16
  // pages) is reached: no second reserve.
  CHECK(f.alloc_gfp(1, U, kGfpAtomic) == Pfn{2});
  CHECK(f.last_source() == TakeSource::highatomic);
  CHECK_FALSE(f.last_fallback());
  CHECK(f.linux61().nr_reserved_highatomic() == 16);
  // Blocking, order-0 and GFP_NOWAIT (6.1.157: __GFP_HIGH needed) requests never reserve.
  CHECK(f.alloc_gfp(1, U, kGfpKernel) == Pfn{16});
  CHECK(f.alloc_gfp(0, U, kGfpAtomic) == Pfn{18});
  CHECK(f.alloc_gfp(1, U, kGfpNowait) == Pfn{20});
  CHECK(f.pageblock_type(16) == U);
  CHECK(f.linux61().nr_reserved_highatomic() == 16);
  f.check_invariants();
}

TEST_CASE("6.1 reserve_highatomic_pageblock (kernel-6.1.md §5): it runs after a per-CPU take too, "
          "blocks on "
          "the per-CPU list stay there, highatomic=false or no gfp reserves nothing",
          "[policy][linux61][highatomic]") {
  ZoneFixture f(setup_61(64, true));
  CHECK(f.alloc_gfp(1, M, kGfpAtomic) == Pfn{0}); // refill 0, 2 (order 1); 0 handed out
  CHECK(f.pageblock_type(0) == HA);
  CHECK(f.pcp61_list(0, 1, M) == Pfns{2});
  CHECK(f.list(2, HA) == Pfns{4});
  CHECK(f.list(3, HA) == Pfns{8});
  f.check_invariants();
  ZoneSetup s = setup_61(64, true);
  s.switches = {{"linux_6_1.highatomic", false}};
  ZoneFixture off(s);
  CHECK(off.alloc_gfp(1, M, kGfpAtomic) == Pfn{0});
  CHECK(off.pageblock_type(0) == M);
  ZoneFixture no_gfp(setup_61(64, true));
  CHECK(no_gfp.alloc(1, M) == Pfn{0});
  CHECK(no_gfp.pageblock_type(0) == M);
}

TEST_CASE(
    "6.1 rmqueue_buddy (6.1.116+, kernel-6.1.md §5): a non-blocking request __rmqueue cannot serve "
    "takes from the HIGHATOMIC lists, a blocking or __GFP_NOMEMALLOC one fails",
    "[policy][linux61][highatomic]") {
  const auto run = [](bool highatomic) {
    ZoneSetup s = setup_61(32);
    s.switches = {{"linux_6_1.highatomic", highatomic}};
    return s;
  };
  ZoneFixture f(run(true));
  // Pageblock 0 is taken by an UNMOVABLE fallback, then reserved: 2, 4, 8 go to HIGHATOMIC.
  CHECK(f.alloc_gfp(1, U, kGfpAtomic) == Pfn{0});
  CHECK(f.pageblock_type(0) == HA);
  CHECK(f.alloc(4, M) == Pfn{16}); // the other pageblock: nothing free but HIGHATOMIC now
  CHECK(f.alloc_gfp(0, U, kGfpKernel) == std::nullopt); // HIGHATOMIC is no fallback
  CHECK(f.alloc_gfp(0, U, kGfpNowait | gfp::nomemalloc) == std::nullopt); // not ALLOC_NON_BLOCK
  CHECK(f.alloc_gfp(0, U, kGfpNowait) == Pfn{2}); // ALLOC_NON_BLOCK: the smallest HIGHATOMIC head
  CHECK(f.last_source() == TakeSource::highatomic);
  CHECK(f.list(0, HA) == Pfns{3});
  CHECK(f.alloc_gfp(0, M, kGfpAtomic) == Pfn{3});
  f.check_invariants();
  ZoneFixture off(run(false));
  CHECK(off.alloc_gfp(1, U, kGfpAtomic) == Pfn{0});
  CHECK(off.alloc(4, M) == Pfn{16});
  // No reserve was made: 2, 4, 8 are on U's lists, and a MOVABLE fallback of order 3 (>=
  // pageblock_order / 2) claims the pageblock; the retry takes the smallest block, 2.
  CHECK(off.alloc_gfp(0, M, kGfpNowait) == Pfn{2});
  CHECK(off.last_source() == TakeSource::fallback_claim);
  CHECK(off.pageblock_type(0) == M);
}

TEST_CASE("6.1 __free_one_page merge barrier (kernel-6.1.md §3): at pageblock order a free block "
          "does not "
          "merge with a buddy in a HIGHATOMIC pageblock",
          "[policy][linux61][highatomic]") {
  const auto run = [](bool barrier) {
    ZoneSetup s = setup_61();
    s.max_order = 6; // 32-page blocks: two pageblocks each
    s.switches = {{"linux_6_1.merge_barrier", barrier}};
    auto f = std::make_unique<ZoneFixture>(s);
    CHECK(f->alloc(4, M) == Pfn{0});
    CHECK(f->alloc(4, M) == Pfn{16});
    f->zone().set_pageblock_migratetype(f->idx(16), HA);
    f->free(16);
    CHECK(f->list(4, HA) == Pfns{16});
    f->free(0);
    f->check_invariants();
    return f;
  };
  const auto with = run(true);
  CHECK(with->list(4, M) == Pfns{0});
  CHECK(with->list(4, HA) == Pfns{16});
  CHECK(with->list(5, M) == Pfns{32});
  const auto without = run(false);
  CHECK(without->list(5, M) == Pfns{0, 32});
  CHECK(without->list(4, HA).empty());
}

TEST_CASE("D61-10: a per-CPU page carries the flag of the __rmqueue call that refilled it, a "
          "freed page carries none",
          "[policy][linux61][pcp61]") {
  ZoneFixture f(setup_61(64, true));
  // Refill for U (batch 2): the first __rmqueue falls back (pageblock 0), the second is an
  // own-list hit on the remainder.
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK(f.last_fallback());
  CHECK(f.last_source() == TakeSource::pcp);
  CHECK(f.alloc(0, U) == Pfn{1});
  CHECK_FALSE(f.last_fallback());
  f.free(0);
  CHECK(f.alloc(0, U) == Pfn{0});
  CHECK_FALSE(f.last_fallback());
  // A refill whose first call is an own-list hit and whose second falls back: pageblock 0 is
  // UNMOVABLE with one free order-1 block (0), the rest carved.
  ZoneSetup s = setup_61(32, true);
  s.preallocated = {{2, 1, U, {}}, {4, 2, U, {}}, {8, 3, U, {}}};
  s.finish_init = false;
  ZoneFixture g(s);
  g.zone().set_pageblock_migratetype(g.idx(0), U);
  g.move_freepages_block(0, U);
  g.zone().finish_init();
  CHECK(g.list(1, U) == Pfns{0});
  CHECK(g.alloc(1, U) == Pfn{0});
  CHECK_FALSE(g.last_fallback());
  CHECK(g.alloc(1, U) == Pfn{16});
  CHECK(g.last_fallback());
  g.check_invariants();
}

TEST_CASE("D61-14: with pcp.enabled=false every order goes to rmqueue_buddy and frees to "
          "__free_pages_ok, pcp_high_orders=false keeps only order 0 on per-CPU lists",
          "[policy][linux61][pcp61]") {
  ZoneFixture off(setup_61(64, false));
  CHECK(off.alloc(0, M) == Pfn{0});
  CHECK(off.pcp61().count(0) == 0);
  off.free(0);
  CHECK(off.list(4, M) == Pfns{0, 16, 32, 48}); // merged straight back
  ZoneSetup s = setup_61(64, true);
  s.switches = {{"linux_6_1.pcp_high_orders", false}};
  ZoneFixture low(s);
  CHECK(low.alloc(1, M) == Pfn{0});
  CHECK(low.pcp61().count(0) == 0);
  CHECK(low.alloc(0, M) == Pfn{2});
  CHECK(low.pcp61().count(0) == 1); // batch 2: 2 and 3, 3 stays
  low.free(0);
  CHECK(low.list(1, M) == Pfns{0});
  low.check_invariants();
}

TEST_CASE("Linux61Policy::would_rmqueue changes nothing and names the block __rmqueue takes, "
          "the retry's pick after a whole-pageblock steal included",
          "[policy][linux61][predict]") {
  ZoneSetup s = setup_61(32);
  s.preallocated = {{16, 2, U, {}}, {20, 2, U, {}}, {24, 1, U, {}}};
  ZoneFixture f(s);
  CHECK(f.alloc(4, M) == Pfn{0});
  const std::string before = f.dump();
  const PageIdx answer = f.linux61().would_rmqueue(0, U);
  CHECK(f.dump() == before);
  REQUIRE(answer != kNoPage);
  CHECK(f.zone().pfn_of(answer) == 26); // not the stolen 28
  CHECK(f.alloc(0, U) == Pfn{26});
  CHECK(f.linux61().would_rmqueue(0, U) == f.idx(27));
  CHECK(f.linux61().would_rmqueue(3, M) == kNoPage);
}

TEST_CASE("linux-6.1 is a registry row with its switches and its zone defaults",
          "[policy][linux61][cli]") {
  const auto listed = run_memsim({"policies"});
  REQUIRE(listed.status == 0);
  for (const char* key :
       {"linux_6_1.alike_rule", "linux_6_1.find_smallest", "linux_6_1.steal_retry",
        "linux_6_1.unmovable_steals", "linux_6_1.highatomic", "linux_6_1.move_to_tail",
        "linux_6_1.merge_barrier", "linux_6_1.boot_to_tail", "linux_6_1.pcp_high_orders",
        "linux_6_1.free_factor"})
    CHECK_THAT(listed.out, Catch::Matchers::Contains(key));
  CHECK_THAT(listed.out, Catch::Matchers::Contains("zone.pageblock_order"));
  const PolicyInfo& info = find_policy("linux-6.1");
  CHECK_FALSE(info.owns("reserve.pageblocks"));
  CHECK(info.owns_namespace("linux_6_1"));
}

TEST_CASE("D61-1: the policy's zone defaults lie beneath the trace header, --config and --set",
          "[policy][linux61][config]") {
  ConfigBuilder none;
  CHECK(policy_config(none, "linux-6.1").zone.pageblock_order == 9);
  CHECK(policy_config(none, "stock").zone.pageblock_order == 10);
  ConfigBuilder header;
  header.apply_header_zone({{"pageblock_order", 10}}, "trace: header");
  CHECK(policy_config(header, "linux-6.1").zone.pageblock_order == 10);
  header.set_assignment("zone.pageblock_order=8", "--set");
  CHECK(policy_config(header, "linux-6.1").zone.pageblock_order == 8);
  ConfigBuilder max_only;
  max_only.set_assignment("zone.max_order=12", "--set");
  const Config c = policy_config(max_only, "linux-6.1");
  CHECK(c.zone.max_order == 12);
  CHECK(c.zone.pageblock_order == 9);
  // On the command line: a header without pageblock_order, one with it, and --set.
  CHECK(replay_json({"--policy", "linux-6.1"})["config"]["zone"]["pageblock_order"] == 9);
  CHECK(replay_json({"--policy", "stock"})["config"]["zone"]["pageblock_order"] == 10);
  CHECK(replay_json({"--policy", "linux-6.1", "--set",
                     "zone.pageblock_order=10"})["config"]["zone"]["pageblock_order"] == 10);
  const auto header_run = run_memsim({"replay", source_path("traces/golden/compare-mixed.jsonl"),
                                      "--policy", "linux-6.1", "--json", "-"});
  REQUIRE(header_run.status == 0);
  CHECK(nlohmann::json::parse(header_run.out)["config"]["zone"]["pageblock_order"] == 10);
}

TEST_CASE("D61-1: compare runs each policy with its own defaults, reserve.* keys are unknown to "
          "linux-6.1 and linux_6_1.* keys to the others",
          "[policy][linux61][config]") {
  const auto compared = run_memsim({"compare", source_path("traces/quickstart.jsonl"), "--policies",
                                    "stock,linux-6.1", "--json", "-"});
  INFO(compared.err);
  REQUIRE(compared.status == 0);
  const auto doc = nlohmann::json::parse(compared.out);
  CHECK(doc["runs"][0]["config"]["zone"]["pageblock_order"] == 10);
  CHECK(doc["runs"][1]["config"]["zone"]["pageblock_order"] == 9);
  const auto reserve = run_memsim({"replay", source_path("traces/quickstart.jsonl"), "--policy",
                                   "linux-6.1", "--set", "reserve.pageblocks=1"});
  CHECK(reserve.status == 1);
  CHECK_THAT(reserve.err, Catch::Matchers::Contains("reserve.* keys need the"));
  const auto switched = run_memsim(
      {"replay", source_path("traces/quickstart.jsonl"), "--set", "linux_6_1.alike_rule=false"});
  CHECK(switched.status == 1);
  CHECK_THAT(switched.err, Catch::Matchers::Contains("linux_6_1.* keys need the linux-6.1"));
  const auto entry = run_memsim({"compare", source_path("traces/quickstart.jsonl"), "--policies",
                                 "linux-6.1:alike_rule=false", "--json", "-"});
  REQUIRE(entry.status == 0);
  CHECK(nlohmann::json::parse(entry.out)["runs"][0]["config"]["linux_6_1"]["alike_rule"] == false);
}

TEST_CASE("D61-5, D61-13: the stats show the resolved 6.1 zone parameters, highatomic instead of "
          "reserve, and the boost and reserve bookkeeping",
          "[policy][linux61][config]") {
  // 1 GiB, 2 CPUs: min_free_kbytes int_sqrt(4 GiB in kB x 16) = 4096, raised by khugepaged to
  // 11 pageblocks = 5632 pages = 22528 kB; step max(1408, 262); pcp high max(7040 / 2, 4 x 63).
  const auto doc = replay_json({"--policy", "linux-6.1"});
  const auto& config = doc["config"];
  CHECK(config["pcp"]["batch"] == 63);
  CHECK(config["pcp"]["high"] == 3520);
  CHECK(config["min_free_kbytes"] == 22528);
  CHECK(config["watermark"]["min"] == 5632);
  CHECK(config["watermark"]["low"] == 7040);
  CHECK(config["watermark"]["high"] == 8448);
  CHECK_FALSE(config.contains("reserve"));
  const auto& types = doc["fragmentation"]["pagetypeinfo"];
  CHECK(types.contains("highatomic"));
  CHECK_FALSE(types.contains("reserve"));
  CHECK(doc["regions"][0]["pageblocks"].contains("highatomic"));
  CHECK(doc["kernel_state"]["nr_reserved_highatomic"] == 0);
  CHECK(doc["kernel_state"].contains("watermark_boost"));
  const auto batched = replay_json({"--policy", "linux-6.1", "--set", "pcp.batch=2000"});
  CHECK(batched["config"]["pcp"]["high"] == 8000); // max(3520, 4 x 2000)
  const auto set = replay_json({"--policy", "linux-6.1", "--set", "pcp.high=77"});
  CHECK(set["config"]["pcp"]["high"] == 77);
}
