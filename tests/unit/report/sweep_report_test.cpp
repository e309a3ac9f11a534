// The merged outputs of a sweep (report/sweep_csv.hpp, report/sweep_html.hpp) from a hand-built
// table: CSV columns and quoting as docs/spec.md §10 fixes them, empty cells for absent numbers;
// the HTML page's sortable table, one chart per metric for each parameter but the trace, numbered
// ticks with a key when the values are long, nothing fetched, and the same bytes twice.
#include <catch2/catch.hpp>

#include <sstream>

#include "report/sweep_csv.hpp"
#include "report/sweep_html.hpp"

using namespace memsim;
using Catch::Matchers::Contains;

namespace {

// 2 traces x 2 policies x 1 region size; energy_j present in run 1 only.
SweepTable table() {
  SweepTable t;
  t.parameters = {{"trace", {"a.jsonl", "rec,1/b.jsonl"}},
                  {"policy", {"stock", "region-aware:ra_cache=false+sorted_freelists=false"}},
                  {"zone.region_size", {"64MiB"}}};
  t.metrics = {"free_regions", "homogeneity", "energy_j"};
  for (std::uint64_t run = 0; run < 4; ++run) {
    SweepRow row{run, {run / 2, run % 2, 0}, {run * 10, 0.5 + 0.125 * double(run), nullptr}};
    t.rows.push_back(row);
  }
  t.rows[1].cells[2] = 1.25;
  return t;
}

std::string csv() {
  std::ostringstream out;
  write_sweep_csv(out, table());
  return out.str();
}

std::string html() {
  std::ostringstream out;
  write_sweep_html(out, table(), "/s/spec.json");
  return out.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

} // namespace

TEST_CASE("sweep.csv has run, parameters and metrics, quoted fields and empty absent cells",
          "[sweep]") {
  CHECK(csv() ==
        "run,trace,policy,zone.region_size,free_regions,homogeneity,energy_j\n"
        "0,a.jsonl,stock,64MiB,0,0.5,\n"
        "1,a.jsonl,region-aware:ra_cache=false+sorted_freelists=false,64MiB,10,0.625,1.25\n"
        "2,\"rec,1/b.jsonl\",stock,64MiB,20,0.75,\n"
        "3,\"rec,1/b.jsonl\",region-aware:ra_cache=false+sorted_freelists=false,64MiB,30,"
        "0.875,\n");
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("sweep.html: a sortable table of every run and small multiples per parameter",
          "[sweep]") {
  const std::string page = html();
  CHECK(page == html());
  CHECK_THAT(page, Contains("<title>memsim sweep: 4 runs of /s/spec.json</title>"));
  CHECK(count(page, "<tr><td data-v=") == 4);
  CHECK_THAT(page, Contains(R"(<td data-v="1"><a href="runs/0001.json">1</a></td>)"));
  CHECK_THAT(page, Contains(R"(<td data-v="0.625">0.6250</td>)"));
  CHECK_THAT(page, Contains(R"(<td data-v=""></td>)"));
  CHECK_THAT(page, Contains(R"(<table class="sweep sortable">)"));
  CHECK_THAT(page, Contains("<script>") && Contains("location.hash"));
  // Only the policy has two values and is not the trace: one chart per metric for it.
  CHECK(count(page, "<svg class=\"chart\"") == 3);
  CHECK_THAT(page, Contains(R"(id="by-policy-homogeneity")"));
  CHECK_THAT(page, !Contains("By trace") && !Contains("By zone.region_size"));
  // The second policy entry does not fit under its tick: ticks 1, 2 and a key.
  CHECK_THAT(page, Contains("1 = stock · 2 = region-aware:ra_cache=false+sorted_freelists=false"));
  // One line per trace across the policies.
  CHECK_THAT(page, Contains(">trace=a.jsonl</text>")); // in each chart's legend
  CHECK_THAT(page, Contains(">trace=rec,1/b.jsonl</text>"));
  // Hovering tick 2 of homogeneity gives both traces' values there, in percent.
  CHECK_THAT(page,
             Contains("<title>2\ntrace=a.jsonl: 62.50%\ntrace=rec,1/b.jsonl: 87.50%</title>"));
  // Self-contained: nothing loaded from anywhere.
  CHECK_THAT(page, !Contains("src=") && !Contains("<link") && !Contains("https:"));
}
