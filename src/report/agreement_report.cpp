// The decision-agreement table and section (agreement_report.hpp).
#include "report/agreement_report.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {

namespace {

using Level = ReportRun::AgreementLevelView;

std::optional<double> share(std::uint64_t hits, std::uint64_t takes) {
  if (takes == 0) return std::nullopt;
  return static_cast<double>(hits) / static_cast<double>(takes);
}

std::uint64_t lookup(const std::vector<std::pair<std::string, std::uint64_t>>& v,
                     const std::string& key) {
  const auto it = std::find_if(v.begin(), v.end(), [&](const auto& p) { return p.first == key; });
  return it == v.end() ? 0 : it->second;
}

// The orders any run scored at this level, ascending.
std::vector<std::string> orders_of(const std::vector<ReportRun>& runs,
                                   Level ReportRun::AgreementView::*level) {
  std::set<unsigned> orders;
  for (const ReportRun& run : runs)
    if (run.agreement)
      for (const auto& [order, takes] : ((*run.agreement).*level).order_takes)
        orders.insert(static_cast<unsigned>(std::stoul(order)));
  std::vector<std::string> out;
  for (const unsigned o : orders) out.push_back(std::to_string(o));
  return out;
}

} // namespace

ReportTable agreement_table(const std::vector<ReportRun>& runs) {
  ReportTable table{
      "agreement", "summary", "Decision agreement with the kernel", {text_cell("")}, {}};
  table.header.front().csv = "metric";
  for (std::size_t i = 0; i < runs.size(); ++i) table.header.push_back(run_cell(runs, i));
  const auto row = [&](const std::string& name, auto&& cell) {
    std::vector<TableCell> cells{text_cell(name)};
    for (const ReportRun& run : runs)
      cells.push_back(run.agreement ? cell(*run.agreement) : empty_cell());
    table.rows.push_back(std::move(cells));
  };
  row("predicting policy", [](const auto& a) { return text_cell(a.policy); });
  for (const auto& entry : {std::pair{"buddy", &ReportRun::AgreementView::buddy},
                            std::pair{"pcp", &ReportRun::AgreementView::pcp}}) {
    const std::string name = entry.first;
    const auto level = entry.second; // a variable, not a binding: lambdas capture it (clang 14)
    const char* unit = name == "buddy" ? "takes" : "pages";
    row(fmt::format("{} {}", name, unit),
        [&](const auto& a) { return count_cell((a.*level).takes); });
    row(fmt::format("{} hits", name), [&](const auto& a) { return count_cell((a.*level).hits); });
    row(fmt::format("{} agreement", name),
        [&](const auto& a) { return percent_cell(share((a.*level).hits, (a.*level).takes)); });
    for (const std::string& order : orders_of(runs, level))
      row(fmt::format("{} order {} (of {})", name, order, unit), [&](const auto& a) {
        const Level& l = a.*level;
        const std::uint64_t takes = lookup(l.order_takes, order);
        TableCell cell = percent_cell(share(lookup(l.order_hits, order), takes));
        if (takes != 0) cell.html += fmt::format(" ({})", takes);
        return cell;
      });
  }
  row("repairs", [](const auto& a) { return count_cell(a.repairs); });
  return table;
}

std::string agreement_section_html(const std::vector<ReportRun>& runs) {
  if (std::none_of(runs.begin(), runs.end(), [](const ReportRun& r) { return r.agreement; }))
    return {};
  return R"(<section id="agreement"><h2>Decision agreement</h2><p class="note">Teacher )"
         R"(forcing: the recorded replay keeps the kernel's state, and before each traced )"
         R"(decision asks the predicting policy what it would do. Buddy: each take of )"
         R"(mm_page_alloc_zone_locked (and of a 6.15+ fallback); pcp: each page handed out from )"
         R"(or drained off a per-CPU list. Repairs: free blocks a take proved were not free.</p>)" +
         table_html(agreement_table(runs)) + "</section>";
}

} // namespace memsim
