// memsim report and --report (report/html_report.cpp, report_input.cpp, memory_map.cpp): the
// page is the same bytes from --report and from `memsim report` on the --json output, holds
// every section, references nothing outside itself, aggregates large zones and says so, and bad
// input is a one-line error.
#include <catch2/catch.hpp>
#include <regex>

#include "../../support/run_command.hpp"
#include "report/memory_map.hpp"
#include "report/svg_chart.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kGolden = source_path("traces/golden/compare-mixed.jsonl");
const std::string kQuickstart = source_path("traces/quickstart.jsonl");

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void require_ok(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
}

memsim::ReportRun run_of(std::uint64_t regions, std::uint64_t pageblocks_per_region) {
  memsim::ReportRun run;
  for (std::uint64_t r = 0; r < regions; ++r) {
    memsim::ReportRegion region;
    region.index = r;
    region.pageblock_map.assign(pageblocks_per_region, 'm');
    run.region_list.push_back(region);
  }
  return run;
}

} // namespace

TEST_CASE("replay --report is the same page as memsim report on its --json", "[report][cli]") {
  TempDir dir;
  require_ok(run_memsim({"replay", kGolden, "--policy", "region-aware", "--json",
                         (dir / "s.json").string(), "--report", (dir / "a.html").string()}));
  require_ok(run_memsim({"report", (dir / "s.json").string(), "-o", (dir / "b.html").string()}));
  const std::string page = slurp(dir / "a.html");
  CHECK(page == slurp(dir / "b.html"));
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* section :
       {"id=\"summary\"", "id=\"memory-map\"", "id=\"timelines\"", "id=\"fragmentation\"",
        "id=\"fallbacks\"", "class=\"buddyinfo\"", "class=\"pagetypeinfo\"",
        "class=\"unusable-index\"", "class=\"fragmentation-index\""})
    CHECK_THAT(page, Contains(section));
  CHECK(count(page, "<svg class=\"memory-map\"") == 1);
  CHECK(count(page, "<svg class=\"chart\"") == 8);
  // 8 regions of 8 MiB: a row (a flag) per region, region-allocator regions flagged.
  CHECK(count(page, "class=\"region-flag") == 8);
  CHECK(count(page, "class=\"region-flag ra\"") > 0);
  CHECK_THAT(page, Contains("One cell per pageblock"));
}

TEST_CASE("compare --report puts the runs side by side with their differences", "[report][cli]") {
  TempDir dir;
  require_ok(run_memsim({"compare", kGolden, "--json", (dir / "c.json").string(), "--report",
                         (dir / "a.html").string()}));
  require_ok(run_memsim({"report", (dir / "c.json").string(), "-o", (dir / "b.html").string()}));
  const std::string page = slurp(dir / "a.html");
  CHECK(page == slurp(dir / "b.html"));
  CHECK(count(page, "<svg class=\"memory-map\"") == 2);
  CHECK(count(page, "<g class=\"series\" data-run=\"1\"") == 8); // both runs on every chart
  CHECK_THAT(page, Contains("<th class=\"delta\">Δ region-aware</th>"));
  CHECK_THAT(page, Contains("<title>memsim comparison: stock vs region-aware on "));
  // The trace's mark is drawn on the charts and listed.
  CHECK(count(page, "<g class=\"mark\">") == 8);
}

TEST_CASE("memsim report puts several stats documents side by side", "[report][cli]") {
  TempDir dir;
  require_ok(run_memsim({"replay", kGolden, "--json", (dir / "a.json").string()}));
  require_ok(run_memsim(
      {"replay", kGolden, "--policy", "region-aware", "--json", (dir / "b.json").string()}));
  require_ok(run_memsim({"report", (dir / "a.json").string(), (dir / "b.json").string(), "-o",
                         (dir / "r.html").string()}));
  const std::string page = slurp(dir / "r.html");
  CHECK(count(page, "<svg class=\"memory-map\"") == 2);
  CHECK_THAT(page, Contains("stock vs region-aware"));
}

