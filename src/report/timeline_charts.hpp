// The report's "Timelines" section: one SVG line chart (report/svg_chart.hpp) per timeline
// metric of docs/spec.md §5, every run a series on the same axes, the trace's marks on every chart
// and listed below them.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

// <section id="timelines"> ... </section>.
std::string timeline_section_html(const std::vector<ReportRun>& runs);

} // namespace memsim
