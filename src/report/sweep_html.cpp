// The sweep page of report/sweep_html.hpp: the runs table (cells carry their sort key in
// data-v: a parameter's spec order, a metric's number), then per parameter with more than one
// value (the trace excepted) a row of charts, one per metric, its x axis that parameter's values.
// Charts and style are the run reports' (svg_chart.cpp, html_report.cpp).
#include "report/sweep_html.hpp"

#include <map>

#include <fmt/format.h>

#include "report/html_report.hpp"
#include "report/html_text.hpp"
#include "report/svg_chart.hpp"
#include "report/text_format.hpp"

namespace memsim {
namespace {

constexpr const char* kSweepStyle = R"(<style>
table.sortable th{cursor:pointer;user-select:none}table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}table.sortable td:nth-child(-n+3),table.sortable th:nth-child(-n+3){text-align:left}
</style>)";

// Sorts a table.sortable by a clicked column (again: the other way), or by #sort=[-]COLUMN of
// the address when the page opens. Empty cells stay last.
constexpr const char* kSortScript = R"(<script>
(function(){
function sort(th,up){var t=th.closest("table"),b=t.tBodies[0],c=th.cellIndex;
t.querySelectorAll("th").forEach(function(h){h.removeAttribute("aria-sort");});
th.setAttribute("aria-sort",up?"ascending":"descending");
function key(r){var d=r.cells[c].getAttribute("data-v");return d===null?r.cells[c].textContent:d;}
var rows=Array.prototype.slice.call(b.rows);
rows.sort(function(p,q){var x=key(p),y=key(q);if(x===""||y==="")return (x==="")-(y==="");
var nx=Number(x),ny=Number(y),o=isNaN(nx)||isNaN(ny)?(x<y?-1:x>y?1:0):nx-ny;return up?o:-o;});
rows.forEach(function(r){b.appendChild(r);});}
document.querySelectorAll("table.sortable th").forEach(function(th){th.addEventListener("click",
function(){sort(th,th.getAttribute("aria-sort")!=="ascending");});});
var m=/^#sort=(-?)(.+)$/.exec(decodeURIComponent(location.hash));
if(m)document.querySelectorAll("table.sortable th").forEach(function(th){
if(th.textContent===m[2])sort(th,m[1]!=="-");});
})();
</script>)";

std::optional<double> number(const nlohmann::json& cell) {
  return cell.is_number() ? std::optional<double>(cell.get<double>()) : std::nullopt;
}

std::string show(const nlohmann::json& cell) {
  if (cell.is_number_unsigned()) return format_count(cell.get<std::uint64_t>());
  if (cell.is_number()) return format_fraction(cell.get<double>());
  return "";
}

std::string runs_table(const SweepTable& table) {
  std::string out = R"(<table class="sweep sortable"><thead><tr><th>run</th>)";
  for (const SweepParameter& p : table.parameters) out += "<th>" + html_escape(p.name) + "</th>";
  for (const std::string& m : table.metrics) out += "<th>" + html_escape(m) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const SweepRow& row : table.rows) {
    out += fmt::format(R"(<tr><td data-v="{0}"><a href="runs/{0:04}.json">{0}</a></td>)", row.run);
    for (std::size_t p = 0; p < table.parameters.size(); ++p) {
      out += fmt::format(R"(<td data-v="{}">{}</td>)", row.levels[p],
                         html_escape(table.parameters[p].values[row.levels[p]]));
    }
    for (const nlohmann::json& cell : row.cells)
      out +=
          fmt::format(R"(<td data-v="{}">{}</td>)", cell.is_null() ? "" : cell.dump(), show(cell));
    out += "</tr>\n";
  }
  return out + "</tbody></table>";
}

// The series of one parameter's charts: the rows grouped by the levels of every other
// parameter that varies, in spec order, named by those values.
struct Group {
  std::string name;
  std::vector<const SweepRow*> rows;
};

std::vector<Group> groups_across(const SweepTable& table, std::size_t p) {
  std::map<std::vector<std::size_t>, Group> by_key;
  for (const SweepRow& row : table.rows) {
    std::vector<std::size_t> key;
    std::string name;
    for (std::size_t q = 0; q < table.parameters.size(); ++q) {
      if (q == p || table.parameters[q].values.size() < 2) continue;
      key.push_back(row.levels[q]);
      name += fmt::format("{}{}={}", name.empty() ? "" : ", ", table.parameters[q].name,
                          table.parameters[q].values[row.levels[q]]);
    }
    Group& group = by_key[key];
    group.name = name.empty() ? "all runs" : name;
    group.rows.push_back(&row);
  }
  std::vector<Group> out;
  for (auto& [key, group] : by_key) out.push_back(std::move(group));
  return out;
}

