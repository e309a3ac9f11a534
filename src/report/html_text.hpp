// Text pieces of the HTML report (report/html_report.cpp, svg_chart.cpp, memory_map.cpp):
// escaping for HTML/SVG text and attributes, and the number formats of tables and axes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memsim {

// &, <, >, " and ' escaped: safe in element text and in quoted attributes.
std::string html_escape(std::string_view text);
// 1234567 -> "1,234,567".
std::string format_count(std::uint64_t n);
// A count held as a double (the tables' and charts' values) back as an integer: rounded,
// clamped to 0..2^64-1 (a double of 2^64 does not convert).
std::uint64_t count_of(double value);
// A signed difference: "+12", "−3" (U+2212), "0".
std::string format_delta(std::int64_t n);
// An axis label: 0, 250, 1.5k, 2M, 0.25.
std::string format_tick(double value);
// A fraction with `digits` decimals, "–" for null.
std::string format_fraction(std::optional<double> value, int digits = 4);
// A fraction as a percentage with 2 decimals ("93.52%"), "–" for null: memsim's one unit of
// homogeneity (docs/decisions.md D70).
std::string format_percent_cell(std::optional<double> fraction);
// A difference of two fractions in percentage points: "+1.25 pp", "−39.94 pp" (U+2212), "0 pp".
std::string format_pp(double delta);
// A pfn as memsim prints pfns everywhere: "0x3fd12".
std::string format_pfn(std::uint64_t pfn);
// Escaped text with a line-break opportunity (<wbr>) after each '+', ',', ':' and '=', so that
// a long policy entry wraps in a table header.
std::string html_wrappable(std::string_view text);
// The colour of the i-th run, the same in every table, map caption and chart.
const char* report_run_colour(std::size_t i);

} // namespace memsim
