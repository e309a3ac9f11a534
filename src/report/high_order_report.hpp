// The report's high-order and pollution part (docs/spec.md §9): reading the stats document's
// `high_order` and `pollution` sections and the timeline's §9 keys into ReportRun values
// (report/report_input.cpp calls these), the per-run tables built from them (drawn on the page,
// exported as CSV by report_export.cpp), and the page's "High-order allocations and pollution"
// section.
#pragma once

#include <string>
#include <vector>

#include "report/json_node.hpp"
#include "report/report_input.hpp"
#include "report/report_tables.hpp"

namespace memsim {

// `high_order` and `pollution` of a stats document; nothing when it has no `high_order`.
void read_high_order(const JsonNode& doc, ReportRun& run);
// A timeline sample's free_pageblocks_whole, largest_free_order and probes, when it has them.
void read_sample_high_order(const JsonNode& sample, unsigned max_order, TimelineSample& out);
// The end state's free_pageblocks_whole and largest_free_order, from its buddyinfo and
// pagetypeinfo (the sample the report adds at the trace's end).
void end_sample_high_order(const ReportRun& run, TimelineSample& out);

// Per order that occurred: allocs, satisfied (and the share), by fallback, failed, and the probes'
// answers own / fallback / none. Named "high-order-N" for the N-th run.
ReportTable high_order_table(const ReportRun& run, std::size_t index);
// Pages requested as the row's type lying in pageblocks of the column's type ("pollution-N").
ReportTable pollution_table(const ReportRun& run, std::size_t index);
// Per requested type: pageblocks claimed, steals from each other type's lists ("claims-N").
ReportTable claims_table(const ReportRun& run, std::size_t index);
// <section id="high-order"> ... </section>.
std::string high_order_section_html(const std::vector<ReportRun>& runs);

} // namespace memsim
