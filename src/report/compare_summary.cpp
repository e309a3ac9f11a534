// The text of `memsim compare` without --json (report/summary.hpp): one row per metric, one
// column per run headed by its policy entry, and after every later run a "Δ vs first" column.
#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

#include "report/derived.hpp"
#include "report/summary.hpp"
#include "report/text_format.hpp"
#include "report/validation_text.hpp"

namespace memsim {
namespace {

enum class Kind { count, percent, index, order, real, saving };

struct Metric {
  std::string_view name;
  Kind kind;
};

// The rows of the table; figures() gives their values in the same order.
constexpr std::array<Metric, 20> kMetrics{
    {{"free regions", Kind::count},       {"used regions", Kind::count},
     {"mixed regions", Kind::count},      {"homogeneity", Kind::percent},
     {"mixed pageblocks", Kind::count},   {"fallbacks", Kind::count},
     {"  fragmenting", Kind::count},      {"pageblock retypes", Kind::count},
     {"RA regions granted", Kind::count}, {"RA regions returned", Kind::count},
     {"RA regions held", Kind::count},    {"free pages", Kind::count},
     {"pcp pages", Kind::count},          {"failed allocations", Kind::count},
     {"unmatched frees", Kind::count},    {"duplicate allocs", Kind::count},
     {"order mismatches", Kind::count},   {"ignored splits", Kind::count},
     {"largest free order", Kind::order}, {"unusable index (pageblock order)", Kind::index}}};

using Figures = std::array<std::optional<double>, kMetrics.size()>;

std::optional<double> count(std::uint64_t value) {
  return static_cast<double>(value);
}

Figures figures(const RunStats& s) {
  const ZoneSummary z = summarize_regions(s.regions);
  const RegionAllocatorCounts& ra = s.region_allocator;
  const auto largest = largest_free_order(s.free_area.buddyinfo);
  const double unusable =
      index_fraction(unusable_free_index(s.pageblock_order, s.free_area.buddyinfo));
  return {count(z.free_regions),
          count(z.used_regions),
          count(z.mixed_regions),
          z.homogeneity,
          count(z.mixed_pageblocks),
          count(s.fallbacks.total),
          count(s.fallbacks.fragmenting),
          count(total_retypes(s.retypes)),
          count(ra.regions_granted),
          count(ra.regions_returned),
          count(ra.regions_held),
          count(s.free_pages),
          count(s.pcp_pages),
          count(s.events.failed),
          count(s.events.unmatched_free),
          count(s.events.duplicate_alloc),
          count(s.events.order_mismatch),
          count(s.events.split_ignored),
          largest ? count(*largest) : std::nullopt,
          unusable};
}

std::string format_value(Kind kind, std::optional<double> value) {
  if (!value) return "n/a";
  switch (kind) {
  case Kind::percent:
    return format_percent(value);
  case Kind::index:
    return fmt::format("{:.3f}", *value);
  case Kind::real:
    return fmt::format("{:.6g}", *value);
  case Kind::saving:
    return fmt::format("{:.2f}%", *value);
  case Kind::count:
  case Kind::order:
    break;
  }
  return fmt::format("{:.0f}", *value);
}

std::string format_delta(Kind kind, std::optional<double> first, std::optional<double> value) {
  if (!first || !value) return "n/a";
  const double delta = *value - *first;
  if (delta == 0) return "0";
  switch (kind) {
  case Kind::percent:
    return fmt::format("{:+.2f} pp", delta * 100.0);
  case Kind::index:
    return fmt::format("{:+.3f}", delta);
  case Kind::real:
    return fmt::format("{:+.6g}", delta);
  case Kind::saving:
    return fmt::format("{:+.2f} pp", delta);
  case Kind::count:
  case Kind::order:
    break;
  }
  return fmt::format("{:+.0f}", delta);
}

using Row = std::vector<std::string>;

// One metric's row: its value per run and, after every later run, the difference to the first.
void add_row(std::vector<Row>& table, const Metric& metric,
             const std::vector<std::optional<double>>& values) {
  Row row{std::string(metric.name)};
  for (std::size_t i = 0; i < values.size(); ++i) {
    row.push_back(format_value(metric.kind, values[i]));
    if (i > 0) row.push_back(format_delta(metric.kind, values[0], values[i]));
  }
  table.push_back(std::move(row));
}

// --power (docs/power.md): residency and energy, one row each, under the zone metrics.
void add_energy_rows(std::vector<Row>& table, const std::vector<RunStats>& runs) {
  const bool seconds = runs.front().energy->seconds;
  const std::string unit = seconds ? "s" : "events";
  const auto rows = [&](const EnergyStats& e, const RunStats& s) {
    return std::array<std::optional<double>, 9>{
        count(summarize_regions(s.regions).free_regions_drained),
        e.off,
        e.off_drained,
        e.offlinable,
        e.energy_j,
        e.baseline_energy_j,
        e.saving_pct,
        e.mean_mw,
        e.end_mw};
  };
  const std::string off = "segment-" + unit + " off";
  const std::string drained = off + " after drain";
  const std::string offlinable = "segment-" + unit + " offlinable";
  const std::array<Metric, 9> metrics{{{"free regions (pcp drained)", Kind::count},
                                       {off, Kind::real},
                                       {drained, Kind::real},
                                       {offlinable, Kind::real},
                                       {"energy (J)", Kind::real},
                                       {"energy all on (J)", Kind::real},
                                       {"energy saving", Kind::saving},
                                       {"mean power (mW)", Kind::real},
                                       {"power at the end (mW)", Kind::real}}};
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    std::vector<std::optional<double>> values;
    for (const RunStats& run : runs)
      values.push_back(run.energy ? rows(*run.energy, run)[m] : std::nullopt);
    add_row(table, metrics[m], values);
  }
}

// The table as cells: a header row, then one row per metric.
std::vector<Row> build_table(const std::vector<RunStats>& runs) {
  std::vector<Row> table;
  Row header{""};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    header.push_back(runs[i].provenance.label.value_or(runs[i].policy)); // compare --label
    if (i > 0) header.emplace_back("Δ vs first");
  }
  table.push_back(std::move(header));
  std::vector<Figures> values;
  for (const RunStats& run : runs) values.push_back(figures(run));
  for (std::size_t m = 0; m < kMetrics.size(); ++m) {
    std::vector<std::optional<double>> row_values;
    for (const Figures& v : values) row_values.push_back(v[m]);
    add_row(table, kMetrics[m], row_values);
  }
  if (runs.front().energy) add_energy_rows(table, runs);
  return table;
}

// Code points, which is what fmt pads by ("Δ" is two bytes, one column).
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void write_table(std::ostream& out, const std::vector<Row>& table) {
  std::vector<std::size_t> widths(table.front().size(), 0);
  for (const Row& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const Row& row : table) {
    std::string line = fmt::format("{:<{}}", row[0], widths[0]);
    for (std::size_t c = 1; c < row.size(); ++c) {
      line += fmt::format("  {:>{}}", row[c], widths[c]);
    }
    out << line << '\n';
  }
}

} // namespace

void write_compare_summary(std::ostream& out, const std::vector<RunStats>& runs) {
  if (runs.empty()) return;
  const RunStats& first = runs.front();
  out << fmt::format("memsim {}, compare of {} runs\n", memsim_version(), runs.size());
  out << fmt::format("trace  {} ({} events)\n", first.trace_path, first.trace_events);
  out << fmt::format("zone   {}\n\n", zone_description(first));
  write_table(out, build_table(runs));
  write_compare_validation_text(out, runs);
}

} // namespace memsim
