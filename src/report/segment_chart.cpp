// The segment-state rows of the report (report/segment_chart.hpp): a rectangle per run of equal
// states of one segment between two samples, on the x axis the timelines use; more than
// kMaxRows segments are drawn in groups, each group coloured by its busiest segment.
#include "report/segment_chart.hpp"

#include <algorithm>
#include <functional>
#include <tuple>

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

// A figure in the units of the compare summary: 6 significant digits, savings in percent.
TableCell figure_cell(std::optional<double> v, bool percent, bool delta) {
  if (!v) return empty_cell(delta ? "delta" : "");
  const std::string csv = delta ? fmt::format("{:+.6g}", *v) : fmt::format("{:.6g}", *v);
  const std::string html = !percent ? csv
                           : delta  ? fmt::format("{:+.2f} pp", *v)
                                    : fmt::format("{:.2f}%", *v);
  return {html[0] == '-' ? "\u2212" + html.substr(1) : html, csv, delta ? "delta" : "", {}};
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

ReportTable energy_table(const std::vector<ReportRun>& runs) {
  ReportTable table{"energy", "summary", "Power segments and energy", {text_cell("")}, {}};
  table.header.front().csv = "metric";
  for (std::size_t i = 0; i < runs.size(); ++i) table.header.push_back(run_cell(runs, i));
  for (std::size_t i = 1; i < runs.size(); ++i)
    table.header.push_back({"Δ " + html_wrappable(display_name(runs[i])),
                            "delta " + display_name(runs[i]),
                            "delta",
                            {}});
  using Get = std::function<std::optional<double>(const EnergyStats&, const ReportRun&)>;
  const auto field = [](double EnergyStats::*member) -> Get {
    return [member](const EnergyStats& e, const ReportRun&) { return e.*member; };
  };
  const std::vector<std::tuple<const char*, bool, Get>> rows = {
      {"segments", false,
       [](const EnergyStats& e, const ReportRun&) { return static_cast<double>(e.segments); }},
      {"free regions (pcp drained)", false,
       [](const EnergyStats&, const ReportRun& r) {
         return r.free_regions_drained ? std::optional<double>(*r.free_regions_drained)
                                       : std::nullopt;
       }},
      {"duration", false, field(&EnergyStats::duration)},
      {"segment-time on", false, field(&EnergyStats::on)},
      {"segment-time off", false, field(&EnergyStats::off)},
      {"segment-time off after drain", false, field(&EnergyStats::off_drained)},
      {"segment-time offlinable", false, field(&EnergyStats::offlinable)},
      {"energy (J)", false, field(&EnergyStats::energy_j)},
      {"energy all on (J)", false, field(&EnergyStats::baseline_energy_j)},
      {"energy saving", true, [](const EnergyStats& e, const ReportRun&) { return e.saving_pct; }},
      {"mean power (mW)", false, [](const EnergyStats& e, const ReportRun&) { return e.mean_mw; }},
      {"power at the end (mW)", false, field(&EnergyStats::end_mw)},
  };
  for (const auto& [name, percent, get] : rows) {
    // An init-capture: clang before 16 cannot capture a structured binding itself.
    const auto at = [&fn = get](const ReportRun& r) {
      return r.energy ? fn(*r.energy, r) : std::nullopt;
    };
    std::vector<TableCell> cells{text_cell(name)};
    for (const ReportRun& run : runs) cells.push_back(figure_cell(at(run), percent, false));
    for (std::size_t i = 1; i < runs.size(); ++i) {
      const std::optional<double> a = at(runs[0]), b = at(runs[i]);
      cells.push_back(
          figure_cell(a && b ? std::optional<double>(*b - *a) : std::nullopt, percent, true));
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
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
