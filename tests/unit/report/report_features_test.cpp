// The report as a figure for a paper (report/timeline_charts.cpp, svg_chart.cpp,
// memory_map.cpp, report_tables.cpp, report_input.cpp): the time axis, the end point, the
// marks row, distinct and hoverable series, y axes fitted to the data, pageblock occupancy,
// one unit per metric, and the check that runs of different documents agree.
#include <catch2/catch.hpp>
#include <sstream>

#include "../stats/report_test_data.hpp"
#include "report/memory_map.hpp"
#include "report/report_input.hpp"
#include "report/report_tables.hpp"
#include "report/stats_json.hpp"
#include "report/svg_chart.hpp"
#include "report/timeline_charts.hpp"

using Catch::Contains;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The sample run of the exporter tests as `memsim report` reads it back, without its label.
memsim::ReportRun sample_report_run(memsim::RunStats stats = memsim::test::sample_run_stats()) {
  memsim::ReportRun run =
      memsim::report_runs_as_written(memsim::stats_to_json(stats), "sample.json").front();
  run.label.reset();
  return run;
}

// The chart of `id` among the section's charts.
const memsim::ChartSpec& chart(const std::vector<memsim::ChartSpec>& specs, const std::string& id) {
  for (const auto& spec : specs)
    if (spec.id == id) return spec;
  FAIL("no chart " << id);
  return specs.front();
}

memsim::TimelineSample sample_at(std::uint64_t event, std::optional<double> t, double h) {
  memsim::TimelineSample s;
  s.event = event;
  s.t = t;
  s.homogeneity = h;
  return s;
}

} // namespace

TEST_CASE("Charts have seconds since the first event on x when every sample has a t", "[report]") {
  memsim::ReportRun run = sample_report_run();
  run.t_start = 100.0;
  run.timeline = {sample_at(5, 101.5, 0.9), sample_at(9, 104.0, 0.8)};
  auto specs = memsim::timeline_chart_specs({run});
  REQUIRE(specs.size() == 8);
  CHECK_THAT(chart(specs, "chart-homogeneity").x_label,
             Contains("seconds since the trace's first event (at t = 100."));
  CHECK(chart(specs, "chart-homogeneity").series[0].points.front().first == 1.5);
  CHECK(chart(specs, "chart-homogeneity").series[0].points.back().first == 4.0);
  CHECK(chart(specs, "chart-homogeneity").x_max == 4.0);

  run.timeline[1].t.reset(); // one sample without t: the event index for all
  specs = memsim::timeline_chart_specs({run});
  CHECK_THAT(chart(specs, "chart-homogeneity").x_label, Contains("trace event (index"));
  CHECK(chart(specs, "chart-homogeneity").series[0].points.back().first == 9.0);
}

TEST_CASE("The end of the trace is the timeline's last point, with the summary's figures",
          "[report]") {
  const memsim::ReportRun run = sample_report_run(); // 12 events, last sample at event 8
  REQUIRE(run.timeline.size() == 3);
  CHECK(run.timeline_end_added);
  const memsim::TimelineSample& end = run.timeline.back();
  CHECK(end.event == 11);
  CHECK(end.t == 1.5);
  CHECK(end.free_regions == run.free_regions);
  CHECK(end.mixed_regions == run.mixed_regions);
  CHECK(end.homogeneity == run.homogeneity);
  CHECK(end.free_pages == run.free_pages);
  CHECK(end.fallbacks == run.fallbacks);
  CHECK(end.unusable_index_pageblock == run.unusable_index[run.pageblock_order]);

  memsim::RunStats at_end = memsim::test::sample_run_stats();
  at_end.timeline.back().event = 11; // already sampled at the last event: nothing added
  const memsim::ReportRun sampled = sample_report_run(at_end);
  CHECK(sampled.timeline.size() == 2);
  CHECK_FALSE(sampled.timeline_end_added);
}

