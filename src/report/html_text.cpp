// Escaping and number formats of the HTML report (report/html_text.hpp). Everything here is
// locale-free so that the page is the same bytes on every machine.
#include "report/html_text.hpp"

#include <array>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace memsim {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string format_count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::uint64_t count_of(double value) {
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (!(value > 0)) return 0; // negative or NaN
  if (value >= kTwoTo64) return UINT64_MAX;
  return static_cast<std::uint64_t>(std::round(value));
}

std::string format_delta(std::int64_t n) {
  if (n == 0) return "0";
  const std::uint64_t magnitude =
      n < 0 ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
  return (n < 0 ? "\u2212" : "+") + format_count(magnitude);
}

std::string format_tick(double value) {
  const double magnitude = std::fabs(value);
  std::string out;
  if (magnitude >= 1e9) {
    out = fmt::format("{:.4g}G", value / 1e9);
  } else if (magnitude >= 1e6) {
    out = fmt::format("{:.4g}M", value / 1e6);
  } else if (magnitude >= 1e4) {
    out = fmt::format("{:.4g}k", value / 1e3);
  } else {
    out = fmt::format("{:.4g}", value);
  }
  return out == "-0" ? "0" : out;
}

std::string format_fraction(std::optional<double> value, int digits) {
  if (!value) return "\u2013";
  return fmt::format("{:.{}f}", *value, digits);
}

std::string format_percent_cell(std::optional<double> fraction) {
  if (!fraction) return "\u2013";
  return fmt::format("{:.2f}%", *fraction * 100.0);
}

std::string format_pp(double delta) {
  const std::string text = fmt::format("{:.2f}", std::fabs(delta) * 100.0);
  if (text == "0.00") return "0 pp";
  return (delta < 0 ? "\u2212" : "+") + text + " pp";
}

std::string format_pfn(std::uint64_t pfn) {
  return fmt::format("{:#x}", pfn);
}

std::string html_wrappable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out += html_escape(std::string_view(&c, 1));
    if (c == '+' || c == ',' || c == ':' || c == '=') out += "<wbr>";
  }
  return out;
}

const char* report_run_colour(std::size_t i) {
  static constexpr std::array<const char*, 8> colours = {
      "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"};
  return colours[i % colours.size()];
}

} // namespace memsim
