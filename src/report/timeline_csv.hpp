// replay --timeline-csv FILE: the stats document's timeline (docs/spec.md §5) as CSV (RFC 4180
// quoting, LF line ends) for spreadsheets, one row per sample, the same columns in the same order
// as the JSON keys.
#pragma once

#include <ostream>
#include <vector>

#include "stats/counters.hpp"

namespace memsim {

// Header row, then one row per sample; a null (t, homogeneity) is an empty cell, numbers are
// printed as the JSON prints them (shortest round-trip), the label is quoted when it must be.
void write_timeline_csv(std::ostream& out, const std::vector<TimelineSample>& timeline);

} // namespace memsim
