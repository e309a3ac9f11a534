// Line charts as inline SVG for the report's timelines: one chart per metric, every run a
// series on the same axes (a comparison shares its scales by construction), marks as labelled
// vertical lines. Long series are reduced to each pixel column's first, lowest, highest and
// last point, so the envelope drawn is the data's.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace memsim {

struct ChartSeries {
  std::string name;                                             // the run (policy entry)
  std::string color;                                            // CSS colour
  std::vector<std::pair<double, std::optional<double>>> points; // (x, y); null y breaks the line
};

struct ChartMark {
  double x = 0;
  std::string label;
};

struct ChartSpec {
  std::string id;    // the svg element's id
  std::string title; // drawn above the plot
  std::string x_label;
  std::optional<double> y_max; // fixed top of the y axis (e.g. 1 for fractions), else the data's
  bool integer = false;        // counts: no tick between whole numbers
  std::vector<ChartSeries> series;
  std::vector<ChartMark> marks;
};

inline constexpr int kChartWidth = 620;
inline constexpr int kChartHeight = 230;

// <svg class="chart" id="..."> ... </svg>, deterministic bytes.
std::string line_chart_svg(const ChartSpec& spec);
// The same chart over a categorical x axis: point x = i stands for categories[i], drawn at
// evenly spaced ticks with that label (the sweep report: one tick per value of a parameter).
std::string category_chart_svg(const ChartSpec& spec, const std::vector<std::string>& categories);

} // namespace memsim
