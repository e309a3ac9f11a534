// The timeline as CSV (report/timeline_csv.hpp). Homogeneity is a percentage with 2 decimals,
// as everywhere memsim shows it (docs/decisions.md D70); other doubles go through
// nlohmann::json's dump so that a cell reads back as the very number the stats document holds.
#include "report/timeline_csv.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/text_format.hpp"

namespace memsim {
namespace {

std::string number(double value) {
  return nlohmann::json(value).dump();
}

} // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

void write_timeline_csv(std::ostream& out, const std::vector<TimelineSample>& timeline) {
  // The probed orders (--probe), in the order the samples give them.
  std::vector<unsigned> probed;
  for (const TimelineSample& s : timeline)
    for (const auto& [order, answers] : s.probes)
      if (std::find(probed.begin(), probed.end(), order) == probed.end()) probed.push_back(order);
  out << "event,t,free_regions,mixed_regions,homogeneity_pct,mixed_pageblocks,free_pages,"
         "fallbacks,unusable_index_pageblock,free_pageblocks_whole";
  for (int t = 0; t < kRequestableTypes; ++t) out << ",largest_free_order_" << migratetype_name(t);
  for (const unsigned order : probed)
    for (int t = 0; t < kRequestableTypes; ++t)
      out << ",probe_" << order << '_' << migratetype_name(t);
  // --power's columns (docs/power.md) come before the label, empty where a sample has none.
  const bool power = std::any_of(timeline.begin(), timeline.end(),
                                 [](const TimelineSample& s) { return s.segments.has_value(); });
  if (power) out << ",segments_off,segments_off_drained,segments_offlinable";
  out << ",label\n";
  for (const TimelineSample& s : timeline) {
    out << fmt::format("{},{},{},{},{},{},{},{},{},{}", s.event, s.t ? number(*s.t) : "",
                       s.free_regions, s.mixed_regions,
                       s.homogeneity ? fmt::format("{:.2f}", *s.homogeneity * 100.0) : "",
                       s.mixed_pageblocks, s.free_pages, s.fallbacks,
                       number(s.unusable_index_pageblock), s.free_pageblocks_whole);
    for (const int largest : s.largest_free_order) out << ',' << largest;
    for (const unsigned order : probed) {
      const auto it = std::find_if(s.probes.begin(), s.probes.end(),
                                   [order](const auto& p) { return p.first == order; });
      for (std::size_t t = 0; t < kRequestableTypes; ++t)
        out << ',' << (it == s.probes.end() ? "" : probe_answer_name(it->second[t]));
    }
    if (power && s.segments)
      out << fmt::format(",{},{},{}", s.segments->off, s.segments->off_drained,
                         s.segments->offlinable);
    if (power && !s.segments) out << ",,,";
    out << ',' << (s.label ? csv_field(*s.label) : "") << '\n';
  }
}

} // namespace memsim