TEST_CASE("The report page references nothing outside itself and is deterministic",
          "[report][cli]") {
  // The same command twice (the page shows the command line), the first page moved aside.
  TempDir dir;
  require_ok(run_memsim({"compare", kGolden, "--report", (dir / "b.html").string()}));
  fs::rename(dir / "b.html", dir / "a.html");
  require_ok(run_memsim({"compare", kGolden, "--report", (dir / "b.html").string()}));
  const std::string page = slurp(dir / "a.html");
  CHECK(page == slurp(dir / "b.html"));
  for (const char* forbidden : {"<script", "<link", "<img", "<iframe", "@import", "src="})
    CHECK_THAT(page, !Contains(forbidden));
  // The only URLs are the SVG namespace and fragment references.
  const std::regex url("(https?:|url\\()[^\"')]*");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), url); it != std::sregex_iterator();
       ++it) {
    const std::string u = it->str();
    CHECK((u == "http://www.w3.org/2000/svg" || u.rfind("url(#hatch-", 0) == 0));
  }
}

TEST_CASE("A zone too large for one cell per pageblock is aggregated and says so",
          "[report][cli]") {
  // 8 GiB in 2 regions of 4 GiB: 1024 pageblocks a row, 4 to a cell.
  TempDir dir;
  require_ok(run_memsim({"replay", kQuickstart, "--set", "zone.memory=8GiB", "--set",
                         "zone.region_size=4GiB", "--report", (dir / "r.html").string()}));
  const std::string page = slurp(dir / "r.html");
  CHECK_THAT(page, Contains("<b>Aggregated:</b>"));
  CHECK_THAT(page, Contains("each cell stands for 4 consecutive pageblocks (16 MiB; 2 rows of "
                            "256 cells)"));
  CHECK_THAT(page, Contains("R0 pageblocks 0-1023 (pfn 0x0-0xfffff): movable 1022, reserve 2 in "
                            "256 cells of 4 pageblocks; "));

  // The layout keeps to kMaxMapCells: the 128 GiB ebizzy zone (256 x 256) stays one cell per
  // pageblock; 1 TiB (2048 regions) takes 8 pageblocks a cell.
  CHECK(memsim::memory_map_layout({run_of(256, 256)}).per_cell == 1);
  const auto tera = memsim::memory_map_layout({run_of(2048, 256)});
  CHECK(tera.per_cell == 8);
  CHECK(tera.columns * tera.rows <= memsim::kMaxMapCells);

  // Types alternating pageblock by pageblock would take 65,536 rectangles: pairs of pageblocks
  // a cell merge into one rectangle a row, and the map stays small.
  memsim::ReportRun striped = run_of(256, 256);
  for (auto& region : striped.region_list)
    for (std::size_t i = 0; i < region.pageblock_map.size(); i += 2) region.pageblock_map[i] = 'u';
  const auto layout = memsim::memory_map_layout({striped});
  CHECK(layout.per_cell == 2);
  const std::string svg = memsim::memory_map_svg(striped, 0, layout);
  CHECK(count(svg, "<rect class=\"pb") == 256);
  CHECK_THAT(svg, Contains("unmovable 128, movable 128 in 128 cells of 2 pageblocks"));
  CHECK(svg.size() < 200000);
}

TEST_CASE("memsim report rejects input that is not a memsim stats document on one line",
          "[report][cli]") {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string out = (dir / "r.html").string();
  struct Case {
    std::string file, expected;
  };
  const std::vector<Case> cases = {
      {write("bad.json", "{\"memsim_stats\": 1,"), ": not JSON: "},
      {write("other.json", "{\"hello\": 1}"), ": not a memsim stats document"},
      {write("v2.json", "{\"memsim_stats\": 2}"),
       ": memsim_stats: schema version 2 is not one this memsim reads (1)"},
      {write("cmp.json", "{\"memsim_compare\": 1, \"runs\": [{\"memsim_stats\": 1}]}"),
       ": runs[0].memsim_version: missing"},
  };
  for (const Case& c : cases) {
    const auto r = run_memsim({"report", c.file, "-o", out});
    INFO(c.file << ": " << r.err);
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains(c.file + c.expected));
    CHECK(!fs::exists(out));
  }
}

