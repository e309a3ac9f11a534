// replay --timeline-csv FILE: the stats document's timeline (docs/spec.md §5) as CSV (RFC 4180
// quoting, LF line ends) for spreadsheets, one row per sample (replay passes the timeline as the
// report reads it, with its point at the trace's end), the columns of the JSON keys in their
// order; homogeneity in percent (homogeneity_pct), largest_free_order as one column per type
// (largest_free_order_movable), the --probe answers as one per probed order and type
// (probe_9_movable: own, fallback or none).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "stats/counters.hpp"

namespace memsim {

// Header row, then one row per sample; a null (t, homogeneity) is an empty cell, homogeneity is
// a percentage with 2 decimals, other numbers are printed as the JSON prints them (shortest
// round-trip), the label is quoted when it must be.
void write_timeline_csv(std::ostream& out, const std::vector<TimelineSample>& timeline);
// A CSV field: quoted when it holds a comma, a quote or a line break, quotes doubled (RFC 4180).
std::string csv_field(const std::string& text);

} // namespace memsim
