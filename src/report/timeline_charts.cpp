// The "Timelines" section of the report (report/timeline_charts.hpp): the x axis the runs
// share, the metrics of a timeline sample, each drawn by svg_chart.cpp with one series per run,
// and the marks, which are the union of the runs' labelled samples in x order.
#include "report/timeline_charts.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {
namespace {

std::vector<ChartMark> collect_marks(const std::vector<ReportRun>& runs, const TimelineAxis& axis) {
  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::vector<ChartMark> marks;
  for (const ReportRun& run : runs) {
    for (const TimelineSample& s : run.timeline) {
      if (s.label && seen.emplace(s.event, *s.label).second)
        marks.push_back({timeline_x(s, axis), *s.label});
    }
  }
  std::stable_sort(marks.begin(), marks.end(),
                   [](const ChartMark& a, const ChartMark& b) { return a.x < b.x; });
  return marks;
}

// The hover text's first line for each x a sample has: where it is, its mark, the end.
std::function<std::string(double)> describer(const std::vector<ReportRun>& runs,
                                             const TimelineAxis& axis) {
  auto names = std::make_shared<std::map<double, std::string>>();
  for (const ReportRun& run : runs) {
    for (std::size_t i = 0; i < run.timeline.size(); ++i) {
      const TimelineSample& s = run.timeline[i];
      std::string text = axis.time ? fmt::format("t = {:.3f} s, event {}", *s.t - axis.origin,
                                                 format_count(s.event))
                                   : fmt::format("event {}", format_count(s.event));
      if (s.label) text += fmt::format(" (mark: {})", *s.label);
      if (run.timeline_end_added && i + 1 == run.timeline.size()) text += " (end of the trace)";
      names->emplace(timeline_x(s, axis), std::move(text));
    }
  }
  return [names](double x) {
    const auto it = names->find(x);
    return it == names->end() ? format_tick(x) : it->second;
  };
}

struct Metric {
  const char* id;
  const char* title;
  std::function<std::optional<double>(const TimelineSample&)> get;
  bool integer;
  bool percent;
  bool high_order = false; // a docs/spec.md §9 key: not drawn from stats that lack them
};

std::optional<double> count(std::uint64_t v) {
  return static_cast<double>(v);
}

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> list = {
      {"free_regions", "Free regions (no allocated page)",
       [](const auto& s) { return count(s.free_regions); }, true, false},
      {"free_pageblocks_whole",
       "Free whole pageblocks (free blocks of pageblock order or more, in pageblocks)",
       [](const auto& s) { return count(s.free_pageblocks_whole); }, true, false, true},
      {"mixed_regions", "Mixed regions (two or more migratetypes)",
       [](const auto& s) { return count(s.mixed_regions); }, true, false},
      {"homogeneity", "Homogeneity (%)", [](const auto& s) { return s.homogeneity; }, false, true},
      {"fallbacks", "Fallbacks (cumulative)", [](const auto& s) { return count(s.fallbacks); },
       true, false},
      {"free_pages", "Free pages", [](const auto& s) { return count(s.free_pages); }, true, false},
      {"mixed_pageblocks", "Mixed pageblocks",
       [](const auto& s) { return count(s.mixed_pageblocks); }, true, false},
      {"unusable_index_pageblock", "Unusable free space index at pageblock order",
       [](const auto& s) { return std::optional<double>(s.unusable_index_pageblock); }, false,
       false},
  };
  return list;
}

// --power adds the segments off and offlinable (docs/power.md).
std::vector<Metric> chart_metrics(const std::vector<ReportRun>& runs) {
  std::vector<Metric> list = metrics();
  const auto has = [](const ReportRun& r) {
    return std::any_of(r.timeline.begin(), r.timeline.end(),
                       [](const TimelineSample& s) { return s.segments.has_value(); });
  };
  if (std::none_of(runs.begin(), runs.end(), has)) return list;
  const auto segments = [](std::uint64_t SegmentSample::*field) {
    return [field](const TimelineSample& s) {
      return s.segments ? count((*s.segments).*field) : std::nullopt;
    };
  };
  list.push_back(
      {"segments_off", "Power segments off", segments(&SegmentSample::off), true, false});
  list.push_back({"segments_offlinable", "Power segments offlinable (only movable pages)",
                  segments(&SegmentSample::offlinable), true, false});
  return list;
}

