// memsim report --export DIR: every figure of the page as a standalone SVG file (its styles
// inside it) and every table as CSV, in the page's units (report/report_tables.hpp), so a
// figure can go into a paper and a table into a spreadsheet:
//   chart-<metric>.svg, marks.svg, memory-map-<N>.svg (N: the run's position, from 1),
//   table-<name>.csv (summary, runs, buddyinfo, pagetypeinfo-N, regions-N, ...),
//   timeline-<N>.csv (the run's timeline and its end point, as replay --timeline-csv writes it).
// Written atomically, each file; the directory is created when missing.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

// The names of the files export_report writes for `runs`, in the order written.
std::vector<std::string> export_file_names(const std::vector<ReportRun>& runs);
void export_report(const std::string& dir, const std::vector<ReportRun>& runs);

} // namespace memsim
