// The report page of report/html_report.hpp, section by section. Tables (report_tables.cpp)
// put the runs side by side; with more than one run, Δ columns (or rows) give each run's
// difference to the first. The timelines come from timeline_charts.cpp, the map from
// memory_map.cpp, the provenance block from report_provenance.cpp.
#include "report/html_report.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "report/agreement_report.hpp"
#include "report/high_order_report.hpp"
#include "report/html_text.hpp"
#include "report/memory_map.hpp"
#include "report/output_file.hpp"
#include "report/report_provenance.hpp"
#include "report/report_tables.hpp"
#include "report/segment_chart.hpp"
#include "report/text_format.hpp"
#include "report/timeline_charts.hpp"

namespace memsim {
namespace {

constexpr const char* kStyle = R"(<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px auto;max-width:1900px;padding:0 24px;color:#1d1d1d;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:30px}
h3{font-size:15px;margin:18px 0 4px}p{margin:6px 0;max-width:1100px}.note{color:#555}
.banner{background:#fff4e0;border:1px solid #e0a000;padding:8px 12px;max-width:1076px}
table{border-collapse:collapse;margin:6px 0 14px;font-variant-numeric:tabular-nums}
th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{white-space:normal;max-width:14em;vertical-align:bottom}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #ccc;background:#fafafa}
td.wrap{white-space:normal;max-width:26em;text-align:left;overflow-wrap:anywhere}
th.left,td.left{text-align:left}
td.delta,th.delta{color:#555;background:#fbfbf4}
.maps,.tables{display:flex;flex-wrap:wrap;gap:20px 28px;align-items:flex-start}figure{margin:0}
figcaption{font-weight:600;margin-bottom:4px}
.legend span{display:inline-block;margin:2px 16px 2px 0}
.legend i{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border:1px solid rgba(0,0,0,.15)}
.legend i.hatch{background:repeating-linear-gradient(45deg,#4e79a7 0 2px,#e15759 2px 4px)}
svg text{font:11px system-ui,sans-serif;fill:#444}svg .chart-title{font-size:13px;font-weight:600;fill:#222}
svg .mark-label{font-size:10.5px;fill:#333}svg .mark-number{font-size:9px;fill:#777}
svg .row-label{font-size:10px}svg .pfn{fill:#888}svg .axis{fill:#555}
svg .hover-column:hover{fill-opacity:.06}
.charts{display:flex;flex-direction:column;gap:4px}
dl.provenance{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0}
dl.provenance dt{color:#555}dl.provenance dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;background:#f7f7f7;padding:8px;max-width:1100px}
footer{margin-top:36px;color:#777;font-size:12px}
</style>)";

std::string zone_line(const ReportRun& run) {
  const std::uint64_t pages = run.page_size ? run.memory / run.page_size : 0;
  return fmt::format("{} zone: {} pages of {}, pfns {}–{}, {} regions of {}, pageblocks of {} "
                     "(order {}), MAX_ORDER {} (orders 0–{}), {} CPU{}",
                     format_bytes(run.memory), format_count(pages), format_bytes(run.page_size),
                     format_pfn(run.start_pfn), format_pfn(run.start_pfn + (pages ? pages - 1 : 0)),
                     run.region_list.size(), format_bytes(run.region_size),
                     format_bytes(run.page_size << run.pageblock_order), run.pageblock_order,
                     run.max_order, run.max_order - 1, run.cpus, run.cpus == 1 ? "" : "s");
}

std::string summary_section(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="summary"><h2>Summary</h2>)";
  if (runs.size() > 1) out += table_html(runs_table(runs));
  out += "<p class=\"note\">Homogeneity: the share of allocated pages that are of their region's "
         "dominant migratetype, in percent (differences in percentage points, pp). Indices as "
         "the kernel's debugfs extfrag files print them.</p>";
  // Two tables side by side: the zone's state, and the trace's events as replayed.
  const ReportTable table = summary_table(runs);
  ReportTable events = table;
  events.rows.clear();
  ReportTable state = events;
  for (const auto& row : table.rows) {
    const bool event = !events.rows.empty() || row.front().csv == "allocations";
    (event ? events : state).rows.push_back(row);
  }
  out += "<div class=\"tables\">" + table_html(state) + table_html(events) + "</div>";
  for (const ReportRun& run : runs) {
    if (run.reference && runs.size() > 1)
      out += fmt::format(R"(<p class="note">{} is the reference: what the kernel did with this )"
                         R"(workload; the other runs show what each policy would have done.</p>)",
                         html_escape(display_name(run)));
    for (const std::string& note : run.notes)
      out += fmt::format(R"(<p class="note">{}: {}</p>)", html_escape(display_name(run)),
                         html_escape(note));
  }
  return out + "</section>";
}

std::string map_section(const std::vector<ReportRun>& runs) {
  const MapLayout layout = memory_map_layout(runs);
  const ReportRun& first = runs.front();
  const std::uint64_t block_bytes = first.page_size << first.pageblock_order;
  std::string out = R"(<section id="memory-map"><h2>Memory map</h2>)";
  out += "<p>Each row is a region, each cell a pageblock in pfn order, at the end of the "
         "replay: its top band has the colour of the pageblock's migratetype, and the cell "
         "fills from the bottom with its allocated pages, coloured by the type they were "
         "requested as. Hover a cell, a row flag or a bar for its numbers.</p>";
  if (layout.per_cell == 1) {
    out += fmt::format(R"(<p class="note aggregation">One cell per pageblock ({}); adjacent )"
                       R"(cells drawn alike are one rectangle.</p>)",
                       format_bytes(block_bytes));
  } else {
    out += fmt::format(
        R"(<p class="note aggregation"><b>Aggregated:</b> one cell per pageblock would take more )"
        R"(than {} cells a row, {} cells or {} rectangles, so each cell stands for {} )"
        R"(consecutive pageblocks ({}; {} rows of {} cells): it takes the colour of their most )"
        R"(common type, fills with their allocated pages and is striped when any of them is )"
        R"(mixed. Hover a cell for its exact composition.</p>)",
        kMaxMapColumns, format_count(kMaxMapCells), format_count(kMaxMapRectangles),
        layout.per_cell, format_bytes(block_bytes * layout.per_cell), layout.rows, layout.columns);
  }
  if (layout.dense)
    out += "<p class=\"note\">The rows are too thin for a band: a cell's opacity shows how "
           "full its pageblocks are (pale: empty, solid: full).</p>";
  out += memory_map_legend() + R"(<div class="maps">)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += run_figure(runs, i, memory_map_svg(runs[i], i, layout));
  }
  return out + "</div></section>";
}

std::string fragmentation_section(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="fragmentation"><h2>Free memory and fragmentation</h2>)";
  out += "<h3>buddyinfo: free blocks per order</h3>" + table_html(buddyinfo_table(runs));
  out += "<h3>pagetypeinfo: free blocks per migratetype and order</h3><div class=\"tables\">";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += run_figure(runs, i, table_html(pagetypeinfo_table(runs[i], i)));
  }
  out += "</div><h3>Unusable free space index per order</h3>";
  out += "<p class=\"note\">The share of free memory in blocks too small for the order "
         "(the kernel's debugfs extfrag/unusable_index).</p>";
  out += table_html(unusable_index_table(runs));
  out += "<h3>Fragmentation index per order</h3>";
  out += "<p class=\"note\">Towards 1: an allocation of that order would fail for "
         "fragmentation; towards 0: for lack of memory; −1: it would succeed "
         "(debugfs extfrag/extfrag_index).</p>";
  return out + table_html(fragmentation_index_table(runs)) + "</section>";
}

std::string pairs_html(const ReportTable& table) {
  std::string out = "<h3>" + html_escape(table.title) + "</h3>";
  return out + (table.rows.empty() ? "<p>None.</p>" : table_html(table));
}

std::string fallback_section(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="fallbacks"><h2>Fallbacks and pageblock re-types</h2>)";
  out += pairs_html(fallback_pairs_table(runs)) + pairs_html(retypes_table(runs));
  return out + "</section>";
}

std::string regions_section(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="regions"><h2>Regions</h2>)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += fmt::format(R"(<details><summary style="color:{}">{}: {} regions</summary>{}</details>)",
                       report_run_colour(i), html_escape(display_name(runs[i])),
                       runs[i].region_list.size(), table_html(regions_table(runs[i], i)));
  }
  return out + "</section>";
}

// The traces' file names, for the title (the paths are in the lines below it).
std::string trace_names(const std::vector<ReportRun>& runs) {
  std::vector<std::string> names;
  for (const ReportRun& run : runs) {
    const std::string name = std::filesystem::path(run.trace_path).filename().string();
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

std::string page_title(const std::vector<ReportRun>& runs) {
  std::string names;
  for (const ReportRun& run : runs) names += (names.empty() ? "" : " vs ") + display_name(run);
  return fmt::format("memsim {}: {} on {}", runs.size() > 1 ? "comparison" : "report", names,
                     trace_names(runs));
}

} // namespace

void write_html_report(std::ostream& out, const std::vector<ReportRun>& runs) {
  if (runs.empty()) return;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      << "<title>" << html_escape(page_title(runs)) << "</title>\n"
      << kStyle << "</head>\n<body>\n";
  out << "<h1>" << html_escape(page_title(runs)) << "</h1>\n";
  std::set<std::string> traces;
  for (const ReportRun& run : runs) {
    if (traces.insert(run.trace_path).second)
      out << fmt::format("<p>Trace <code>{}</code>, {} events.</p>\n", html_escape(run.trace_path),
                         format_count(run.trace_events));
  }
  if (const auto mixed = mixed_inputs(runs)) {
    out << fmt::format(R"(<p class="banner" id="mixed-inputs"><b>Mixed inputs</b> (put side by )"
                       R"(side with --allow-mixed): {}. The Δ columns compare different )"
                       R"(inputs.</p>)",
                       html_escape(*mixed))
        << '\n';
  }
  std::set<std::string> zones;
  for (const ReportRun& run : runs) {
    if (zones.insert(zone_line(run)).second)
      out << "<p>" << html_escape(zone_line(run)) << "</p>\n";
  }
  out << summary_section(runs) << '\n';
  out << map_section(runs) << '\n';
  out << timeline_section_html(runs) << '\n';
  out << power_section_html(runs) << '\n';
  out << fragmentation_section(runs) << '\n';
  out << fallback_section(runs) << '\n';
  out << high_order_section_html(runs) << '\n';
  out << agreement_section_html(runs) << '\n';
  out << regions_section(runs) << '\n';
  out << provenance_section_html(runs) << '\n';
  out << fmt::format("<footer>Drawn by memsim {} from stats schema 1. Everything on this page "
                     "is inline: it loads nothing from the network.</footer>\n",
                     html_escape(runs.front().memsim_version));
  out << "</body></html>\n";
}

const char* report_stylesheet() {
  return kStyle;
}

void write_html_report_file(const std::string& path, const std::vector<ReportRun>& runs) {
  OutputFile file(path);
  write_html_report(file.stream(), runs);
  file.commit();
}

} // namespace memsim
