// `memsim report` and the labels of compare (cli/report_command.cpp, report/report_export.cpp):
// short run names, runs of different traces refused unless --allow-mixed (then the page says
// so), and --export DIR writing every chart as a standalone SVG and every table as CSV.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::StartsWith;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kGolden = source_path("traces/golden/compare-mixed.jsonl");
const std::string kQuickstart = source_path("traces/quickstart.jsonl");

void require_ok(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
}

} // namespace

TEST_CASE("compare --label names a run by its entry or its position everywhere", "[cli][report]") {
  TempDir dir;
  const std::string long_entry = "region-aware:ra_cache=false+sorted_freelists=false";
  const auto r = run_memsim({"compare", kGolden, "--policies", "stock," + long_entry, "--label",
                             long_entry + "=RA, no cache", "--label", "1=Linux 3.11", "--json",
                             (dir / "c.json").string(), "--report", (dir / "c.html").string()});
  require_ok(r);
  const auto doc = nlohmann::json::parse(slurp(dir / "c.json"));
  CHECK(doc["runs"][0]["provenance"]["label"] == "Linux 3.11");
  CHECK(doc["runs"][1]["provenance"]["label"] == "RA, no cache");
  CHECK(doc["runs"][1]["policy"] == long_entry); // the entry itself is kept
  const std::string page = slurp(dir / "c.html");
  CHECK_THAT(page, Contains("<title>memsim comparison: Linux 3.11 vs RA, no cache on "));
  CHECK_THAT(page, Contains("region-aware:<wbr>ra_cache=<wbr>false+<wbr>sorted_freelists=<wbr>"
                            "false")); // the entry wraps in the runs table
  // memsim report can rename them again.
  require_ok(run_memsim({"report", (dir / "c.json").string(), "--label", "2=no cache", "-o",
                         (dir / "r.html").string()}));
  CHECK_THAT(slurp(dir / "r.html"), Contains("Linux 3.11 vs no cache"));
  // The terminal table uses the labels too.
  const auto text = run_memsim({"compare", kGolden, "--label", "stock=A", "--label", "2=B"});
  require_ok(text);
  CHECK_THAT(text.out, Contains("  A  "));
  CHECK_THAT(text.out, Contains("  B  "));
}

TEST_CASE("A --label that names no run lists the runs", "[cli][report]") {
  const auto r = run_memsim({"compare", kGolden, "--label", "stok=x"});
  CHECK(r.status == 1);
  CHECK(r.err == "memsim: --label stok=x: expected RUN=TEXT, RUN one of the runs or its position "
                 "(1 stock, 2 region-aware)\n");
  TempDir dir;
  require_ok(run_memsim({"replay", kGolden, "--json", (dir / "a.json").string()}));
  require_ok(run_memsim({"replay", kGolden, "--json", (dir / "b.json").string()}));
  const auto twice = run_memsim({"report", (dir / "a.json").string(), (dir / "b.json").string(),
                                 "--label", "stock=x", "-o", (dir / "r.html").string()});
  CHECK(twice.status == 1);
  CHECK(twice.err == "memsim: --label stock=x: stock names 2 runs; give its position instead (1 "
                     "stock, 2 stock)\n");
}

TEST_CASE("Runs of different traces are refused unless --allow-mixed, and the page says so",
          "[cli][report]") {
  TempDir dir;
  const std::string a = (dir / "a.json").string(), b = (dir / "b.json").string();
  require_ok(run_memsim({"replay", kGolden, "--json", a}));
  require_ok(run_memsim({"replay", kQuickstart, "--json", b}));
  const std::string out = (dir / "r.html").string();
  const auto refused = run_memsim({"report", a, b, "-o", out});
  CHECK(refused.status == 1);
  CHECK_THAT(refused.err, StartsWith("memsim: report: " + b +
                                     " replays trace quickstart.jsonl (34 "
                                     "events), but " +
                                     a +
                                     " replays compare-mixed.jsonl (351 "
                                     "events); --allow-mixed puts them side by side anyway"));
  CHECK_FALSE(fs::exists(out));
  require_ok(run_memsim({"report", a, b, "--allow-mixed", "-o", out}));
  const std::string page = slurp(out);
  CHECK_THAT(page, Contains("<p class=\"banner\" id=\"mixed-inputs\"><b>Mixed inputs</b>"));
  CHECK_THAT(page, Contains(" on compare-mixed.jsonl and quickstart.jsonl</title>"));
  // The same trace on another zone is refused too.
  require_ok(run_memsim({"replay", kGolden, "--set", "zone.region_size=16MiB", "--json", b}));
  const auto zone = run_memsim({"report", a, b, "-o", out});
  CHECK(zone.status == 1);
  CHECK_THAT(zone.err, Contains(b + " has another zone than " + a));
}

TEST_CASE("report --export writes every chart as a standalone SVG and every table as CSV",
          "[cli][report]") {
  TempDir dir;
  require_ok(run_memsim({"compare", kGolden, "--json", (dir / "c.json").string()}));
  const fs::path out = dir / "figures";
  require_ok(run_memsim({"report", (dir / "c.json").string(), "-o", (dir / "r.html").string(),
                         "--export", out.string()}));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(out)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  for (const char* expected : {"chart-free_regions.svg",
                               "chart-homogeneity.svg",
                               "chart-unusable_index_pageblock.svg",
                               "marks.svg",
                               "memory-map-1.svg",
                               "memory-map-2.svg",
                               "table-summary.csv",
                               "table-runs.csv",
                               "table-buddyinfo.csv",
                               "table-pagetypeinfo-2.csv",
                               "table-unusable-index.csv",
                               "table-fragmentation-index.csv",
                               "table-by-pair.csv",
                               "table-retypes.csv",
                               "table-regions-1.csv",
                               "table-marks.csv",
                               "timeline-1.csv",
                               "timeline-2.csv",
                               "chart-free_pageblocks_whole.svg",
                               "table-high-order-1.csv",
                               "table-pollution-2.csv",
                               "table-claims-1.csv"})
    CHECK(std::count(names.begin(), names.end(), expected) == 1);
  CHECK(names.size() ==
        1 + 8 + 2 + 12 + 6 + 2); // marks, charts, maps, tables, §9 tables, timelines
  const std::string svg = slurp(out / "chart-homogeneity.svg");
  CHECK_THAT(svg, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg class=\"chart\""));
  CHECK_THAT(svg, Contains("<style>text{font:11px"));
  CHECK_THAT(slurp(out / "memory-map-1.svg"), Contains("<g class=\"map-legend\">"));
  const std::string regions = slurp(out / "table-regions-2.csv");
  CHECK_THAT(regions, StartsWith("region,start pfn,pages,free,per-CPU,unmovable,reclaimable,"
                                 "movable,homogeneity,mixed pageblocks,held by RA\nR0,0x0,2048,"));
  const std::string summary = slurp(out / "table-summary.csv");
  CHECK_THAT(summary, Contains("\nhomogeneity,87.50,97.32,9.82\n"));
  CHECK_THAT(summary, Contains("\nfree regions,2,4,2\n"));
}
