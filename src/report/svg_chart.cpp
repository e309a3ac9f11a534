// The SVG line chart of report/svg_chart.hpp: axes with "nice" ticks (1, 2, 5 × 10^k), one
// polyline per series (broken at null values), points with hover titles when there are few,
// and the trace's marks. Coordinates are printed with one decimal: same input, same bytes.
#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {
namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 26, kBottom = 34;
constexpr double kPlotW = kChartWidth - kLeft - kRight;
constexpr double kPlotH = kChartHeight - kTop - kBottom;
constexpr std::size_t kMaxMarkers = 60; // points drawn as circles up to this many per series

// The smallest 1/2/5 × 10^k step that cuts [0, top] into at most `count` intervals.
double nice_step(double top, int count) {
  if (top <= 0) return 1;
  const double raw = top / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

struct Scale {
  double x_min = 0, x_max = 1, y_max = 1;
  const std::vector<std::string>* categories = nullptr; // a categorical x axis
  double x(double v) const { return kLeft + (v - x_min) / (x_max - x_min) * kPlotW; }
  double y(double v) const { return kTop + kPlotH - v / y_max * kPlotH; }
};

Scale make_scale(const ChartSpec& spec, const std::vector<std::string>* categories) {
  double x_max = 0, y_max = 0;
  for (const auto& s : spec.series) {
    for (const auto& [x, y] : s.points) {
      x_max = std::max(x_max, x);
      if (y) y_max = std::max(y_max, *y);
    }
  }
  for (const auto& m : spec.marks) x_max = std::max(x_max, m.x);
  Scale scale;
  scale.x_max = x_max > 0 ? x_max : 1;
  if (categories != nullptr) { // half a step of margin on both sides
    scale.categories = categories;
    scale.x_min = -0.5;
    scale.x_max = static_cast<double>(categories->size()) - 0.5;
  }
  if (spec.y_max) {
    scale.y_max = *spec.y_max;
  } else {
    const double step = std::max(nice_step(y_max, 5), spec.integer ? 1.0 : 0.0);
    scale.y_max = y_max > 0 ? std::ceil(y_max / step) * step : 1;
  }
  return scale;
}

void draw_axes(std::string& out, const ChartSpec& spec, const Scale& scale) {
  out += fmt::format(R"(<rect class="plot" x="{}" y="{}" width="{}" height="{}" fill="#fff" )"
                     R"(stroke="#bbb"/>)",
                     kLeft, kTop, kPlotW, kPlotH);
  const double y_step = std::max(nice_step(scale.y_max, 5), spec.integer ? 1.0 : 0.0);
  for (double v = 0; v <= scale.y_max * 1.0000001; v += y_step) {
    const double y = scale.y(v);
    out += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#eee"/>)", kLeft,
                       kLeft + kPlotW, y, y);
    out += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" class="tick">{}</text>)",
                       kLeft - 6, y + 4, format_tick(v));
  }
  for (std::size_t i = 0; scale.categories != nullptr && i < scale.categories->size(); ++i) {
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" class="tick">{}</text>)",
                       scale.x(static_cast<double>(i)), kTop + kPlotH + 14,
                       html_escape((*scale.categories)[i]));
  }
  const double x_step = nice_step(scale.x_max, 8);
  for (double v = 0; scale.categories == nullptr && v <= scale.x_max * 1.0000001; v += x_step) {
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" class="tick">{}</text>)",
                       scale.x(v), kTop + kPlotH + 14, format_tick(v));
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>)",
                     kLeft + kPlotW / 2, kChartHeight - 4, html_escape(spec.x_label));
  out += fmt::format(R"(<text x="{}" y="16" class="chart-title">{}</text>)", kLeft,
                     html_escape(spec.title));
}

