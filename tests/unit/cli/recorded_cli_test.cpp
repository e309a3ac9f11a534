// `--policy recorded` on the command line (docs/spec.md §7.2): a hand-written kmem excerpt whose
// every line's effect is known — a refill taken by its allocation, a free drained back, a free
// nothing touches again (left on its per-CPU list, since the trace shows drains), a free of a page
// never allocated (a silent allocation) — replayed and compared beside a simulated policy, and
// the error for a trace without pfns.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

using Catch::Contains;
using memsim::test::run_memsim;
using memsim::test::TempDir;
using nlohmann::json;

namespace {

const std::string kTrace =
    "# tracer: nop\n"
    "  a-1 [000] ..... 1.000001: mm_page_alloc_zone_locked: page=f pfn=0x1000 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000002: mm_page_alloc: page=f pfn=0x1000 order=0 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [000] ..... 1.000003: mm_page_free: page=f pfn=0x1000 order=0\n"
    "  a-1 [000] ..... 1.000004: mm_page_pcpu_drain: page=f pfn=0x1000 order=0 migratetype=1\n"
    "  a-1 [001] ..... 1.000005: mm_page_alloc: page=f pfn=0x1008 order=0 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [001] ..... 1.000006: mm_page_free: page=f pfn=0x1008 order=0\n"
    "  a-1 [000] ..... 1.000007: mm_page_free: page=f pfn=0x1010 order=0\n"
    "  a-1 [000] ..... 1.000008: mm_page_alloc: page=f pfn=0x1020 order=2 migratetype=0 "
    "gfp_flags=GFP_KERNEL\n";

json stats_of(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
  return json::parse(r.out);
}

} // namespace

TEST_CASE("replay --policy recorded follows the kernel's lists", "[cli][recorded]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kTrace);
  const json s =
      stats_of(run_memsim({"replay", trace, "--policy", "recorded", "--check", "--json", "-"}));
  CHECK(s["policy"] == "recorded");
  CHECK(s["config"]["recorded"]["kernel"] == "6.1");
  CHECK(s["recorded"]["silent_allocs"] == 1); // 0x1010
  CHECK(s["recorded"]["compaction_targets"] == 0);
  CHECK(s["recorded"]["outside_zone"] == 0);
  CHECK(s["recorded"]["inconsistent"].empty());
  CHECK(s["summary"]["pcp_pages"] == 2); // 0x1008 and 0x1010, freed and never touched again
  CHECK(s["events"]["unmatched_free"] == 1);
  // Live at the end: the order-2 block at 0x1020 only.
  std::uint64_t allocated = 0;
  for (const auto& region : s["regions"])
    for (const auto& [type, pages] : region["allocated"].items())
      allocated += pages.get<std::uint64_t>();
  CHECK(allocated == 4);

  const auto text = run_memsim({"replay", trace, "--policy", "recorded"});
  CHECK_THAT(text.out, Contains("recorded: silent allocations 1, compaction targets "
                                "0, outside the zone 0; inconsistent: none"));
}

TEST_CASE("compare runs recorded beside the simulated policies from one parse", "[cli][recorded]") {
  TempDir dir;
  const std::string trace = dir.write("trace.txt", kTrace);
  const json doc =
      stats_of(run_memsim({"compare", trace, "--policies", "recorded,stock", "--json", "-"}));
  REQUIRE(doc["runs"].size() == 2);
  CHECK(doc["runs"][0].contains("recorded"));
  CHECK_FALSE(doc["runs"][1].contains("recorded"));
  // recorded placed the order-2 allocation at its traced pfn; both runs saw the same events.
  CHECK(doc["runs"][0]["events"] == doc["runs"][1]["events"]);
  CHECK(doc["runs"][0]["summary"]["pcp_pages"] == 2);
}

TEST_CASE("replay under recorded of a trace without pfns is a one-line error", "[cli][recorded]") {
  TempDir dir;
  const std::string trace =
      dir.write("t.jsonl", "{\"memsim_trace\":1,\"zone\":{\"memory\":\"64MiB\"}}\n"
                           "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n");
  const auto r = run_memsim({"replay", trace, "--policy", "recorded"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains("t.jsonl:2: alloc without a \"pfn\""));
}
