// Line charts as inline SVG for the report's timelines: one chart per metric, every run a series
// on the same axes (a comparison shares its scales by construction), each run with its own
// colour, dash pattern and marker so that equal series stay visible; the y axis fits the data,
// the x axis is the shared domain of all charts; the trace's marks shade alternate phases and
// carry their numbers; a transparent column per sample gives every run's value on hover. Long
// series are reduced to each pixel column's first, lowest, highest and last point, so the
// envelope drawn is the data's.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace memsim {

struct ChartSeries {
  std::string name;                                             // the run (its display name)
  std::string color;                                            // CSS colour
  std::vector<std::pair<double, std::optional<double>>> points; // (x, y); null y breaks the line
};

struct ChartMark {
  double x = 0;
  std::string label;
};

struct ChartSpec {
  std::string id;              // the svg element's id
  std::string title;           // drawn above the plot, with the unit
  std::string x_label;         // what x is ("seconds since the trace's first event", ...); "": none
  double x_min = 0, x_max = 0; // the x domain; equal: from the data
  bool integer = false;        // counts: whole-number ticks and values
  bool percent = false;        // fractions drawn and shown as percentages
  int decimals = 3;            // hover values that are neither counts nor percentages
  std::vector<ChartSeries> series;
  std::vector<ChartMark> marks; // in x order, numbered 1.. on the chart
  // The hover text's first line for a sample at x ("t = 1.25 s, event 1,234"); default: x.
  std::function<std::string(double)> describe_x;
};

inline constexpr int kChartWidth = 1000;
inline constexpr int kChartHeight = 210;
inline constexpr double kChartLeft = 72;  // the plot's left edge
inline constexpr double kChartRight = 16; // the margin right of the plot

// <svg class="chart" id="..."> ... </svg>, deterministic bytes.
std::string line_chart_svg(const ChartSpec& spec);
// The same chart over a categorical x axis: point x = i stands for categories[i], drawn at
// evenly spaced ticks with that label (the sweep report: one tick per value of a parameter).
std::string category_chart_svg(const ChartSpec& spec, const std::vector<std::string>& categories);
// The stroke-dasharray of the i-th run ("" for solid), shared by the charts and their legends.
const char* series_dash(std::size_t i);

} // namespace memsim
