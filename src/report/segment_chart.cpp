// The segment-state rows of the report (report/segment_chart.hpp): a rectangle per run of equal
// states of one segment between two samples, on the x axis the timelines use; more than
// kMaxRows segments are drawn in groups, each group coloured by its busiest segment.
#include "report/segment_chart.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/report_tables.hpp"
#include "report/svg_chart.hpp"
#include "report/text_format.hpp"
#include "report/timeline_charts.hpp"

namespace memsim {
namespace {

constexpr std::size_t kMaxRows = 128;
constexpr std::string_view kLetters = "odmn"; // by increasing use
constexpr std::array<const char*, 4> kColours = {"#59a14f", "#b6e3a8", "#f1ce63", "#e15759"};
constexpr std::array<const char*, 4> kNames = {"off", "off after a per-CPU drain",
                                               "offlinable (only movable pages)", "on"};

std::size_t use_of(char letter) {
  const std::size_t at = kLetters.find(letter);
  return at == std::string_view::npos ? 3 : at;
}

// The busiest state of segments [first, last) of a sample's map.
std::size_t group_use(const std::string& map, std::size_t first, std::size_t last) {
  std::size_t use = 0;
  for (std::size_t s = first; s < std::min(last, map.size()); ++s)
    use = std::max(use, use_of(map[s]));
  return use;
}

std::string legend() {
  std::string out = R"(<p class="legend">)";
  for (std::size_t i = 0; i < kColours.size(); ++i)
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)", kColours[i], kNames[i]);
  return out + "</p>";
}

} // namespace

std::string segment_states_svg(const std::vector<ReportRun>& runs, std::size_t index) {
  std::vector<const TimelineSample*> samples;
  for (const TimelineSample& s : runs[index].timeline)
    if (s.segments) samples.push_back(&s);
  if (samples.empty()) return {};
  const TimelineAxis axis = timeline_axis(runs);
  const std::size_t segments = samples.front()->segments->map.size();
  const std::size_t per_row = std::max<std::size_t>(1, (segments + kMaxRows - 1) / kMaxRows);
  const std::size_t rows = (segments + per_row - 1) / per_row;
  const double row_height = std::clamp(320.0 / static_cast<double>(rows), 2.0, 14.0);
  const double span = axis.x_max > 0 ? axis.x_max : 1;
  const auto x = [&](double v) {
    return kChartLeft + v / span * (kChartWidth - kChartLeft - kChartRight);
  };
  std::string body;
  for (std::size_t r = 0; r < rows; ++r) {
    const double y = 8 + static_cast<double>(r) * row_height;
    if (row_height >= 9)
      body += fmt::format(
          R"(<text x="{:.0f}" y="{:.1f}" class="row-label" text-anchor="end">{}</text>)",
          kChartLeft - 4, y + row_height - 2, r * per_row);
    for (std::size_t i = 0; i < samples.size();) {
      const std::size_t use = group_use(samples[i]->segments->map, r * per_row, (r + 1) * per_row);
      std::size_t j = i + 1;
      while (j < samples.size() &&
             group_use(samples[j]->segments->map, r * per_row, (r + 1) * per_row) == use)
        ++j;
      const double x0 = x(timeline_x(*samples[i], axis));
      const double x1 = j < samples.size() ? x(timeline_x(*samples[j], axis))
                                           : std::max(x0 + 2, x(timeline_x(*samples[j - 1], axis)));
      body += fmt::format(
          R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>segment {}{}: {}</title></rect>)",
          x0, y, std::max(0.5, x1 - x0), row_height, kColours[use], r * per_row,
          per_row > 1 ? fmt::format("–{}", std::min(segments, (r + 1) * per_row) - 1) : "",
          kNames[use]);
      i = j;
    }
  }
  const double height = 8 + static_cast<double>(rows) * row_height + 18;
  return fmt::format(
      R"(<svg class="segments" xmlns="http://www.w3.org/2000/svg" width="{}" height="{:.0f}" viewBox="0 0 {} {:.0f}" role="img"><text x="4" y="{:.0f}" class="axis">{}</text>{}</svg>)",
      kChartWidth, height, kChartWidth, height, height - 4, html_escape(axis.label), body);
}

std::string power_section_html(const std::vector<ReportRun>& runs) {
  if (std::none_of(runs.begin(), runs.end(),
                   [](const ReportRun& r) { return r.energy.has_value(); }))
    return {};
  const ReportRun& first = *std::find_if(runs.begin(), runs.end(),
                                         [](const ReportRun& r) { return r.energy.has_value(); });
  std::string out = R"(<section id="power"><h2>Power segments and energy</h2>)";
  out += fmt::format("<p>Model <b>{}</b>: {} segments of {} aligned to physical address 0, time in "
                     "{}. A segment is off when it holds no allocated page and no page on a "
                     "per-CPU list, off after a drain when per-CPU pages are all it holds, "
                     "offlinable when every page allocated in it is movable. Energy is against "
                     "every segment on.</p>",
                     html_escape(first.energy->model), first.energy->segments,
                     format_bytes(first.energy->segment_size),
                     first.energy->seconds ? "seconds (the trace's t)" : "events");
  out += table_html(energy_table(runs)) + legend() + R"(<div class="charts">)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string svg = segment_states_svg(runs, i);
    if (svg.empty()) continue;
    out += fmt::format(
        R"(<figure><figcaption style="color:{}">{}: segment states (row: segment, from pfn 0)</figcaption>{}</figure>)",
        report_run_colour(i), html_escape(display_name(runs[i])), svg);
  }
  return out + "</div></section>";
}

} // namespace memsim
