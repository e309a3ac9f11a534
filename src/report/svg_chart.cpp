// The SVG line chart of report/svg_chart.hpp: a legend row, the shaded phases between marks,
// axes with "nice" ticks (1, 2, 5 × 10^k) over the data's range, one polyline per series
// (broken at null values) with its dash pattern, markers when there are few points, and the
// hover columns. Coordinates are printed with one decimal: same input, same bytes.
#include "report/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {
namespace {

constexpr double kLeft = kChartLeft, kRight = kChartRight, kTop = 44, kBottom = 38;
constexpr double kPlotW = kChartWidth - kLeft - kRight;
constexpr double kPlotH = kChartHeight - kTop - kBottom;
constexpr std::size_t kMaxMarkers = 60; // points drawn as markers up to this many per series

// The smallest 1/2/5 × 10^k step that cuts `span` into at most `count` intervals.
double nice_step(double span, int count) {
  if (span <= 0) return 1;
  const double raw = span / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

struct Scale {
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1, y_step = 1, factor = 1;
  const std::vector<std::string>* categories = nullptr; // a categorical x axis
  double x(double v) const { return kLeft + (v - x_min) / (x_max - x_min) * kPlotW; }
  double y(double v) const {
    return kTop + kPlotH - (v * factor - y_min) / (y_max - y_min) * kPlotH;
  }
};

// The y range: the data's lowest and highest values, out to the nearest ticks.
Scale make_scale(const ChartSpec& spec) {
  Scale scale;
  scale.factor = spec.percent ? 100.0 : 1.0;
  double x_lo = INFINITY, x_hi = -INFINITY, lo = INFINITY, hi = -INFINITY;
  for (const auto& s : spec.series) {
    for (const auto& [x, y] : s.points) {
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      if (!y) continue;
      lo = std::min(lo, *y * scale.factor);
      hi = std::max(hi, *y * scale.factor);
    }
  }
  scale.x_min = spec.x_min < spec.x_max ? spec.x_min : (x_lo < x_hi ? x_lo : 0);
  scale.x_max = spec.x_min < spec.x_max ? spec.x_max : (x_lo < x_hi ? x_hi : 1);
  if (lo > hi) lo = hi = 0;
  if (hi - lo < (spec.integer ? 1.0 : 1e-9)) {
    const double pad = spec.integer ? 1.0 : std::max(std::fabs(hi) * 0.05, 0.01);
    lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
    hi += pad;
  }
  scale.y_step = std::max(nice_step(hi - lo, 4), spec.integer ? 1.0 : 0.0);
  scale.y_min = std::floor(lo / scale.y_step) * scale.y_step;
  scale.y_max = std::ceil(hi / scale.y_step) * scale.y_step;
  if (scale.y_max <= scale.y_min) scale.y_max = scale.y_min + scale.y_step;
  return scale;
}

void marker_shape(std::size_t i, double x, double y, const std::string& colour, std::string& out) {
  switch (i % 4) {
  case 0:
    out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.6")", x, y);
    break;
  case 1:
    out += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="5" height="5")", x - 2.5, y - 2.5);
    break;
  case 2:
    out += fmt::format(R"(<path d="M{:.1f} {:.1f}l3 5.2h-6z")", x, y - 3.2);
    break;
  default:
    out += fmt::format(R"(<path d="M{:.1f} {:.1f}l3 3.2l-3 3.2l-3-3.2z")", x, y - 3.2);
  }
  out += fmt::format(R"( fill="#fff" stroke="{}" stroke-width="1.2"/>)", colour);
}

// Where each legend entry goes: left to right under the title, on more rows when needed.
std::vector<std::pair<double, double>> legend_places(const ChartSpec& spec) {
  std::vector<std::pair<double, double>> places;
  double x = kLeft, y = 32;
  for (const ChartSeries& s : spec.series) {
    const double w = 34 + 6.2 * static_cast<double>(s.name.size()) + 18;
    if (x + w > kChartWidth - kRight && x > kLeft) {
      x = kLeft;
      y += 14;
    }
    places.emplace_back(x, y);
    x += w;
  }
  return places;
}

void draw_legend(std::string& out, const ChartSpec& spec) {
  const auto places = legend_places(spec);
  out += R"(<g class="legend">)";
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const ChartSeries& s = spec.series[i];
    const auto [x, y] = places[i];
    out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" )"
                       R"(stroke-width="{}" stroke-dasharray="{}"/>)",
                       x, x + 26, y - 4, y - 4, s.color, i == 0 ? 2.8 : 1.8, series_dash(i));
    marker_shape(i, x + 13, y - 4, s.color, out);
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", x + 32, y, html_escape(s.name));
  }
  out += "</g>";
}

