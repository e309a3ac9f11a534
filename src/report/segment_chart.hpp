// The report's "Power segments" section (docs/power.md): per run, the state of every power
// segment over the timeline (one row per segment, one colour per state, on the timelines' x
// axis) and the energy table. Drawn only for runs replayed with --power.
#pragma once

#include <string>
#include <vector>

#include "report/report_input.hpp"
#include "report/report_tables.hpp"

namespace memsim {

// <svg class="segments"> rows of segment states for run `index`; "" when it has no samples.
std::string segment_states_svg(const std::vector<ReportRun>& runs, std::size_t index);
// Residency and energy per run with each later run's difference to the first (the compare
// summary's rows); runs without an energy section show dashes.
ReportTable energy_table(const std::vector<ReportRun>& runs);
// <section id="power"> ... </section>, or "" when no run has an energy section.
std::string power_section_html(const std::vector<ReportRun>& runs);

} // namespace memsim
