// Decision agreement (docs/spec.md §7.4): the 3.11 side of Predictor (StockPolicy::would_rmqueue
// names the block its __rmqueue then takes, changing nothing; PerCpuPages311 as a PcpModel drains
// in free_pcppages_bulk's round robin), and `replay --policy recorded --predict` on a hand-worked
// kmem excerpt whose every score is known, under linux-6.1 and stock, with the repairs and the
// errors for what cannot predict.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/rng.hpp"
#include "../../support/run_command.hpp"
#include "../../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;
using Catch::Contains;
using nlohmann::json;

TEST_CASE("3.11 free_pcppages_bulk as a PcpModel: next_drain follows the round robin from "
          "RECLAIMABLE with batch_free carried over empty lists",
          "[zone][pcp][predict]") {
  ZoneFixture f({.pages = 32, .pcp = true, .batch = 3, .high = 100});
  PcpModel& model = f.policy().predictor()->pcp_model();
  Zone& zone = f.zone();
  CHECK(model.caches(0));
  CHECK_FALSE(model.caches(1));
  // Refills append: UNMOVABLE [0, 1], MOVABLE [2, 3, 4]; the drain takes list tails.
  for (const auto& [pfn, mt] : {std::pair{Pfn{0}, U}, std::pair{Pfn{1}, U}, std::pair{Pfn{2}, M},
                                std::pair{Pfn{3}, M}, std::pair{Pfn{4}, M}}) {
    REQUIRE(zone.take_free(f.idx(pfn), 0));
    model.add(zone, {0, f.idx(pfn), 0, mt, PcpInsert::refill, false, false});
  }
  CHECK(model.count(0) == 5);
  CHECK(model.peek(zone, {0, 0, M, false}) == f.idx(2)); // hot: the head
  CHECK(model.peek(zone, {0, 0, M, true}) == f.idx(4));  // cold: the tail
  CHECK(model.peek(zone, {0, 1, M, false}) == kNoPage);  // order 1 is not cached
  // RECLAIMABLE is empty (batch_free 2 on MOVABLE: 4, 3), UNMOVABLE (1: 1), RECLAIMABLE empty
  // again (2 on MOVABLE, which empties after 2), UNMOVABLE with the carried batch_free (0).
  model.begin_drain(zone, 0, kNoPage, 5);
  Pfns drained;
  for (PageIdx next = model.next_drain(zone, 0); next != kNoPage;
       next = model.next_drain(zone, 0)) {
    drained.push_back(zone.pfn_of(next));
    model.drain_block(zone, 0, next);
  }
  CHECK(drained == Pfns{4, 3, 1, 2, 0});
  CHECK(model.count(0) == 0);
  f.check_invariants();
}