// Every other phase between marks is shaded (the second, the fourth, ...: a trace that starts
// with a mark is not shaded whole); each mark is a thin line with its number on top.
void draw_phases(std::string& out, const ChartSpec& spec, const Scale& scale, double top) {
  double last_label = -1e9;
  for (std::size_t i = 0; i < spec.marks.size(); ++i) {
    const double x = std::clamp(scale.x(spec.marks[i].x), kLeft, kLeft + kPlotW);
    const double next = i + 1 < spec.marks.size()
                            ? std::clamp(scale.x(spec.marks[i + 1].x), kLeft, kLeft + kPlotW)
                            : kLeft + kPlotW;
    out += fmt::format(R"(<g class="mark"><title>{}. {}</title>)", i + 1,
                       html_escape(spec.marks[i].label));
    if (i % 2 == 1 && next > x)
      out += fmt::format(R"(<rect class="phase" x="{:.1f}" y="{:.1f}" width="{:.1f}" )"
                         R"(height="{:.1f}" fill="#f2f2f2"/>)",
                         x, top, next - x, kTop + kPlotH - top);
    out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#aaa" )"
                       R"(stroke-width="0.8"/>)",
                       x, x, top, kTop + kPlotH);
    if (x - last_label >= 14) {
      out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="mark-number">{}</text>)", x + 2,
                         top + 9, i + 1);
      last_label = x;
    }
    out += "</g>";
  }
}

// from, from + step, ... up to `to`: at most kMaxTicks, and none when the numbers are not finite
// or the step vanishes next to them (1e17 + 5 == 1e17).
std::vector<double> ticks(double from, double to, double step) {
  constexpr int kMaxTicks = 24;
  std::vector<double> out;
  if (!std::isfinite(from) || !std::isfinite(to) || !(step > 0) || from + step == from) return out;
  for (int k = 0; k < kMaxTicks; ++k) {
    const double v = from + step * k;
    if (v > to + step * 1e-6) break;
    out.push_back(v);
  }
  return out;
}

// The y ticks' labels: short (12.5k), unless that makes two of them alike (12,541 and 12,542 on
// a narrow axis of large counts), then in full.
std::vector<std::string> tick_labels(const std::vector<double>& values, double step) {
  std::vector<std::string> labels;
  for (const double v : values) labels.push_back(format_tick(v));
  if (std::adjacent_find(labels.begin(), labels.end()) == labels.end()) return labels;
  labels.clear();
  for (const double v : values)
    labels.push_back(step >= 1 && v >= 0 ? format_count(count_of(v)) : fmt::format("{:.8g}", v));
  return labels;
}

void draw_axes(std::string& out, const ChartSpec& spec, const Scale& scale, double top) {
  const std::vector<double> y_ticks = ticks(scale.y_min, scale.y_max, scale.y_step);
  const std::vector<std::string> y_labels = tick_labels(y_ticks, scale.y_step);
  for (std::size_t i = 0; i < y_ticks.size(); ++i) {
    const double y = scale.y(y_ticks[i] / scale.factor);
    out += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e6e6e6"/>)", kLeft,
                       kLeft + kPlotW, y, y);
    out += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" class="tick">{}{}</text>)",
                       kLeft - 6, y + 4, y_labels[i], spec.percent ? "%" : "");
  }
  for (std::size_t i = 0; scale.categories != nullptr && i < scale.categories->size(); ++i) {
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" class="tick">{}</text>)",
                       scale.x(static_cast<double>(i)), kTop + kPlotH + 16,
                       html_escape((*scale.categories)[i]));
  }
  const double x_step = nice_step(scale.x_max - scale.x_min, 8);
  for (const double v : ticks(std::ceil(scale.x_min / x_step) * x_step, scale.x_max, x_step)) {
    if (scale.categories != nullptr) break;
    const double x = scale.x(v);
    out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" stroke="#999"/>)", x, x,
                       kTop + kPlotH, kTop + kPlotH + 4);
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" class="tick">{}</text>)", x,
                       kTop + kPlotH + 16, format_tick(v));
  }
  out += fmt::format(R"(<rect class="plot" x="{}" y="{:.1f}" width="{}" height="{:.1f}" )"
                     R"(fill="none" stroke="#999"/>)",
                     kLeft, top, kPlotW, kTop + kPlotH - top);
  if (!spec.x_label.empty())
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>)",
                       kLeft + kPlotW / 2, kChartHeight - 6, html_escape(spec.x_label));
  out += fmt::format(R"(<text x="{}" y="16" class="chart-title">{}</text>)", kLeft,
                     html_escape(spec.title));
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
    std::array<std::size_t, 4> keep{i, lo, hi, j - 1};
    std::sort(keep.begin(), keep.end());
    for (std::size_t k = 0; k < keep.size(); ++k)
      if (k == 0 || keep[k] != keep[k - 1]) out.push_back(points[keep[k]]);
    i = j;
  }
  return out;
}

