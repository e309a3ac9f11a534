// DIR/sweep.csv of `memsim sweep` (docs/spec.md §10, docs/sweep.md): one row per run in run
// order; columns run, trace, policy, one per set key, then the metrics of the SweepTable.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "stats/sweep_table.hpp"

namespace memsim {

// RFC 4180 quoting: a field holding a comma, a double quote or a line break is quoted.
std::string csv_field(std::string_view text);

// Numbers as the stats document prints them (shortest round trip), absent ones empty; "\n" ends
// every line. Same table, same bytes.
void write_sweep_csv(std::ostream& out, const SweepTable& table);

} // namespace memsim