TEST_CASE("The memory map merges equal pageblocks and hatches mixed ones and flags each region",
          "[report]") {
  memsim::ReportRun run;
  run.pageblock_order = 10;
  const std::vector<std::string> maps = {"mmmMuu", "mmmmmm", "mmmmmm"};
  for (std::uint64_t r = 0; r < 3; ++r) {
    memsim::ReportRegion region;
    region.index = r;
    region.start_pfn = r * 6144;
    region.pages = 6144;
    region.free_pages = r == 0 ? 5000 : 6144;
    region.in_region_allocator = r == 2;
    region.pageblock_map = maps[r];
    run.region_list.push_back(region);
  }
  const std::string svg = memsim::memory_map_svg(run, 0, memsim::memory_map_layout({run}));
  CHECK(count(svg, "<rect class=\"pb") == 5); // R0: mmm, M, uu; R1 and R2 one run each
  CHECK_THAT(svg, Contains("R0 pageblocks 0-2 (pfn 0x0-0xbff): movable pageblocks</title>"));
  CHECK_THAT(svg, Contains("R0 pageblock 3 (pfn 0xc00-0xfff): movable pageblock; 1 mixed</title>"));
  CHECK_THAT(svg, Contains("R0 pageblocks 4-5 (pfn 0x1000-0x17ff): unmovable pageblocks</title>"));
  CHECK_THAT(svg, Contains("R1 pageblocks 0-5 (pfn 0x1800-0x2fff): movable pageblocks</title>"));
  CHECK(count(svg, "<rect class=\"pb mixed\"") == 1);
  CHECK(count(svg, "fill=\"url(#hatch-0-x)\"") == 1); // mixed in: unknown (old stats)
  CHECK(count(svg, "class=\"region-flag used\"") == 1);
  CHECK(count(svg, "class=\"region-flag free\"") == 1);
  CHECK(count(svg, "class=\"region-flag ra\"") == 1);
  CHECK_THAT(svg, Contains("<g class=\"region\" data-region=\"1\" opacity=\"0.45\">"));
  CHECK_THAT(svg, Contains("<g class=\"region\" data-region=\"0\">"));
}

TEST_CASE("A long timeline keeps its extremes when reduced to the plot's pixel columns",
          "[report]") {
  memsim::ChartSpec spec;
  spec.id = "chart-test";
  spec.integer = true;
  memsim::ChartSeries series{"stock", "#000", {}};
  for (int i = 0; i < 100000; ++i)
    series.points.emplace_back(i, i == 54321 ? 1000.0 : (i == 7000 ? 0.0 : 10.0));
  spec.series.push_back(series);
  const std::string svg = memsim::line_chart_svg(spec);
  const auto begin = svg.find("points=\"") + 8;
  const std::string points = svg.substr(begin, svg.find('"', begin) - begin);
  const std::size_t pairs = count(points, ",");
  CHECK(pairs < 4 * static_cast<std::size_t>(memsim::kChartWidth));
  CHECK(pairs > 100);
  CHECK_THAT(points, Contains(",44.0"));  // the spike at the top of the plot (y axis 0..1000)
  CHECK_THAT(points, Contains(",172.0")); // the dip to 0 at its bottom
  const auto drawn_at = svg.find("<g class=\"series\"");
  const std::string drawn = svg.substr(drawn_at, svg.find("</g>", drawn_at) - drawn_at);
  CHECK(count(drawn, "<circle") == 0);                      // too many points for markers
  CHECK(count(svg, "<rect class=\"hover-column\"") <= 913); // a column per pixel at most
}