TEST_CASE("Equal series stay visible: each run has its own width, dash and marker", "[report]") {
  memsim::ChartSpec spec;
  spec.id = "chart-test";
  spec.percent = true;
  for (const char* name : {"stock", "region-aware"}) {
    memsim::ChartSeries s{name, "#000", {}};
    for (int i = 0; i < 5; ++i) s.points.emplace_back(i, 0.9 + 0.01 * i);
    spec.series.push_back(s);
  }
  const std::string svg = memsim::line_chart_svg(spec);
  CHECK(count(svg, R"(stroke-width="2.8" stroke-dasharray="none")") == 2); // line and legend
  CHECK(count(svg, R"(stroke-width="1.8" stroke-dasharray="7 4")") == 2);
  CHECK(count(svg, "<circle") == 6);          // run 1's markers: 5 and the legend's
  CHECK(count(svg, R"(<rect x=")") >= 6);     // run 2's square markers
  CHECK_THAT(svg, Contains(">stock</text>")); // the legend names both
  CHECK_THAT(svg, Contains(">region-aware</text>"));
}

TEST_CASE("Hovering a chart gives every run's value at the sample, in the metric's unit",
          "[report]") {
  memsim::ReportRun a = sample_report_run();
  a.policy = "stock";
  a.timeline = {sample_at(5, std::nullopt, 0.93519), sample_at(8, std::nullopt, 0.9)};
  a.timeline_end_added = false;
  memsim::ReportRun b = a;
  b.policy = "region-aware";
  b.timeline[0].homogeneity = 0.53581;
  const auto specs = memsim::timeline_chart_specs({a, b});
  const std::string svg = memsim::line_chart_svg(chart(specs, "chart-homogeneity"));
  CHECK(count(svg, "<rect class=\"hover-column\"") == 2);
  CHECK_THAT(svg, Contains("<title>event 5\nstock: 93.52%\nregion-aware: 53.58%</title>"));
  CHECK_THAT(svg, Contains("<title>event 8\nstock: 90.00%\nregion-aware: 90.00%</title>"));
}

TEST_CASE("The y axis fits the data: homogeneity near 100% is not drawn from 0", "[report]") {
  memsim::ChartSpec spec;
  spec.id = "chart-h";
  spec.percent = true;
  memsim::ChartSeries s{"stock", "#000", {}};
  for (int i = 0; i < 10; ++i) s.points.emplace_back(i, 0.93 + 0.005 * i);
  spec.series.push_back(s);
  const std::string svg = memsim::line_chart_svg(spec);
  CHECK_THAT(svg, Contains(">92%</text>")); // 93% to 97.5%: ticks 92, 94, 96, 98
  CHECK_THAT(svg, Contains(">98%</text>"));
  CHECK_THAT(svg, !Contains(">0%</text>"));
  CHECK_THAT(svg, !Contains(">50%</text>"));
}

TEST_CASE("Marks are one row of numbered ticks with a key, and numbered phases on the charts",
          "[report]") {
  memsim::ReportRun run = sample_report_run();
  run.timeline = {sample_at(2, std::nullopt, 1), sample_at(5, std::nullopt, 0.9),
                  sample_at(8, std::nullopt, 0.8)};
  run.timeline[0].label = "phase A";
  run.timeline[1].label = "phase B";
  const std::string strip = memsim::marks_strip_svg({run});
  CHECK(count(strip, "<g class=\"mark-tick\">") == 2);
  CHECK_THAT(strip, Contains("<tspan class=\"mark-number\">1</tspan> phase A</text>"));
  CHECK_THAT(strip, Contains("<tspan class=\"mark-number\">2</tspan> phase B</text>"));
  const std::string chart = memsim::line_chart_svg(memsim::timeline_chart_specs({run})[0]);
  CHECK(count(chart, "<g class=\"mark\">") == 2);
  CHECK(count(chart, "class=\"mark-number\"") == 2);
  CHECK(count(chart, "<rect class=\"phase\"") == 1); // the second phase is shaded
  CHECK_THAT(chart, !Contains("rotate(90)"));        // no vertical text
  CHECK(memsim::marks_table({run}).rows.size() == 2);
}

TEST_CASE("The memory map shows each pageblock's allocated pages and which type is mixed in",
          "[report]") {
  memsim::ReportRun run = sample_report_run();
  run.pageblock_order = 10;
  memsim::ReportRegion& region = run.region_list[1];
  region.pageblock_map = "Mm";
  region.pageblock_allocated = {{12, 0, 500}, {0, 0, 1024}};
  region.pages = 2048;
  region.free_pages = 1000;
  run.region_list[0].pageblock_map = "mm";
  run.region_list[0].pageblock_allocated = {{0, 0, 0}, {0, 0, 0}};
  const std::string svg = memsim::memory_map_svg(run, 0, memsim::memory_map_layout({run}), true);
  CHECK_THAT(svg, Contains("R1 pageblock 0 (pfn 0x400-0x7ff): movable pageblock; 512 of 1,024 "
                           "pages allocated (50%), unmovable 12, movable 500; 1 mixed (holds "
                           "unmovable pages)</title>"));
  CHECK_THAT(svg, Contains("R1 pageblock 1 (pfn 0x800-0xbff): movable pageblock; 1,024 of 1,024 "
                           "pages allocated (100%), movable 1,024</title>"));
  CHECK(count(svg, "fill=\"url(#hatch-0-u)\"") >= 2); // the mixed band and the legend's sample
  CHECK(count(svg, "<rect class=\"used\"") == 3);     // R1: 12 + 500, then 1024 pages
  CHECK_THAT(svg, Contains(">R1 <tspan class=\"pfn\">0x400</tspan></text>"));
  CHECK_THAT(svg, Contains("class=\"tick\">+0x0</text>"));
  CHECK_THAT(svg, Contains("class=\"tick\">+0x800</text>")); // 2 pageblocks of 1024 pages
  CHECK_THAT(svg, Contains("striped band: a mixed pageblock; the stripes have the colour of the "
                           "type mixed in"));
}

TEST_CASE("Homogeneity is a percentage with 2 decimals in every table and its CSV", "[report]") {
  memsim::ReportRun a = sample_report_run();
  a.policy = "stock";
  memsim::ReportRun b = a;
  a.homogeneity = 0.93519;
  b.homogeneity = 0.53581;
  b.policy = "region-aware";
  const memsim::ReportTable table = memsim::summary_table({a, b});
  std::string html = memsim::table_html(table);
  CHECK_THAT(html, Contains("<td>homogeneity</td><td>93.52%</td><td>53.58%</td><td "
                            "class=\"delta\">\u221239.94 pp</td>"));
  std::ostringstream csv;
  memsim::write_table_csv(csv, table);
  CHECK_THAT(csv.str(), Contains("\nhomogeneity,93.52,53.58,-39.94\n"));
  CHECK_THAT(csv.str(), Contains("metric,stock,region-aware,delta region-aware\n"));
}

TEST_CASE("Runs of different documents must replay the same trace on the same zone", "[report]") {
  memsim::ReportRun a = sample_report_run();
  memsim::ReportRun b = a;
  b.document = 1;
  b.source = "b.json";
  CHECK_FALSE(memsim::mixed_inputs({a, b}));
  b.trace_events = 99;
  CHECK_THAT(*memsim::mixed_inputs({a, b}),
             Contains("b.json replays trace t.jsonl (99 events), but sample.json replays t.jsonl "
                      "(12 events)"));
  b = a;
  b.document = 1;
  b.region_size *= 2;
  CHECK_THAT(*memsim::mixed_inputs({a, b}), Contains("has another zone than sample.json"));
  b.document = 0; // one compare document: a per-entry zone override is the experiment
  CHECK_FALSE(memsim::mixed_inputs({a, b}));
}

TEST_CASE("A narrow axis of large counts labels every tick differently", "[report]") {
  memsim::ChartSpec spec;
  spec.id = "chart-whole";
  spec.integer = true;
  memsim::ChartSeries s{"stock", "#000", {}};
  for (int i = 0; i < 10; ++i) s.points.emplace_back(i, 12533.0 + i);
  spec.series.push_back(s);
  const std::string svg = memsim::line_chart_svg(spec);
  std::vector<std::string> labels;
  const std::string open = R"(text-anchor="end" class="tick">)";
  for (auto at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1)) {
    const auto from = at + open.size();
    labels.push_back(svg.substr(from, svg.find('<', from) - from));
  }
  REQUIRE(labels.size() >= 3);
  CHECK(std::adjacent_find(labels.begin(), labels.end()) == labels.end());
  INFO(labels.front());
  for (const std::string& label : labels) CHECK(label.rfind("12,5", 0) == 0); // in full: 12,535
}
