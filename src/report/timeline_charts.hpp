// The report's "Timelines" section: one SVG line chart (report/svg_chart.hpp) per timeline
// metric of docs/spec.md §5, every run a series on the same axes, stacked with one shared x
// domain: seconds since the trace's first event when every sample has a `t`, the event index
// otherwise (the axis says which). The trace's marks are one row of numbered, labelled ticks
// above the charts, shaded phases on them, and a table.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"
#include "report/report_tables.hpp"
#include "report/svg_chart.hpp"

namespace memsim {

// Seconds since the first event when every sample of every run has a `t`, else event indices.
struct TimelineAxis {
  bool time = false;
  double origin = 0; // the earliest first `t`
  double x_max = 0;
  std::string label;
};
TimelineAxis timeline_axis(const std::vector<ReportRun>& runs);
double timeline_x(const TimelineSample& s, const TimelineAxis& axis);

// The charts of the section, in page order (also exported one by one).
std::vector<ChartSpec> timeline_chart_specs(const std::vector<ReportRun>& runs);
// The row of the marks' labelled ticks, aligned with the charts' x axes; empty without marks.
std::string marks_strip_svg(const std::vector<ReportRun>& runs);
// #, label, event, time of every mark (the union of the runs' labelled samples).
ReportTable marks_table(const std::vector<ReportRun>& runs);
// <section id="timelines"> ... </section>.
std::string timeline_section_html(const std::vector<ReportRun>& runs);

} // namespace memsim
