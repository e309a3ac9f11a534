// The report's tables as data (report/html_report.cpp draws them, report_export.cpp writes them
// as CSV), so the page and the exported files hold the same rows in the same units: counts,
// homogeneity in percent with 2 decimals (differences in percentage points), the extfrag
// indices with 3 decimals, pfns in hex.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

struct TableCell {
  std::string html;  // escaped, ready for the page
  std::string csv;   // the bare value (numbers without separators or units)
  std::string cls;   // the td's class ("delta"), if any
  std::string style; // the td's style (a run's colour), if any
};

struct ReportTable {
  std::string name;  // the CSV file's stem: "summary", "regions-2"
  std::string cls;   // the table's class on the page: "summary", "buddyinfo"
  std::string title; // a heading (plain text)
  std::vector<TableCell> header;
  std::vector<std::vector<TableCell>> rows;
};

// The cell makers every table uses: plain text, a count (separators on the page, bare in the
// CSV), "–" for no value (an empty CSV field), and a run's name in its colour.
TableCell text_cell(const std::string& value, std::string cls = {});
TableCell count_cell(std::uint64_t n, std::string cls = {});
TableCell empty_cell(std::string cls = {});
TableCell run_cell(const std::vector<ReportRun>& runs, std::size_t i);
// A fraction as a percentage with 2 decimals (the CSV without the sign), "–" for null.
TableCell percent_cell(std::optional<double> fraction);
// <figure> with the i-th run's name as its caption, in the run's colour, around `body`.
std::string run_figure(const std::vector<ReportRun>& runs, std::size_t i, const std::string& body);

ReportTable runs_table(const std::vector<ReportRun>& runs);
ReportTable summary_table(const std::vector<ReportRun>& runs);
ReportTable buddyinfo_table(const std::vector<ReportRun>& runs);
ReportTable pagetypeinfo_table(const ReportRun& run, std::size_t index);
ReportTable unusable_index_table(const std::vector<ReportRun>& runs);
ReportTable fragmentation_index_table(const std::vector<ReportRun>& runs);
ReportTable fallback_pairs_table(const std::vector<ReportRun>& runs);
ReportTable retypes_table(const std::vector<ReportRun>& runs);
ReportTable regions_table(const ReportRun& run, std::size_t index);
// Every table of the page, in page order (for --export).
std::vector<ReportTable> report_tables(const std::vector<ReportRun>& runs);

// <table class="...">...</table>
std::string table_html(const ReportTable& table);
// The header row and the rows as CSV (RFC 4180 quoting, LF line ends).
void write_table_csv(std::ostream& out, const ReportTable& table);

} // namespace memsim