TEST_CASE("StockPolicy::would_rmqueue names the block 3.11 __rmqueue takes next, own list, "
          "fallback or MIGRATE_RESERVE, and changes nothing",
          "[policy][predict][property]") {
  for (const std::uint64_t seed : {1U, 2U, 3U}) {
    ZoneFixture f({.pages = 128, .max_order = 6, .pageblock_order = 4});
    TestRng rng{seed};
    std::vector<Pfn> live;
    for (int i = 0; i < 400; ++i) {
      if (live.empty() || rng.chance(60)) {
        const unsigned order = rng.chance(70) ? 0 : rng.below(4);
        const Migratetype mt = migratetype_at(static_cast<int>(rng.below(3)));
        const std::string before = f.dump();
        const PageIdx answer = f.policy().predictor()->would_rmqueue(order, mt);
        REQUIRE(f.dump() == before);
        const auto got = f.alloc(order, mt);
        INFO("seed " << seed << " step " << i << " order " << order << " " << to_string(mt));
        CHECK(answer == (got ? f.idx(*got) : kNoPage));
        if (got) live.push_back(*got);
      } else {
        const std::size_t k = rng.below(live.size());
        f.free(live[k]);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    f.check_invariants();
  }
}

TEST_CASE("region-aware cannot predict: its __rmqueue grants regions", "[policy][predict]") {
  ZoneFixture f({.pages = 128, .max_order = 6, .pageblock_order = 4, .policy = "region-aware"});
  CHECK(f.policy().predictor() == nullptr);
}

namespace {

// Every line's score is worked out below (zone from pfn 0x400, pageblock order 9, one CPU).
const std::string kExcerpt =
    "# tracer: nop\n"
    "  a-1 [000] ..... 1.000001: mm_page_alloc_zone_locked: page=f pfn=0x400 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000002: mm_page_alloc_zone_locked: page=f pfn=0x401 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000003: mm_page_alloc: page=f pfn=0x400 order=0 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [000] ..... 1.000004: mm_page_alloc: page=f pfn=0x401 order=0 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [000] ..... 1.000005: mm_page_free: page=f pfn=0x401 order=0\n"
    "  a-1 [000] ..... 1.000006: mm_page_pcpu_drain: page=f pfn=0x401 order=0 migratetype=1\n"
    "  a-1 [000] ..... 1.000007: mm_page_alloc_zone_locked: page=f pfn=0x408 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000008: mm_page_alloc_zone_locked: page=f pfn=0x409 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000009: mm_page_alloc_zone_locked: page=f pfn=0x402 order=1 "
    "migratetype=1 percpu_refill=0\n"
    "  a-1 [000] ..... 1.000010: mm_page_alloc: page=f pfn=0x402 order=1 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [000] ..... 1.000011: mm_page_alloc_zone_locked: page=f pfn=0x40a order=1 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000012: mm_page_alloc: page=f pfn=0x40a order=1 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n";

json predict(const std::string& trace, const std::string& policy) {
  const auto r = run_memsim({"replay", trace, "--policy", "recorded", "--predict", policy, "--set",
                             "zone.start_pfn=0x400", "--check", "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  return json::parse(r.out);
}

void check_miss(const json& miss, std::uint64_t line, Pfn pfn, const json& predicted) {
  CHECK(miss["line"] == line);
  CHECK(miss["pfn"] == pfn);
  CHECK(miss["predicted"] == predicted);
}

} // namespace

TEST_CASE("replay --predict linux-6.1 scores each take and per-CPU page of a hand-worked "
          "excerpt, repairing what a take proves",
          "[cli][predict][recorded]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kExcerpt);
  const json s = predict(trace, "linux-6.1");
  const json& a = s["validation"]["decision_agreement"];
  CHECK(a["policy"] == "linux-6.1");
  // Buddy: boot frees to the tails, so the order-10 list ascends: line 2 takes its head 0x400
  // (hit) and line 3 the split's order-0 remainder 0x401 (hit). The drain (line 7) puts 0x401
  // back on free_list[0]; line 8 takes 0x408 out of the order-3 block there: a miss (0x401 was
  // the head), and the repair sets aside free_list[0..2][movable] (0x401, 0x402, 0x404). Line 9
  // takes 0x409, the head (hit). Line 10 takes the set-aside 0x402: the take shows it free, so it
  // goes back first (to the head of free_list[1], its buddy 0x400 being in use) and is then the
  // prediction (hit); line 12 takes 0x40a, the order-1 head again (hit).
  const json& buddy = a["buddy"];
  CHECK(buddy["takes"] == 6);
  CHECK(buddy["hits"] == 5);
  CHECK(buddy["rate"].get<double>() == Approx(5.0 / 6.0));
  CHECK(buddy["by_order"]["0"] == json({{"takes", 4}, {"hits", 3}}));
  CHECK(buddy["by_order"]["1"] == json({{"takes", 2}, {"hits", 2}}));
  CHECK(buddy["by_migratetype"]["movable"] == json({{"takes", 6}, {"hits", 5}}));
  REQUIRE(buddy["first_misses"].size() == 1);
  check_miss(buddy["first_misses"][0], 8, 0x408, 0x401);
  CHECK(buddy["first_misses"][0]["order"] == 0);
  CHECK(buddy["first_misses"][0]["mt"] == "movable");
  // Per-CPU: refills append, so 0x400 then 0x401 are popped (hits); the drain begins at the
  // freed page's list and takes its tail, 0x401 (hit); 6.1 caches order 1: 0x40a (hit).
  CHECK(a["pcp"]["takes"] == 4);
  CHECK(a["pcp"]["hits"] == 4);
  CHECK(a["pcp"]["first_misses"].empty());
  CHECK(s["recorded"]["repairs"] == 3);
  CHECK(s["recorded"]["inconsistent"].empty());
}

TEST_CASE("replay --predict stock: 3.11's head-first boot and order-0 per-CPU lists tell it "
          "apart from linux-6.1 on the same excerpt",
          "[cli][predict][recorded]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kExcerpt);
  const json s = predict(trace, "stock");
  const json& a = s["validation"]["decision_agreement"];
  CHECK(a["policy"] == "stock");
  // Line 2: 3.11 boot leaves the highest order-10 block at the list head: a miss. The rest as
  // under linux-6.1 (the 3.11 split and free rules are the same here).
  CHECK(a["buddy"]["takes"] == 6);
  CHECK(a["buddy"]["hits"] == 4);
  REQUIRE(a["buddy"]["first_misses"].size() == 2);
  check_miss(a["buddy"]["first_misses"][0], 2, 0x400, 0x400 + (512 * 1024 * 1024 / 4096) - 1024);
  // Per-CPU: order 0 as 6.1; the order-1 page (line 13) is on no 3.11 list: predicted nothing.
  CHECK(a["pcp"]["takes"] == 4);
  CHECK(a["pcp"]["hits"] == 3);
  REQUIRE(a["pcp"]["first_misses"].size() == 1);
  check_miss(a["pcp"]["first_misses"][0], 13, 0x40a, nullptr);
  CHECK(s["recorded"]["repairs"] == 3);
}

TEST_CASE("replay --predict prints both levels in the summary and the report", "[cli][predict]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kExcerpt);
  const auto text =
      run_memsim({"replay", trace, "--policy", "recorded", "--predict", "linux-6.1", "--set",
                  "zone.start_pfn=0x400", "--report", (dir / "r.html").string()});
  INFO(text.err);
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Contains("decision agreement of linux-6.1 with the kernel"));
  CHECK_THAT(text.out, Contains("takes 6, hits 5 (83.33%)"));
  CHECK_THAT(text.out, Contains("pages 4, hits 4 (100.00%)"));
  CHECK_THAT(text.out, Contains("first miss: line 8, order 0 movable, the kernel 0x408, "
                                "predicted 0x401"));
  const std::string html = slurp(dir / "r.html");
  CHECK_THAT(html, Contains("<section id=\"agreement\">"));
  CHECK_THAT(html, Contains("83.33%"));
}

TEST_CASE("without --predict the recorded stats have no agreement and no repairs",
          "[cli][predict][recorded]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kExcerpt);
  const auto r = run_memsim(
      {"replay", trace, "--policy", "recorded", "--set", "zone.start_pfn=0x400", "--json", "-"});
  REQUIRE(r.status == 0);
  const json s = json::parse(r.out);
  CHECK_FALSE(s.contains("validation"));
  CHECK_FALSE(s["recorded"].contains("repairs"));
}

TEST_CASE("Errors of --predict: a policy that cannot predict, an unknown one, a run that does not "
          "follow the trace",
          "[cli][predict]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kExcerpt);
  const auto cannot = run_memsim(
      {"replay", trace, "--policy", "recorded", "--predict", "region-aware", "--json", "-"});
  CHECK(cannot.status == 1);
  CHECK(one_line(cannot.err));
  CHECK_THAT(cannot.err, Contains("policies that can: stock, linux-6.1"));
  const auto unknown =
      run_memsim({"replay", trace, "--policy", "recorded", "--predict", "linux-9.9"});
  CHECK(unknown.status == 1);
  CHECK(one_line(unknown.err));
  CHECK_THAT(unknown.err, Contains("unknown policy"));
  const auto simulated = run_memsim({"replay", trace, "--policy", "stock", "--predict", "stock"});
  CHECK(simulated.status == 1);
  CHECK(one_line(simulated.err));
  CHECK_THAT(simulated.err, Contains("--predict needs --policy recorded"));
}
