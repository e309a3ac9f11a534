// The report in a real browser: Debian's headless Chromium (installed by tools/install-deps.sh)
// loads a comparison report of the bundled real recording with its snapshot, name resolution
// disabled; its DOM holds the maps' occupancy, the charts' time axis and hover values, the runs'
// labels and the provenance block, and its screenshot shows the map's colours. Two browser
// launches in all; skipped with a message when chromium is not installed.
#include <catch2/catch.hpp>

#include "../../support/skip.hpp"
#include <cstdlib>
#include <set>
#include <unistd.h>

#include "../../support/png.hpp"
#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::run_memsim;
using memsim::test::shell_quote;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
      if (!candidate.parent_path().empty() && access(candidate.c_str(), X_OK) == 0)
        return candidate.string();
    }
    start = end + 1;
  }
  return {};
}

// Runs headless Chromium on `page` with `args`, for at most 2 minutes; stdout to `out`. Any
// host name resolves to nothing, so a page that needed the network would show it.
int chromium(const std::string& binary, const TempDir& dir, const std::string& args,
             const fs::path& page, const fs::path& out) {
  const std::string command =
      "timeout 120 " + shell_quote(binary) +
      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
      "--hide-scrollbars "
      "--host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir=" +
      shell_quote((dir / "profile").string()) + " " + args + " " +
      shell_quote("file://" + page.string()) + " >" + shell_quote(out.string()) + " 2>" +
      shell_quote((dir / "chromium.err").string());
  return std::system(command.c_str());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

} // namespace

TEST_CASE("The report renders in headless Chromium with its map and charts", "[browser][slow]") {
  const std::string binary = find_chromium();
  if (binary.empty()) {
    memsim::test::skip_test(
        "chromium is not installed: skipping the browser test (tools/install-deps.sh installs "
        "Debian's chromium)");
    return;
  }
  // A real recording with the snapshot taken when it began, the runs given short labels.
  TempDir dir;
  const fs::path page = dir / "report.html";
  const auto r =
      run_memsim({"compare", source_path("traces/kmem-6.1/trace-head.txt.xz"), "--proc-in",
                  source_path("traces/kmem-6.1/proc-begin"), "--label", "stock=Linux 3.11",
                  "--label", "region-aware=Bhat v4", "--report", page.string()});
  INFO(r.err);
  REQUIRE(r.status == 0);

  // The DOM after parsing: what the browser built, not what we wrote.
  REQUIRE(chromium(binary, dir, "--dump-dom", page, dir / "dom.html") == 0);
  const std::string dom = slurp(dir / "dom.html");
  INFO(slurp(dir / "chromium.err"));
  CHECK(count(dom, "<svg class=\"memory-map\"") == 2);
  CHECK(count(dom, "<svg class=\"chart\"") == 8);
  CHECK(count(dom, "<polyline") >= 14); // a line per run on each chart
  CHECK_THAT(dom, Contains("<table class=\"buddyinfo\">"));
  CHECK_THAT(dom, Contains("<table class=\"pagetypeinfo\">"));
  // The time axis: the trace has timestamps, so every chart is in seconds.
  CHECK(count(dom, "seconds since the trace's first event (at t = 7.17872") == 1); // stacked
  CHECK(count(dom, "class=\"tick\">12</text>") == 8); // every chart reaches 12 s
  // The labels name the runs in the title, the tables, the legends and the hover texts.
  CHECK_THAT(dom, Contains("<title>memsim comparison: Linux 3.11 vs Bhat v4 on "));
  CHECK(count(dom, ">Linux 3.11</text>") == 8);
  CHECK(count(dom, ">Bhat v4</text>") == 8);
  // Hovering a chart gives both runs' values at a sample.
  CHECK(count(dom, "<rect class=\"hover-column\"") > 7 * 100);
  CHECK_THAT(dom, Contains("(end of the trace)\nLinux 3.11: 94.80%\nBhat v4: 53.71%</title>"));
  // The marks row above the charts.
  CHECK(count(dom, "<g class=\"mark-tick\">") == 1);
  CHECK_THAT(dom, Contains("phase=tmpfs round=1</text>"));
  // Occupancy: pageblocks fill with their allocated pages, and say how many.
  CHECK(count(dom, "<rect class=\"used\"") > 100);
  CHECK_THAT(dom, Contains(" of 512 pages allocated ("));
  // The provenance block: the command line, the snapshot and what the reader counted.
  const auto provenance = dom.find("<section id=\"provenance\">");
  REQUIRE(provenance != std::string::npos);
  const std::string block = dom.substr(provenance);
  CHECK_THAT(block, Contains("--proc-in"));
  CHECK_THAT(block, Contains(source_path("traces/kmem-6.1/proc-begin") + "</code>"));
  CHECK_THAT(block, Contains("<dt>trace lines</dt><dd>400,000</dd>"));
  CHECK_THAT(block, Contains("<dt>memsim</dt><dd>" MEMSIM_VERSION " (git "));
  CHECK_THAT(block, Contains("<dt>lines skipped, by kind</dt>"));

  // The screenshot: not blank, and the map's pageblock colours are there.
  REQUIRE(
      chromium(binary, dir,
               "--window-size=1400,1400 --screenshot=" + shell_quote((dir / "shot.png").string()),
               page, dir / "shot.out") == 0);
  const memsim::test::Image image = memsim::test::decode_png(slurp(dir / "shot.png"));
  REQUIRE(image.width == 1400);
  std::set<std::uint32_t> colours(image.pixels.begin(), image.pixels.end());
  std::size_t ink = 0;
  for (const std::uint32_t p : image.pixels) ink += p != 0xffffff ? 1 : 0;
  CHECK(colours.size() > 50);
  CHECK(ink > image.pixels.size() / 50);
  CHECK(colours.count(0x4e79a7) == 1); // movable pageblocks and pages
  CHECK(colours.count(0xe15759) == 1); // unmovable ones
  CHECK(colours.count(0xbab0ac) == 1); // the flag of a region in use
}

