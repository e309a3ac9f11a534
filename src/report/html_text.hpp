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
// A signed difference: "+12", "−3" (U+2212), "0".
std::string format_delta(std::int64_t n);
// An axis label: 0, 250, 1.5k, 2M, 0.25.
std::string format_tick(double value);
// A fraction with `digits` decimals, "–" for null.
std::string format_fraction(std::optional<double> value, int digits = 4);
// The colour of the i-th run, the same in every table, map caption and chart.
const char* report_run_colour(std::size_t i);

} // namespace memsim