double strip_x(double x, const TimelineAxis& axis) {
  const double span = axis.x_max > 0 ? axis.x_max : 1;
  return kChartLeft + x / span * (kChartWidth - kChartLeft - kChartRight);
}

// The marks' numbered ticks down to the strip's axis at `axis_y`, aligned with the charts' x
// axes: one row of numbers, a second where two would touch.
std::string mark_ticks(const std::vector<ChartMark>& marks, const TimelineAxis& axis,
                       double axis_y) {
  std::array<double, 2> row_end{-1e9, -1e9};
  std::string out;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const double x = strip_x(marks[i].x, axis);
    const double width = 6.0 * static_cast<double>(std::to_string(i + 1).size()) + 4;
    const std::size_t row = row_end[0] <= x - 1 ? 0 : row_end[1] <= x - 1 ? 1 : 0;
    row_end[row] = x + 3 + width;
    const double y = row == 0 ? 12 : 24;
    out +=
        fmt::format(R"(<g class="mark-tick"><title>{}. {}</title><line x1="{:.1f}" )"
                    R"(x2="{:.1f}" y1="{:.0f}" y2="{:.0f}" stroke="#888"/><text x="{:.1f}" )"
                    R"(y="{:.0f}" class="mark-label">{}</text></g>)",
                    i + 1, html_escape(marks[i].label), x, x, y - 9, axis_y + 4, x + 3, y, i + 1);
  }
  return out;
}

// The key "1 label  2 label ..." from `top` down, left to right; `end` gets its last baseline.
std::string mark_key(const std::vector<ChartMark>& marks, double top, double& end) {
  std::string out;
  double x = kChartLeft, y = top;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const std::string text = fmt::format("{} {}", i + 1, marks[i].label);
    const double width = 6.0 * static_cast<double>(text.size()) + 18;
    if (x + width > kChartWidth - kChartRight && x > kChartLeft) {
      x = kChartLeft;
      y += 14;
    }
    out += fmt::format(R"(<text x="{:.1f}" y="{:.0f}" class="mark-key"><tspan )"
                       R"(class="mark-number">{}</tspan> {}</text>)",
                       x, y, i + 1, html_escape(marks[i].label));
    x += width;
  }
  end = y;
  return out;
}

} // namespace

TimelineAxis timeline_axis(const std::vector<ReportRun>& runs) {
  TimelineAxis axis;
  axis.time = true;
  std::optional<double> origin;
  for (const ReportRun& run : runs) {
    for (const TimelineSample& s : run.timeline) axis.time = axis.time && s.t.has_value();
    if (run.t_start) origin = std::min(origin.value_or(*run.t_start), *run.t_start);
  }
  bool any = false;
  for (const ReportRun& run : runs) any = any || !run.timeline.empty();
  axis.time = axis.time && any;
  if (axis.time && !origin) {
    for (const ReportRun& run : runs)
      if (!run.timeline.empty())
        origin = std::min(origin.value_or(*run.timeline[0].t), *run.timeline[0].t);
  }
  axis.origin = axis.time ? origin.value_or(0) : 0;
  for (const ReportRun& run : runs) {
    if (run.timeline.empty()) continue;
    const TimelineSample& last = run.timeline.back();
    axis.x_max =
        std::max(axis.x_max, axis.time ? *last.t - axis.origin : static_cast<double>(last.event));
  }
  axis.label = axis.time ? fmt::format("seconds since the trace's first event (at t = {:.6f} s)",
                                       axis.origin)
                         : "trace event (index: the trace has no timestamps)";
  return axis;
}

double timeline_x(const TimelineSample& s, const TimelineAxis& axis) {
  return axis.time ? *s.t - axis.origin : static_cast<double>(s.event);
}