TEST_CASE("The sweep page sorts its runs table in headless Chromium", "[browser][slow][sweep]") {
  const std::string binary = find_chromium();
  if (binary.empty()) {
    memsim::test::skip_test("chromium is not installed: skipping the sweep page's browser test");
    return;
  }
  TempDir dir;
  std::ofstream(dir / "spec.json") << R"({"memsim_sweep": 1, "traces": [")" +
                                          source_path("traces/quickstart.jsonl") + R"(", ")" +
                                          source_path("traces/golden/compare-mixed.jsonl") +
                                          R"("], "policies": ["stock", "region-aware"],
             "set": {"zone.region_size": ["8MiB", "16MiB"]}})";
  const auto r = run_memsim({"sweep", (dir / "spec.json").string(), "-o", (dir / "out").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  // The page opened as sweep.html#sort=-fallbacks: the script has sorted the rows by fallbacks,
  // most first.
  const fs::path page = (dir / "out/sweep.html").string() + "#sort=-fallbacks";
  REQUIRE(chromium(binary, dir, "--dump-dom", page, dir / "dom.html") == 0);
  const std::string dom = slurp(dir / "dom.html");
  INFO(slurp(dir / "chromium.err"));
  CHECK_THAT(dom, Contains(R"(<th aria-sort="descending">fallbacks</th>)"));
  // Each row: run, trace, policy, region size, then the metrics; fallbacks is 8 cells on.
  std::vector<double> fallbacks;
  std::vector<std::string> runs;
  for (auto row = dom.find("<tr><td data-v=\""); row != std::string::npos;
       row = dom.find("<tr><td data-v=\"", row + 1)) {
    runs.push_back(dom.substr(row + 16, dom.find('"', row + 16) - row - 16));
    auto cell = row;
    for (int i = 0; i < 8; ++i) cell = dom.find("<td data-v=\"", cell + 1);
    fallbacks.push_back(std::stod(dom.substr(cell + 12, dom.find('"', cell + 12) - cell - 12)));
  }
  REQUIRE(fallbacks.size() == 8);
  CHECK(std::is_sorted(fallbacks.rbegin(), fallbacks.rend()));
  CHECK(fallbacks.front() > fallbacks.back());
  CHECK(runs != std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"});
}
