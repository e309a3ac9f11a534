// The report's decision-agreement section (docs/spec.md §7.4): for each run replayed with
// --predict, the buddy takes and per-CPU pages the predicting policy got right, in all and by
// order, and the repairs the takes made.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"
#include "report/report_tables.hpp"

namespace memsim {

// One column per run; runs without an agreement show dashes.
ReportTable agreement_table(const std::vector<ReportRun>& runs);
// The section, or nothing when no run has an agreement.
std::string agreement_section_html(const std::vector<ReportRun>& runs);

} // namespace memsim
