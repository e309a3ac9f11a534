// The report's provenance block: for each stats document of the page, the memsim that wrote
// it (version and git revision), its command line, the trace and what its reader recorded
// (ftrace: lines, skipped and bad lines, failed allocations, unknown gfp names, the --proc-in
// snapshot), so that a figure can be traced back to the run that made it.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

// <section id="provenance"> ... </section>.
std::string provenance_section_html(const std::vector<ReportRun>& runs);
// The command line as one could type it again: arguments quoted for a POSIX shell when needed.
std::string shell_command(const std::vector<std::string>& argv);

} // namespace memsim
