// The self-contained HTML report (`memsim report`, replay/compare --report): one page with the
// summary (and, for several runs, their differences), the memory map, the timelines, the
// buddyinfo / pagetypeinfo tables with the extfrag indices, and the fallbacks. Inline CSS and
// inline SVG only: no script, no font, nothing fetched. Same runs, same bytes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

void write_html_report(std::ostream& out, const std::vector<ReportRun>& runs);
// The page's <style> element, shared by the sweep report (report/sweep_html.hpp).
const char* report_stylesheet();
// Writes the page to `path` atomically (report/output_file.hpp).
void write_html_report_file(const std::string& path, const std::vector<ReportRun>& runs);

} // namespace memsim