// The tick labels: the values themselves when they fit under their tick, else 1..k with a key.
std::vector<std::string> tick_labels(const SweepParameter& parameter, bool& numbered) {
  const std::size_t room =
      static_cast<std::size_t>(540.0 / static_cast<double>(parameter.values.size()) / 6.5);
  numbered = false;
  for (const std::string& v : parameter.values) numbered = numbered || v.size() > room;
  if (!numbered) return parameter.values;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < parameter.values.size(); ++i) out.push_back(std::to_string(i + 1));
  return out;
}

std::string metric_chart(const SweepTable& table, std::size_t p, std::size_t m,
                         const std::vector<Group>& groups, const std::vector<std::string>& labels) {
  ChartSpec spec;
  spec.id = fmt::format("by-{}-{}", table.parameters[p].name, table.metrics[m]);
  spec.title = table.metrics[m];
  spec.x_label = table.parameters[p].name;
  spec.integer = true;
  for (const SweepRow& row : table.rows)
    spec.integer = spec.integer && (row.cells[m].is_null() || row.cells[m].is_number_integer());
  spec.percent = table.metrics[m] == "homogeneity" || table.metrics[m] == "agreement_rate";
  if (spec.percent) spec.integer = false;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    ChartSeries series{groups[g].name, report_run_colour(g), {}};
    for (const SweepRow* row : groups[g].rows)
      series.points.emplace_back(static_cast<double>(row->levels[p]), number(row->cells[m]));
    spec.series.push_back(std::move(series));
  }
  return category_chart_svg(spec, labels);
}

std::string parameter_section(const SweepTable& table, std::size_t p) {
  const SweepParameter& parameter = table.parameters[p];
  const std::vector<Group> groups = groups_across(table, p);
  bool numbered = false;
  const std::vector<std::string> labels = tick_labels(parameter, numbered);
  std::string out = fmt::format("<h3>By {}</h3>", html_escape(parameter.name));
  if (numbered) {
    std::string key;
    for (std::size_t i = 0; i < parameter.values.size(); ++i)
      key += fmt::format("{}{} = {}", i ? " · " : "", i + 1, html_escape(parameter.values[i]));
    out += "<p class=\"note\">" + key + "</p>";
  }
  out += R"(<div class="charts">)";
  for (std::size_t m = 0; m < table.metrics.size(); ++m)
    out += metric_chart(table, p, m, groups, labels);
  out += R"(</div><p class="legend">)";
  for (std::size_t g = 0; g < groups.size(); ++g)
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)", report_run_colour(g),
                       html_escape(groups[g].name));
  return out + "</p>";
}

std::string dimensions(const SweepTable& table) {
  std::string out;
  for (const SweepParameter& p : table.parameters) {
    out += fmt::format("{}{} {}{}", out.empty() ? "" : " × ", p.values.size(), html_escape(p.name),
                       p.values.size() == 1 ? "" : " values");
  }
  return out;
}

} // namespace

void write_sweep_html(std::ostream& out, const SweepTable& table, const std::string& spec) {
  const std::string title = fmt::format("memsim sweep: {} runs of {}", table.rows.size(), spec);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      << "<title>" << html_escape(title) << "</title>\n"
      << report_stylesheet() << kSweepStyle << "</head>\n<body>\n";
  out << "<h1>" << html_escape(title) << "</h1>\n";
  out << "<p>" << dimensions(table) << " = " << table.rows.size() << " runs.</p>\n";
  out << R"(<section id="runs"><h2>Runs</h2><p class="note">Click a column to sort by it )"
      << "(parameters sort in the spec's order, again for the other way); a run's number opens "
         "its stats document.</p>\n"
      << runs_table(table) << "</section>\n";
  out << R"(<section id="per-parameter"><h2>Key metrics per parameter</h2>)"
      << "<p class=\"note\">Each chart: one metric over the values of one parameter, one line per "
         "combination of the other parameters (hover a line or a point for its numbers).</p>";
  // Traces are not an axis: their zones differ, so they are lines of the other charts.
  for (std::size_t p = 1; p < table.parameters.size(); ++p)
    if (table.parameters[p].values.size() > 1) out << parameter_section(table, p) << '\n';
  out << "</section>\n";
  out << fmt::format("<footer>Drawn by memsim {} from the run files of the sweep. Everything on "
                     "this page is inline: it loads nothing from the network.</footer>\n",
                     html_escape(memsim_version()));
  out << kSortScript << "\n</body></html>\n";
}

} // namespace memsim
