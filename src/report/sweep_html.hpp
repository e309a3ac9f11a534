// DIR/sweep.html of `memsim sweep` (docs/sweep.md): one self-contained page for a whole sweep, in
// the style of the run reports (report/html_report.hpp): the table of every run, sortable by any
// column (a small inline script; `sweep.html#sort=fallbacks` or `#sort=-fallbacks` opens it
// sorted), and each key metric against each parameter but the trace as small multiples
// (report/svg_chart.hpp), one line per combination of the other parameters. Nothing is fetched.
// Same table, same bytes.
#pragma once

#include <ostream>
#include <string>

#include "stats/sweep_table.hpp"

namespace memsim {

// `spec` names the sweep's spec file in the title.
void write_sweep_html(std::ostream& out, const SweepTable& table, const std::string& spec);

} // namespace memsim