// A mark is a dashed line with its label as hover text; the label is also written along the
// line when the previous written label is at least 12 px away.
void draw_marks(std::string& out, const ChartSpec& spec, const Scale& scale) {
  double last_label = -1e9;
  for (const ChartMark& m : spec.marks) {
    const double x = scale.x(m.x);
    out += fmt::format(R"(<g class="mark"><title>{}</title>)", html_escape(m.label));
    out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" stroke="#888" )"
                       R"(stroke-dasharray="3,3"/>)",
                       x, x, kTop, kTop + kPlotH);
    if (x - last_label >= 12) {
      out += fmt::format(
          R"svg(<text transform="translate({:.1f},{}) rotate(90)" class="mark-label">{}</text>)svg",
          x + 3, kTop + 4, html_escape(m.label));
      last_label = x;
    }
    out += "</g>";
  }
}

using Points = std::vector<std::pair<double, double>>;

// Per pixel column: the first, lowest, highest and last point, in x order.
Points reduce(const Points& points, const Scale& scale) {
  if (points.size() <= 2 * static_cast<std::size_t>(kPlotW)) return points;
  Points out;
  std::size_t i = 0;
  while (i < points.size()) {
    const auto column = static_cast<long>(scale.x(points[i].first));
    std::size_t j = i, lo = i, hi = i;
    while (j < points.size() && static_cast<long>(scale.x(points[j].first)) == column) {
      if (points[j].second < points[lo].second) lo = j;
      if (points[j].second > points[hi].second) hi = j;
      ++j;
    }
    std::vector<std::size_t> keep{i, lo, hi, j - 1};
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    for (const std::size_t k : keep) out.push_back(points[k]);
    i = j;
  }
  return out;
}

// A point's hover text: the value at its event, or at its category.
std::string point_place(const Scale& scale, double x) {
  const auto i = static_cast<std::size_t>(x);
  if (scale.categories != nullptr && i < scale.categories->size()) return (*scale.categories)[i];
  return "event " + format_count(static_cast<std::uint64_t>(x));
}

void draw_series(std::string& out, const ChartSeries& s, std::size_t index, const Scale& scale) {
  out += fmt::format(R"(<g class="series" data-run="{}"><title>{}</title>)", index,
                     html_escape(s.name));
  std::vector<Points> segments(1);
  for (const auto& [x, y] : s.points) {
    if (y) {
      segments.back().emplace_back(x, *y);
    } else if (!segments.back().empty()) {
      segments.emplace_back();
    }
  }
  for (const Points& segment : segments) {
    if (segment.empty()) continue;
    std::string coords;
    for (const auto& [x, y] : reduce(segment, scale))
      coords += fmt::format("{}{:.1f},{:.1f}", coords.empty() ? "" : " ", scale.x(x), scale.y(y));
    out += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.6" points="{}"/>)",
                       s.color, coords);
  }
  if (s.points.size() <= kMaxMarkers) {
    for (const auto& [x, y] : s.points) {
      if (!y) continue;
      out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.2" fill="{}"><title>{}: {} at )"
                         R"({}</title></circle>)",
                         scale.x(x), scale.y(*y), s.color, html_escape(s.name), format_tick(*y),
                         html_escape(point_place(scale, x)));
    }
  }
  out += "</g>";
}

std::string chart_svg(const ChartSpec& spec, const std::vector<std::string>* categories) {
  const Scale scale = make_scale(spec, categories);
  std::string out =
      fmt::format(R"(<svg class="chart" id="{}" xmlns="http://www.w3.org/2000/svg" )"
                  R"(width="{}" height="{}" viewBox="0 0 {} {}" role="img">)",
                  html_escape(spec.id), kChartWidth, kChartHeight, kChartWidth, kChartHeight);
  draw_axes(out, spec, scale);
  draw_marks(out, spec, scale);
  for (std::size_t i = 0; i < spec.series.size(); ++i) draw_series(out, spec.series[i], i, scale);
  out += "</svg>";
  return out;
}

} // namespace

std::string line_chart_svg(const ChartSpec& spec) {
  return chart_svg(spec, nullptr);
}

std::string category_chart_svg(const ChartSpec& spec, const std::vector<std::string>& categories) {
  return chart_svg(spec, &categories);
}

} // namespace memsim
