// The report page of report/html_report.hpp, section by section. Tables put the runs side by
// side; with more than one run, Δ columns (or rows) give each run's difference to the first.
// The timelines come from timeline_charts.cpp, the map from memory_map.cpp.
#include "report/html_report.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/memory_map.hpp"
#include "report/output_file.hpp"
#include "report/text_format.hpp"
#include "report/timeline_charts.hpp"

namespace memsim {
namespace {

constexpr const char* kStyle = R"(<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px auto;max-width:1900px;padding:0 24px;color:#1d1d1d;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:30px}
h3{font-size:15px;margin:18px 0 4px}p{margin:6px 0}.note{color:#555}
table{border-collapse:collapse;margin:6px 0 14px;font-variant-numeric:tabular-nums}
th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #ccc;background:#fafafa}
td.delta,th.delta{color:#555;background:#fbfbf4}
.maps,.tables{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}figure{margin:0}
figcaption{font-weight:600;margin-bottom:4px}
.legend span{display:inline-block;margin:2px 16px 2px 0}
.legend i{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border:1px solid rgba(0,0,0,.15)}
.legend i.hatch{background:repeating-linear-gradient(45deg,#4e79a7 0 3px,#1d1d1d 3px 4px)}
svg text{font:11px system-ui,sans-serif;fill:#444}svg .chart-title{font-size:13px;font-weight:600;fill:#222}
svg .mark-label{font-size:9px;fill:#777}svg .row-label{font-size:10px}
.charts{display:flex;flex-wrap:wrap;gap:10px 28px}
footer{margin-top:36px;color:#777;font-size:12px}
</style>)";

std::string cell(const std::string& text, const char* cls = nullptr) {
  return cls ? fmt::format(R"(<td class="{}">{}</td>)", cls, text) : "<td>" + text + "</td>";
}

std::string run_header(const std::vector<ReportRun>& runs, bool deltas) {
  std::string out = "<thead><tr><th></th>";
  for (std::size_t i = 0; i < runs.size(); ++i)
    out += fmt::format(R"(<th style="color:{}">{}</th>)", report_run_colour(i),
                       html_escape(runs[i].policy));
  if (deltas) {
    for (std::size_t i = 1; i < runs.size(); ++i)
      out += fmt::format(R"(<th class="delta">Δ {}</th>)", html_escape(runs[i].policy));
  }
  return out + "</tr></thead>";
}

// One summary row: the runs' values, then each run's difference to the first.
struct Metric {
  std::string name;
  std::function<std::optional<double>(const ReportRun&)> value;
  bool fraction = false;
};

std::string metric_row(const Metric& m, const std::vector<ReportRun>& runs) {
  auto show = [&](std::optional<double> v) {
    if (!v) return std::string("\u2013");
    return m.fraction ? format_fraction(v) : format_count(static_cast<std::uint64_t>(*v));
  };
  std::string out = "<tr><td>" + html_escape(m.name) + "</td>";
  for (const ReportRun& run : runs) out += cell(show(m.value(run)));
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const auto a = m.value(runs[0]), b = m.value(runs[i]);
    std::string d = "\u2013";
    if (a && b) {
      d = m.fraction ? fmt::format("{:+.4f}", *b - *a)
                     : format_delta(static_cast<std::int64_t>(*b) - static_cast<std::int64_t>(*a));
    }
    out += cell(d, "delta");
  }
  return out + "</tr>";
}

std::uint64_t sum_counts(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  std::uint64_t total = 0;
  for (const auto& [name, n] : counts) total += n;
  return total;
}

std::uint64_t event_count(const ReportRun& run, const std::string& name) {
  for (const auto& [key, n] : run.events)
    if (key == name) return n;
  return 0;
}

std::optional<double> unusable_at_pageblock(const ReportRun& run) {
  if (run.pageblock_order >= run.unusable_index.size()) return std::nullopt;
  return run.unusable_index[run.pageblock_order];
}

std::string summary_section(const std::vector<ReportRun>& runs) {
  using R = const ReportRun&;
  auto u = [](std::uint64_t v) { return std::optional<double>(static_cast<double>(v)); };
  const std::vector<Metric> metrics = {
      {"regions", [&](R r) { return u(r.regions); }},
      {"free regions", [&](R r) { return u(r.free_regions); }},
      {"used regions", [&](R r) { return u(r.used_regions); }},
      {"mixed regions", [&](R r) { return u(r.mixed_regions); }},
      {"homogeneity", [](R r) { return r.homogeneity; }, true},
      {"mixed pageblocks", [&](R r) { return u(r.mixed_pageblocks); }},
      {"fallbacks", [&](R r) { return u(r.fallbacks); }},
      {"fragmenting fallbacks", [&](R r) { return u(r.fragmenting); }},
      {"pageblock retypes", [&](R r) { return u(sum_counts(r.retypes)); }},
      {"regions granted by the region allocator", [&](R r) { return u(r.regions_granted); }},
      {"regions returned to the region allocator", [&](R r) { return u(r.regions_returned); }},
      {"regions held by the region allocator", [&](R r) { return u(r.regions_held); }},
      {"free pages", [&](R r) { return u(r.free_pages); }},
      {"per-CPU pages", [&](R r) { return u(r.pcp_pages); }},
      {"allocations", [&](R r) { return u(event_count(r, "alloc")); }},
      {"frees", [&](R r) { return u(event_count(r, "free")); }},
      {"failed allocations", [&](R r) { return u(event_count(r, "failed")); }},
      {"largest free order",
       [](R r) {
         return r.largest_free_order ? std::optional<double>(*r.largest_free_order) : std::nullopt;
       }},
      {"unusable index at pageblock order", unusable_at_pageblock, true},
  };
  std::string out = R"(<section id="summary"><h2>Summary</h2><table class="summary">)";
  out += run_header(runs, runs.size() > 1) + "<tbody>";
  for (const Metric& m : metrics) out += metric_row(m, runs);
  out += "</tbody></table>";
  for (const ReportRun& run : runs) {
    for (const std::string& note : run.notes)
      out +=
          fmt::format(R"(<p class="note">{}: {}</p>)", html_escape(run.policy), html_escape(note));
  }
  return out + "</section>";
}

std::string zone_line(const ReportRun& run) {
  const std::uint64_t pages = run.page_size ? run.memory / run.page_size : 0;
  return fmt::format("{} zone: {} pages of {}, pfns {}–{}, {} regions of {}, pageblocks of {} "
                     "(order {}), max order {}, {} CPU{}",
                     format_bytes(run.memory), format_count(pages), format_bytes(run.page_size),
                     run.start_pfn, run.start_pfn + (pages ? pages - 1 : 0), run.region_list.size(),
                     format_bytes(run.region_size),
                     format_bytes(run.page_size << run.pageblock_order), run.pageblock_order,
                     run.max_order - 1, run.cpus, run.cpus == 1 ? "" : "s");
}

std::string map_section(const std::vector<ReportRun>& runs) {
  const MapLayout layout = memory_map_layout(runs);
  const ReportRun& first = runs.front();
  const std::uint64_t block_bytes = first.page_size << first.pageblock_order;
  std::string out = R"(<section id="memory-map"><h2>Memory map</h2>)";
  out += "<p>Each row is a region, each cell a pageblock in pfn order, coloured by the "
         "pageblock's migratetype at the end of the replay. Hover a cell, a row flag or a bar "
         "for its numbers.</p>";
  if (layout.per_cell == 1) {
    out += fmt::format(R"(<p class="note aggregation">One cell per pageblock ({}); adjacent )"
                       R"(equal cells are drawn as one rectangle.</p>)",
                       format_bytes(block_bytes));
  } else {
    out += fmt::format(
        R"(<p class="note aggregation"><b>Aggregated:</b> one cell per pageblock would take more )"
        R"(than {} cells a row, {} cells or {} rectangles, so each cell stands for {} )"
        R"(consecutive pageblocks ({}; {} rows of {} cells): it takes the colour of their most )"
        R"(common type and is hatched when any of them is mixed. Hover a cell for its exact )"
        R"(composition.</p>)",
        kMaxMapColumns, format_count(kMaxMapCells), format_count(kMaxMapRectangles),
        layout.per_cell, format_bytes(block_bytes * layout.per_cell), layout.rows, layout.columns);
  }
  out += memory_map_legend() + R"(<div class="maps">)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += fmt::format(R"(<figure><figcaption style="color:{}">{}</figcaption>{}</figure>)",
                       report_run_colour(i), html_escape(runs[i].policy),
                       memory_map_svg(runs[i], i, layout));
  }
  return out + "</div></section>";
}

std::string order_header(unsigned orders, const char* first) {
  std::string out = fmt::format("<thead><tr><th>{}</th>", first);
  for (unsigned o = 0; o < orders; ++o) out += fmt::format("<th>{}</th>", o);
  return out + "</tr></thead>";
}

unsigned max_orders(const std::vector<ReportRun>& runs) {
  std::size_t n = 0;
  for (const ReportRun& r : runs) n = std::max({n, r.buddyinfo.size(), r.unusable_index.size()});
  return static_cast<unsigned>(n);
}

// Rows of one value per order for every run, and Δ rows for the counts.
template <typename T, typename Show>
std::string per_order_table(const std::vector<ReportRun>& runs, const char* cls,
                            std::vector<T> ReportRun::*field, Show show, bool deltas) {
  const unsigned orders = max_orders(runs);
  std::string out = fmt::format(R"(<table class="{}">)", cls) + order_header(orders, "run");
  out += "<tbody>";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    out += fmt::format(R"(<tr><td style="color:{}">{}</td>)", report_run_colour(i),
                       html_escape(runs[i].policy));
    const auto& values = runs[i].*field;
    for (unsigned o = 0; o < orders; ++o) out += cell(o < values.size() ? show(values[o]) : "");
    out += "</tr>";
  }
  if (deltas) {
    for (std::size_t i = 1; i < runs.size(); ++i) {
      out += fmt::format(R"(<tr><td class="delta">Δ {}</td>)", html_escape(runs[i].policy));
      const auto& a = runs[0].*field;
      const auto& b = runs[i].*field;
      for (unsigned o = 0; o < orders; ++o) {
        out += cell(o < a.size() && o < b.size() ? format_delta(static_cast<std::int64_t>(b[o]) -
                                                                static_cast<std::int64_t>(a[o]))
                                                 : "",
                    "delta");
      }
      out += "</tr>";
    }
  }
  return out + "</tbody></table>";
}

std::string fragmentation_section(const std::vector<ReportRun>& runs) {
  const bool compare = runs.size() > 1;
  auto count = [](std::uint64_t v) { return format_count(v); };
  auto index = [](double v) { return fmt::format("{:.3f}", v); };
  std::string out = R"(<section id="fragmentation"><h2>Free memory and fragmentation</h2>)";
  out += "<h3>buddyinfo: free blocks per order</h3>";
  out += per_order_table(runs, "buddyinfo", &ReportRun::buddyinfo, count, compare);
  out += "<h3>pagetypeinfo: free blocks per migratetype and order</h3><div class=\"tables\">";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const ReportRun& run = runs[i];
    out += fmt::format(R"(<figure><figcaption style="color:{}">{}</figcaption>)",
                       report_run_colour(i), html_escape(run.policy));
    out += R"(<table class="pagetypeinfo">)" +
           order_header(static_cast<unsigned>(run.buddyinfo.size()), "type") + "<tbody>";
    for (const auto& [type, values] : run.pagetypeinfo) {
      out += "<tr><td>" + html_escape(type) + "</td>";
      for (const std::uint64_t v : values) out += cell(format_count(v));
      out += "</tr>";
    }
    out += "</tbody></table></figure>";
  }
  out += "</div><h3>Unusable free space index per order</h3>";
  out += "<p class=\"note\">The share of free memory in blocks too small for the order "
         "(the kernel's debugfs extfrag/unusable_index).</p>";
  out += per_order_table(runs, "unusable-index", &ReportRun::unusable_index, index, false);
  out += "<h3>Fragmentation index per order</h3>";
  out += "<p class=\"note\">Towards 1: an allocation of that order would fail for "
         "fragmentation; towards 0: for lack of memory; −1: it would succeed "
         "(debugfs extfrag/extfrag_index).</p>";
  out +=
      per_order_table(runs, "fragmentation-index", &ReportRun::fragmentation_index, index, false);
  return out + "</section>";
}

std::string pair_table(const std::vector<ReportRun>& runs, const char* cls, const char* title,
                       std::vector<std::pair<std::string, std::uint64_t>> ReportRun::*field) {
  std::vector<std::string> keys;
  for (const ReportRun& run : runs) {
    for (const auto& [key, n] : run.*field)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::string out = fmt::format("<h3>{}</h3>", title);
  if (keys.empty()) return out + "<p>None.</p>";
  out += fmt::format(R"(<table class="{}">)", cls) + run_header(runs, false) + "<tbody>";
  for (const std::string& key : keys) {
    out += "<tr><td>" + html_escape(key) + "</td>";
    for (const ReportRun& run : runs) {
      std::uint64_t n = 0;
      for (const auto& [k, v] : run.*field)
        if (k == key) n = v;
      out += cell(format_count(n));
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

std::string fallback_section(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="fallbacks"><h2>Fallbacks and pageblock re-types</h2>)";
  out += pair_table(runs, "by-pair", "Fallbacks: requested type &lt;- list borrowed from",
                    &ReportRun::by_pair);
  out += pair_table(runs, "retypes", "Pageblock re-types", &ReportRun::retypes);
  return out + "</section>";
}

std::string page_title(const std::vector<ReportRun>& runs) {
  std::string policies;
  for (const ReportRun& run : runs) policies += (policies.empty() ? "" : " vs ") + run.policy;
  return fmt::format("memsim {}: {} on {}", runs.size() > 1 ? "comparison" : "report", policies,
                     runs.front().trace_path);
}

} // namespace

void write_html_report(std::ostream& out, const std::vector<ReportRun>& runs) {
  if (runs.empty()) return;
  const ReportRun& first = runs.front();
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      << "<title>" << html_escape(page_title(runs)) << "</title>\n"
      << kStyle << "</head>\n<body>\n";
  out << "<h1>" << html_escape(page_title(runs)) << "</h1>\n";
  out << fmt::format("<p>Trace <code>{}</code>, {} events.</p>\n", html_escape(first.trace_path),
                     format_count(first.trace_events));
  std::set<std::string> zones;
  for (const ReportRun& run : runs) {
    if (zones.insert(zone_line(run)).second)
      out << "<p>" << html_escape(zone_line(run)) << "</p>\n";
  }
  out << summary_section(runs) << '\n';
  out << map_section(runs) << '\n';
  out << timeline_section_html(runs) << '\n';
  out << fragmentation_section(runs) << '\n';
  out << fallback_section(runs) << '\n';
  out << fmt::format("<footer>Drawn by memsim {} from stats schema 1. Everything on this page "
                     "is inline: it loads nothing from the network.</footer>\n",
                     html_escape(first.memsim_version));
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