std::vector<ChartSpec> timeline_chart_specs(const std::vector<ReportRun>& runs) {
  const TimelineAxis axis = timeline_axis(runs);
  const std::vector<ChartMark> marks = collect_marks(runs, axis);
  const auto describe = describer(runs, axis);
  std::vector<ChartSpec> specs;
  for (const Metric& metric : chart_metrics(runs)) {
    ChartSpec spec;
    spec.id = std::string("chart-") + metric.id;
    spec.title = metric.title;
    spec.x_label = axis.label;
    spec.x_min = 0;
    spec.x_max = axis.x_max > 0 ? axis.x_max : 1;
    spec.integer = metric.integer;
    spec.percent = metric.percent;
    spec.marks = marks;
    spec.describe_x = describe;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      ChartSeries series{display_name(runs[i]), report_run_colour(i), {}};
      const bool known = runs[i].has_high_order || !metric.high_order;
      for (const TimelineSample& s : runs[i].timeline)
        series.points.emplace_back(timeline_x(s, axis), known ? metric.get(s) : std::nullopt);
      spec.series.push_back(std::move(series));
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string marks_strip_svg(const std::vector<ReportRun>& runs) {
  const TimelineAxis axis = timeline_axis(runs);
  const std::vector<ChartMark> marks = collect_marks(runs, axis);
  if (marks.empty()) return {};
  constexpr double kAxisY = 30;
  double key_end = kAxisY;
  const std::string ticks = mark_ticks(marks, axis, kAxisY);
  const std::string key = mark_key(marks, kAxisY + 20, key_end);
  const double height = key_end + 6;
  return fmt::format(R"(<svg class="marks-strip" xmlns="http://www.w3.org/2000/svg" width="{}" )"
                     R"(height="{:.0f}" viewBox="0 0 {} {:.0f}" role="img"><text x="4" y="12" )"
                     R"(class="axis">marks</text><line x1="{}" x2="{}" y1="{:.0f}" y2="{:.0f}" )"
                     R"(stroke="#999"/>{}{}</svg>)",
                     kChartWidth, height, kChartWidth, height, kChartLeft,
                     kChartWidth - kChartRight, kAxisY, kAxisY, ticks, key);
}

ReportTable marks_table(const std::vector<ReportRun>& runs) {
  const TimelineAxis axis = timeline_axis(runs);
  ReportTable table{"marks", "marks", "Marks of the trace", {}, {}};
  for (const char* h : {"#", "label", "event", axis.time ? "t (s since the first event)" : "t"})
    table.header.push_back({html_escape(h), h, {}, {}});
  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::vector<const TimelineSample*> samples;
  for (const ReportRun& run : runs)
    for (const TimelineSample& s : run.timeline)
      if (s.label && seen.emplace(s.event, *s.label).second) samples.push_back(&s);
  std::stable_sort(samples.begin(), samples.end(), [&](const auto* a, const auto* b) {
    return timeline_x(*a, axis) < timeline_x(*b, axis);
  });
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const TimelineSample& s = *samples[i];
    const std::string t = axis.time ? fmt::format("{:.3f}", *s.t - axis.origin) : "";
    table.rows.push_back({{std::to_string(i + 1), std::to_string(i + 1), {}, {}},
                          {html_escape(*s.label), *s.label, {}, {}},
                          {format_count(s.event), std::to_string(s.event), {}, {}},
                          {t.empty() ? "\u2013" : t, t, {}, {}}});
  }
  return table;
}

std::string timeline_section_html(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="timelines"><h2>Timelines</h2>)";
  if (std::all_of(runs.begin(), runs.end(), [](const auto& r) { return r.timeline.empty(); }))
    return out + "<p>No timeline samples in these stats.</p></section>";
  out += "<p>Every chart has the same x axis; every run is one line (its colour, dash and "
         "marker in the legend). Hover a chart for every run's value at a sample. The last "
         "point of each line is the end of the trace (the summary's figures).";
  const ReportTable marks = marks_table(runs);
  if (!marks.rows.empty())
    out += " The trace's marks are numbered in the row below and on the charts, where "
           "alternate phases between them are shaded.";
  out += "</p>";
  out += marks_strip_svg(runs);
  out += R"(<div class="charts">)";
  std::vector<ChartSpec> specs = timeline_chart_specs(runs);
  for (std::size_t i = 0; i + 1 < specs.size(); ++i) specs[i].x_label.clear(); // stacked: once
  for (const ChartSpec& spec : specs) out += line_chart_svg(spec);
  out += "</div>";
  if (!marks.rows.empty())
    out += fmt::format("<details><summary>{} mark{}</summary>{}</details>", marks.rows.size(),
                       marks.rows.size() == 1 ? "" : "s", table_html(marks));
  return out + "</section>";
}

} // namespace memsim
