// The tables of report/report_tables.hpp: one builder per table, every cell made by one of the
// few cell makers below, so a metric has one unit on the page and in the CSV alike.
#include "report/report_tables.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

#include <fmt/format.h>

#include "report/agreement_report.hpp"
#include "report/derived.hpp"
#include "report/high_order_report.hpp"
#include "report/html_text.hpp"
#include "report/segment_chart.hpp"
#include "report/timeline_charts.hpp"
#include "report/timeline_csv.hpp"

namespace memsim {

TableCell text_cell(const std::string& value, std::string cls) {
  return {html_escape(value), value, std::move(cls), {}};
}

TableCell count_cell(std::uint64_t n, std::string cls) {
  return {format_count(n), std::to_string(n), std::move(cls), {}};
}

TableCell empty_cell(std::string cls) {
  return {"\u2013", "", std::move(cls), {}};
}

TableCell percent_cell(std::optional<double> fraction) {
  if (!fraction) return empty_cell();
  return {format_percent_cell(fraction), fmt::format("{:.2f}", *fraction * 100.0), {}, {}};
}

std::string run_figure(const std::vector<ReportRun>& runs, std::size_t i, const std::string& body) {
  return fmt::format(R"(<figure><figcaption style="color:{}">{}</figcaption>{}</figure>)",
                     report_run_colour(i), html_escape(display_name(runs[i])), body);
}

// A run's name in a header or first column, in its colour, wrapping at '+' and ','.
TableCell run_cell(const std::vector<ReportRun>& runs, std::size_t i) {
  const ReportRun& run = runs[i];
  TableCell cell{fmt::format(R"(<span title="{}">{}</span>)", html_escape(run.policy),
                             html_wrappable(display_name(run))),
                 display_name(run), "run", fmt::format("color:{}", report_run_colour(i))};
  return cell;
}

namespace {

TableCell index3(double v) {
  const std::string s = fmt::format("{:.3f}", v);
  return {s, s, {}, {}};
}

TableCell delta(std::int64_t d) {
  return {format_delta(d), std::to_string(d), "delta", {}};
}

std::int64_t diff(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::int64_t>(b) - static_cast<std::int64_t>(a);
}

TableCell delta_header(const std::vector<ReportRun>& runs, std::size_t i) {
  return {
      "Δ " + html_wrappable(display_name(runs[i])), "delta " + display_name(runs[i]), "delta", {}};
}

std::vector<TableCell> run_header(const std::vector<ReportRun>& runs, const char* first,
                                  bool deltas) {
  std::vector<TableCell> header{text_cell(first)};
  for (std::size_t i = 0; i < runs.size(); ++i) header.push_back(run_cell(runs, i));
  if (deltas)
    for (std::size_t i = 1; i < runs.size(); ++i) header.push_back(delta_header(runs, i));
  return header;
}

enum class Kind { count, percent, index, order };

struct Metric {
  const char* name;
  Kind kind;
  std::function<std::optional<double>(const ReportRun&)> value;
};

TableCell metric_cell(Kind kind, std::optional<double> v) {
  if (!v) return empty_cell();
  switch (kind) {
  case Kind::percent:
    return percent_cell(v);
  case Kind::index:
    return index3(*v);
  case Kind::count:
  case Kind::order:
    break;
  }
  return count_cell(count_of(*v));
}

TableCell metric_delta(Kind kind, std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return empty_cell("delta");
  switch (kind) {
  case Kind::percent:
    return {format_pp(*b - *a), fmt::format("{:.2f}", (*b - *a) * 100.0), "delta", {}};
  case Kind::index: {
    const std::string s = fmt::format("{:+.3f}", *b - *a);
    return {s[0] == '-' ? "\u2212" + s.substr(1) : s, s, "delta", {}};
  }
  case Kind::count:
  case Kind::order:
    break;
  }
  return delta(diff(count_of(*a), count_of(*b)));
}

std::uint64_t event_count(const ReportRun& run, const std::string& name) {
  for (const auto& [key, n] : run.events)
    if (key == name) return n;
  return 0;
}

std::uint64_t sum_counts(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  std::uint64_t total = 0;
  for (const auto& [name, n] : counts) total += n;
  return total;
}

std::optional<double> number(std::uint64_t v) {
  return static_cast<double>(v);
}

// A docs/spec.md §9 count: no value from stats written before there were any.
template <typename Count> auto high_order(Count count) {
  return [count](const ReportRun& r) { return r.has_high_order ? number(count(r)) : std::nullopt; };
}

const std::vector<Metric>& summary_metrics() {
  using R = const ReportRun&;
  auto events = [](const char* name) {
    return [name](R r) { return number(event_count(r, name)); };
  };
  static const std::vector<Metric> metrics = {
      {"regions", Kind::count, [](R r) { return number(r.regions); }},
      {"free regions", Kind::count, [](R r) { return number(r.free_regions); }},
      {"used regions", Kind::count, [](R r) { return number(r.used_regions); }},
      {"mixed regions", Kind::count, [](R r) { return number(r.mixed_regions); }},
      {"homogeneity", Kind::percent, [](R r) { return r.homogeneity; }},
      {"mixed pageblocks", Kind::count, [](R r) { return number(r.mixed_pageblocks); }},
      {"fallbacks", Kind::count, [](R r) { return number(r.fallbacks); }},
      {"fragmenting fallbacks", Kind::count, [](R r) { return number(r.fragmenting); }},
      {"pageblock retypes", Kind::count, [](R r) { return number(sum_counts(r.retypes)); }},
      {"pageblock claims", Kind::count, high_order([](R r) {
         return std::accumulate(r.claims.begin(), r.claims.end(), std::uint64_t{0});
       })},
      {"steals", Kind::count, high_order([](R r) { return matrix_total(r.steals); })},
      {"polluting pages", Kind::count, high_order([](R r) { return matrix_total(r.pollution); })},
      {"regions granted by the RA", Kind::count, [](R r) { return number(r.regions_granted); }},
      {"regions returned to the RA", Kind::count, [](R r) { return number(r.regions_returned); }},
      {"regions held by the RA", Kind::count, [](R r) { return number(r.regions_held); }},
      {"free pages", Kind::count, [](R r) { return number(r.free_pages); }},
      {"per-CPU pages", Kind::count, [](R r) { return number(r.pcp_pages); }},
      {"largest free order", Kind::order,
       [](R r) { return r.largest_free_order ? number(*r.largest_free_order) : std::nullopt; }},
      {"unusable index at pageblock order", Kind::index,
       [](R r) {
         return r.pageblock_order < r.unusable_index.size()
                    ? std::optional<double>(r.unusable_index[r.pageblock_order])
                    : std::nullopt;
       }},
      {"allocations", Kind::count, events("alloc")},
      {"frees", Kind::count, events("free")},
      {"failed allocations", Kind::count, events("failed")},
      {"unmatched frees", Kind::count, events("unmatched_free")},
      {"duplicate allocs", Kind::count, events("duplicate_alloc")},
      {"order mismatches", Kind::count, events("order_mismatch")},
      {"ignored splits", Kind::count, events("split_ignored")},
  };
  return metrics;
}

std::size_t max_orders(const std::vector<ReportRun>& runs) {
  std::size_t n = 0;
  for (const ReportRun& r : runs) n = std::max({n, r.buddyinfo.size(), r.unusable_index.size()});
  return n;
}

std::vector<TableCell> order_header(std::size_t orders, const char* first) {
  std::vector<TableCell> header{text_cell(first)};
  for (std::size_t o = 0; o < orders; ++o) header.push_back(text_cell(std::to_string(o)));
  return header;
}

// One row per run of `field` per order.
template <typename T, typename Make>
ReportTable per_order(const std::vector<ReportRun>& runs, const char* name, const char* title,
                      std::vector<T> ReportRun::*field, Make make) {
  const std::size_t orders = max_orders(runs);
  ReportTable table{name, name, title, order_header(orders, "run"), {}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<TableCell> row{run_cell(runs, i)};
    const auto& values = runs[i].*field;
    for (std::size_t o = 0; o < orders; ++o)
      row.push_back(o < values.size() ? make(values[o]) : empty_cell());
    table.rows.push_back(std::move(row));
  }
  return table;
}

ReportTable pairs(const std::vector<ReportRun>& runs, const char* name, const char* title,
                  std::vector<std::pair<std::string, std::uint64_t>> ReportRun::*field) {
  std::vector<std::string> keys;
  for (const ReportRun& run : runs)
    for (const auto& [key, n] : run.*field)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  ReportTable table{name, name, title, run_header(runs, "pair", false), {}};
  for (const std::string& key : keys) {
    std::vector<TableCell> row{text_cell(key)};
    for (const ReportRun& run : runs) {
      std::uint64_t n = 0;
      for (const auto& [k, v] : run.*field)
        if (k == key) n = v;
      row.push_back(count_cell(n));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

} // namespace

ReportTable runs_table(const std::vector<ReportRun>& runs) {
  ReportTable table{"runs", "runs", "Runs", {}, {}};
  table.header = {text_cell("#"), text_cell("run", "left"), text_cell("policy entry", "left"),
                  text_cell("trace", "left"), text_cell("events")};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const ReportRun& r = runs[i];
    TableCell name = run_cell(runs, i);
    name.cls = "left";
    table.rows.push_back({count_cell(i + 1),
                          name,
                          {html_wrappable(r.policy), r.policy, "wrap", {}},
                          {html_wrappable(r.trace_path), r.trace_path, "wrap", {}},
                          count_cell(r.trace_events)});
  }
  return table;
}

ReportTable summary_table(const std::vector<ReportRun>& runs) {
  ReportTable table{"summary", "summary", "Summary", run_header(runs, "", runs.size() > 1), {}};
  table.header.front().csv = "metric";
  for (const Metric& m : summary_metrics()) {
    std::vector<TableCell> row{text_cell(m.name)};
    for (const ReportRun& run : runs) row.push_back(metric_cell(m.kind, m.value(run)));
    for (std::size_t i = 1; i < runs.size(); ++i)
      row.push_back(metric_delta(m.kind, m.value(runs[0]), m.value(runs[i])));
    table.rows.push_back(std::move(row));
  }
  return table;
}

ReportTable buddyinfo_table(const std::vector<ReportRun>& runs) {
  ReportTable table =
      per_order(runs, "buddyinfo", "buddyinfo: free blocks per order", &ReportRun::buddyinfo,
                [](std::uint64_t v) { return count_cell(v); });
  const std::size_t orders = max_orders(runs);
  for (std::size_t i = 1; i < runs.size(); ++i) {
    std::vector<TableCell> row{delta_header(runs, i)};
    const auto& a = runs[0].buddyinfo;
    const auto& b = runs[i].buddyinfo;
    for (std::size_t o = 0; o < orders; ++o)
      row.push_back(o < a.size() && o < b.size() ? delta(diff(a[o], b[o])) : empty_cell("delta"));
    table.rows.push_back(std::move(row));
  }
  return table;
}

ReportTable pagetypeinfo_table(const ReportRun& run, std::size_t index) {
  ReportTable table{fmt::format("pagetypeinfo-{}", index + 1),
                    "pagetypeinfo",
                    "pagetypeinfo: free blocks per migratetype and order",
                    order_header(run.buddyinfo.size(), "type"),
                    {}};
  for (const auto& [type, values] : run.pagetypeinfo) {
    std::vector<TableCell> row{text_cell(type)};
    for (const std::uint64_t v : values) row.push_back(count_cell(v));
    table.rows.push_back(std::move(row));
  }
  return table;
}

ReportTable unusable_index_table(const std::vector<ReportRun>& runs) {
  return per_order(runs, "unusable-index", "Unusable free space index per order",
                   &ReportRun::unusable_index, index3);
}

ReportTable fragmentation_index_table(const std::vector<ReportRun>& runs) {
  return per_order(runs, "fragmentation-index", "Fragmentation index per order",
                   &ReportRun::fragmentation_index, index3);
}

ReportTable fallback_pairs_table(const std::vector<ReportRun>& runs) {
  return pairs(runs, "by-pair", "Fallbacks: requested type <- list borrowed from",
               &ReportRun::by_pair);
}

ReportTable retypes_table(const std::vector<ReportRun>& runs) {
  return pairs(runs, "retypes", "Pageblock re-types", &ReportRun::retypes);
}

ReportTable regions_table(const ReportRun& run, std::size_t index) {
  ReportTable table{fmt::format("regions-{}", index + 1), "regions", "Regions", {}, {}};
  for (const char* h : {"region", "start pfn", "pages", "free", "per-CPU", "unmovable",
                        "reclaimable", "movable", "homogeneity", "mixed pageblocks", "held by RA"})
    table.header.push_back(text_cell(h));
  for (const ReportRegion& r : run.region_list) {
    const std::string pfn = format_pfn(r.start_pfn);
    table.rows.push_back({text_cell(fmt::format("R{}", r.index)), text_cell(pfn),
                          count_cell(r.pages), count_cell(r.free_pages), count_cell(r.pcp_pages),
                          count_cell(r.allocated[0]), count_cell(r.allocated[1]),
                          count_cell(r.allocated[2]), metric_cell(Kind::percent, r.homogeneity),
                          count_cell(r.mixed_pageblocks),
                          text_cell(r.in_region_allocator ? "yes" : "no")});
  }
  return table;
}

std::vector<ReportTable> report_tables(const std::vector<ReportRun>& runs) {
  std::vector<ReportTable> tables{runs_table(runs), summary_table(runs), buddyinfo_table(runs)};
  if (runs.front().energy) tables.push_back(energy_table(runs));
  if (std::any_of(runs.begin(), runs.end(), [](const ReportRun& r) { return r.agreement; }))
    tables.push_back(agreement_table(runs));
  for (std::size_t i = 0; i < runs.size(); ++i) tables.push_back(pagetypeinfo_table(runs[i], i));
  tables.push_back(unusable_index_table(runs));
  tables.push_back(fragmentation_index_table(runs));
  tables.push_back(fallback_pairs_table(runs));
  tables.push_back(retypes_table(runs));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].has_high_order) continue;
    tables.push_back(high_order_table(runs[i], i));
    tables.push_back(pollution_table(runs[i], i));
    tables.push_back(claims_table(runs[i], i));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) tables.push_back(regions_table(runs[i], i));
  ReportTable marks = marks_table(runs);
  if (!marks.rows.empty()) tables.push_back(std::move(marks));
  return tables;
}

std::string table_html(const ReportTable& table) {
  const auto td = [](const char* tag, const TableCell& c) {
    std::string attributes;
    if (!c.cls.empty()) attributes += fmt::format(R"( class="{}")", c.cls);
    if (!c.style.empty()) attributes += fmt::format(R"( style="{}")", c.style);
    return fmt::format("<{}{}>{}</{}>", tag, attributes, c.html, tag);
  };
  std::string out = fmt::format(R"(<table class="{}"><thead><tr>)", table.cls);
  for (const TableCell& c : table.header) out += td("th", c);
  out += "</tr></thead><tbody>";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (const TableCell& c : row) out += td("td", c);
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

void write_table_csv(std::ostream& out, const ReportTable& table) {
  const auto line = [&out](const std::vector<TableCell>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      out << (i == 0 ? "" : ",") << csv_field(cells[i].csv);
    out << '\n';
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
}

} // namespace memsim