void draw_series(std::string& out, const ChartSeries& s, std::size_t index, const Scale& scale) {
  out += fmt::format(R"(<g class="series" data-run="{}">)", index);
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
    out += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="{}" )"
                       R"(stroke-dasharray="{}" stroke-linejoin="round" points="{}"/>)",
                       s.color, index == 0 ? 2.8 : 1.8, series_dash(index), coords);
  }
  if (s.points.size() <= kMaxMarkers) {
    for (const auto& [x, y] : s.points)
      if (y) marker_shape(index, scale.x(x), scale.y(*y), s.color, out);
  }
  out += "</g>";
}

std::string value_text(const ChartSpec& spec, std::optional<double> y) {
  if (!y) return "\u2013";
  if (spec.percent) return format_percent_cell(y);
  if (spec.integer) return format_count(count_of(*y));
  return fmt::format("{:.{}f}", *y, spec.decimals);
}

// A transparent column per sample (per pixel column when there are more): its title gives every
// run's value there.
void draw_hover(std::string& out, const ChartSpec& spec, const Scale& scale) {
  std::vector<double> xs;
  for (const ChartSeries& s : spec.series)
    for (const auto& point : s.points) xs.push_back(point.first);
  std::sort(xs.begin(), xs.end());
  std::vector<double> columns;
  for (const double x : xs) {
    if (!columns.empty() && std::floor(scale.x(x)) == std::floor(scale.x(columns.back())))
      columns.back() = x;
    else
      columns.push_back(x);
  }
  std::vector<std::size_t> next(spec.series.size(), 0); // per series: first point > column
  out += R"(<g class="hover">)";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const double left = c == 0 ? kLeft : (scale.x(columns[c - 1]) + scale.x(columns[c])) / 2;
    const double right = c + 1 == columns.size()
                             ? kLeft + kPlotW
                             : (scale.x(columns[c]) + scale.x(columns[c + 1])) / 2;
    std::string text = spec.describe_x ? spec.describe_x(columns[c]) : format_tick(columns[c]);
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
      const auto& points = spec.series[i].points;
      while (next[i] < points.size() && points[next[i]].first <= columns[c]) ++next[i];
      const std::optional<double> y =
          next[i] == 0 ? std::nullopt : points[next[i] - 1].second; // the last sample so far
      text += fmt::format("\n{}: {}", spec.series[i].name, value_text(spec, y));
    }
    out += fmt::format(R"(<rect class="hover-column" x="{:.1f}" y="{}" width="{:.1f}" )"
                       R"(height="{}" fill="#000" fill-opacity="0"><title>{}</title></rect>)",
                       left, kTop, std::max(right - left, 0.5), kPlotH, html_escape(text));
  }
  out += "</g>";
}

} // namespace

const char* series_dash(std::size_t i) {
  static constexpr std::array<const char*, 5> dashes = {"none", "7 4", "2 3", "10 3 2 3", "4 2"};
  return dashes[i % dashes.size()];
}

namespace {

std::string chart_svg(const ChartSpec& spec, const std::vector<std::string>* categories) {
  Scale scale = make_scale(spec);
  if (categories != nullptr) { // half a step of margin on both sides
    scale.categories = categories;
    scale.x_min = -0.5;
    scale.x_max = static_cast<double>(categories->size()) - 0.5;
  }
  const auto places = legend_places(spec);
  const double extra = places.empty() ? 0 : places.back().second - 32;
  const double height = kChartHeight + extra;
  std::string out = fmt::format(R"(<svg class="chart" id="{}" xmlns="http://www.w3.org/2000/svg" )"
                                R"(width="{}" height="{:.0f}" viewBox="0 0 {} {:.0f}" role="img">)",
                                html_escape(spec.id), kChartWidth, height, kChartWidth, height);
  out += fmt::format(R"svg(<g transform="translate(0,{:.0f})">)svg", extra);
  draw_phases(out, spec, scale, kTop);
  draw_axes(out, spec, scale, kTop);
  for (std::size_t i = 0; i < spec.series.size(); ++i) draw_series(out, spec.series[i], i, scale);
  draw_hover(out, spec, scale);
  out += "</g>";
  draw_legend(out, spec);
  out += "</svg>";
  return out;
}

} // namespace

std::string line_chart_svg(const ChartSpec& spec) {
  return chart_svg(spec, nullptr);
}

std::string category_chart_svg(const ChartSpec& spec, const std::vector<std::string>& categories) {
  ChartSpec labelled = spec;
  if (!labelled.describe_x) {
    labelled.describe_x = [&categories](double x) {
      const auto i = static_cast<std::size_t>(x);
      return i < categories.size() ? categories[i] : std::string();
    };
  }
  return chart_svg(labelled, &categories);
}

} // namespace memsim
