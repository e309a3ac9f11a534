// The "Timelines" section of the report (report/timeline_charts.hpp): the metrics of a
// timeline sample, each drawn by svg_chart.cpp with one series per run, and the marks, which
// are the union of the runs' labelled samples in event order.
#include "report/timeline_charts.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/svg_chart.hpp"

namespace memsim {
namespace {

std::vector<ChartMark> collect_marks(const std::vector<ReportRun>& runs) {
  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::vector<ChartMark> marks;
  for (const ReportRun& run : runs) {
    for (const TimelineSample& s : run.timeline) {
      if (s.label && seen.emplace(s.event, *s.label).second)
        marks.push_back({static_cast<double>(s.event), *s.label});
    }
  }
  std::stable_sort(marks.begin(), marks.end(),
                   [](const ChartMark& a, const ChartMark& b) { return a.x < b.x; });
  return marks;
}

// A timeline metric: its chart id, title, value of a sample and fixed top (fractions).
struct Metric {
  const char* id;
  const char* title;
  std::function<std::optional<double>(const TimelineSample&)> get;
  std::optional<double> y_max;
};

std::optional<double> count(std::uint64_t v) {
  return static_cast<double>(v);
}

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> list = {
      {"free_regions", "Free regions", [](const auto& s) { return count(s.free_regions); }, {}},
      {"mixed_regions", "Mixed regions", [](const auto& s) { return count(s.mixed_regions); }, {}},
      {"homogeneity", "Homogeneity", [](const auto& s) { return s.homogeneity; }, 1.0},
      {"fallbacks", "Fallbacks (cumulative)", [](const auto& s) { return count(s.fallbacks); }, {}},
      {"free_pages", "Free pages", [](const auto& s) { return count(s.free_pages); }, {}},
      {"mixed_pageblocks",
       "Mixed pageblocks",
       [](const auto& s) { return count(s.mixed_pageblocks); },
       {}},
      {"unusable_index_pageblock", "Unusable free index at pageblock order",
       [](const auto& s) { return std::optional<double>(s.unusable_index_pageblock); }, 1.0},
  };
  return list;
}

std::string chart(const Metric& metric, const std::vector<ReportRun>& runs,
                  const std::vector<ChartMark>& marks) {
  ChartSpec spec{std::string("chart-") + metric.id,
                 metric.title,
                 "trace event",
                 metric.y_max,
                 !metric.y_max,
                 {},
                 marks};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    ChartSeries series{runs[i].policy, report_run_colour(i), {}};
    for (const TimelineSample& s : runs[i].timeline)
      series.points.emplace_back(static_cast<double>(s.event), metric.get(s));
    spec.series.push_back(std::move(series));
  }
  return line_chart_svg(spec);
}

std::string marks_table(const std::vector<ChartMark>& marks) {
  if (marks.empty()) return {};
  std::string out =
      fmt::format(R"(<details><summary>{} mark{}</summary><table class="marks"><thead><tr>)"
                  "<th>label</th><th>event</th></tr></thead><tbody>",
                  marks.size(), marks.size() == 1 ? "" : "s");
  for (const ChartMark& m : marks) {
    out += fmt::format("<tr><td>{}</td><td>{}</td></tr>", html_escape(m.label),
                       format_count(static_cast<std::uint64_t>(m.x)));
  }
  return out + "</tbody></table></details>";
}

} // namespace

std::string timeline_section_html(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="timelines"><h2>Timelines</h2>)";
  if (std::all_of(runs.begin(), runs.end(), [](const auto& r) { return r.timeline.empty(); }))
    return out + "<p>No timeline samples in these stats.</p></section>";
  out += R"(<div class="legend">)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)", report_run_colour(i),
                       html_escape(runs[i].policy));
  }
  out += R"(<span>dashed lines: marks of the trace</span></div><div class="charts">)";
  const std::vector<ChartMark> marks = collect_marks(runs);
  for (const Metric& metric : metrics()) out += chart(metric, runs, marks);
  return out + "</div>" + marks_table(marks) + "</section>";
}

} // namespace memsim
