// The text of `memsim compare` without --json (report/summary.hpp): one row per metric, one
// column per run headed by its policy entry, and after every later run a "Δ vs first" column.
#include <algorithm>
#include <array>
#include <numeric>
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
          count(matrix_total(s.retypes)),
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

// A row of the table: its name, its unit and every run's value.
struct MetricRow {
  std::string name;
  Kind kind;
  std::vector<std::optional<double>> values;
};

// PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h): the orders the kernel calls costly.
constexpr unsigned kCostlyOrder = 3;

// docs/spec.md §9 per costly order that occurred in any run: the allocations satisfied (of the
// trace's allocations, when every run saw as many), by fallback, failed (when any did) and the
// probe answers (when there were probes); then the pollution counters summed over their pairs.
std::vector<MetricRow> high_order_rows(const std::vector<RunStats>& runs) {
  std::vector<MetricRow> rows;
  const auto add = [&](std::string name, auto&& value) {
    MetricRow row{std::move(name), Kind::count, {}};
    for (const RunStats& run : runs) row.values.push_back(count(value(run)));
    rows.push_back(std::move(row));
  };
  std::size_t orders = 0;
  for (const RunStats& run : runs) orders = std::max(orders, run.high_order.size());
  for (unsigned o = kCostlyOrder; o < orders; ++o) {
    const auto at = [o](const RunStats& r) {
      return o < r.high_order.size() ? r.high_order[o] : HighOrderCounts{};
    };
    if (std::none_of(runs.begin(), runs.end(), [&](const auto& r) { return at(r).occurred; }))
      continue;
    const auto any = [&](auto&& value) {
      return std::any_of(runs.begin(), runs.end(), [&](const auto& r) { return value(r) != 0; });
    };
    const std::uint64_t allocs = at(runs.front()).allocs;
    if (any([&](const auto& r) { return at(r).allocs != allocs; })) {
      add(fmt::format("order {} allocs", o), [&](const auto& r) { return at(r).allocs; });
      add("  satisfied", [&](const auto& r) { return at(r).satisfied; });
    } else {
      add(fmt::format("order {} satisfied (of {} allocs)", o, allocs),
          [&](const auto& r) { return at(r).satisfied; });
    }
    add("  by fallback", [&](const auto& r) { return at(r).by_fallback; });
    if (any([&](const auto& r) { return at(r).failed; }))
      add("  failed", [&](const auto& r) { return at(r).failed; });
    if (!any([&](const auto& r) { return at(r).probes[0] + at(r).probes[1] + at(r).probes[2]; }))
      continue;
    for (int a = 0; a < kProbeAnswers; ++a)
      add(fmt::format("  probes {}", probe_answer_name(static_cast<ProbeAnswer>(a))),
          [&](const auto& r) { return at(r).probes[static_cast<std::size_t>(a)]; });
  }
  add("pageblock claims", [](const RunStats& r) {
    return std::accumulate(r.ownership.claims.begin(), r.ownership.claims.end(), std::uint64_t{0});
  });
  add("steals", [](const RunStats& r) { return matrix_total(r.ownership.steals); });
  add("polluting pages", [](const RunStats& r) { return matrix_total(r.pollution_pages); });
  return rows;
}

// --power (docs/power.md): residency and energy, one row each, under the zone metrics.
std::vector<MetricRow> energy_rows(const std::vector<RunStats>& runs) {
  const std::string unit = runs.front().energy->seconds ? "s" : "events";
  std::vector<MetricRow> rows;
  const auto add = [&](std::string name, Kind kind, auto&& value) {
    MetricRow row{std::move(name), kind, {}};
    for (const RunStats& run : runs)
      row.values.push_back(run.energy ? std::optional<double>(value(run, *run.energy))
                                      : std::nullopt);
    rows.push_back(std::move(row));
  };
  using E = const EnergyStats&;
  using R = const RunStats&;
  add("free regions (pcp drained)", Kind::count, [](R r, E) {
    return static_cast<double>(summarize_regions(r.regions).free_regions_drained);
  });
  add("segment-" + unit + " off", Kind::real, [](R, E e) { return e.off; });
  add("segment-" + unit + " off after drain", Kind::real, [](R, E e) { return e.off_drained; });
  add("segment-" + unit + " offlinable", Kind::real, [](R, E e) { return e.offlinable; });
  add("energy (J)", Kind::real, [](R, E e) { return e.energy_j; });
  add("energy all on (J)", Kind::real, [](R, E e) { return e.baseline_energy_j; });
  add("energy saving", Kind::saving, [](R, E e) { return e.saving_pct; });
  add("mean power (mW)", Kind::real, [](R, E e) { return e.mean_mw; });
  add("power at the end (mW)", Kind::real, [](R, E e) { return e.end_mw; });
  return rows;
}

std::vector<MetricRow> metric_rows(const std::vector<RunStats>& runs) {
  std::vector<MetricRow> rows;
  std::vector<Figures> values;
  for (const RunStats& run : runs) values.push_back(figures(run));
  for (std::size_t m = 0; m < kMetrics.size(); ++m) {
    MetricRow row{std::string(kMetrics[m].name), kMetrics[m].kind, {}};
    for (const Figures& v : values) row.values.push_back(v[m]);
    rows.push_back(std::move(row));
  }
  for (MetricRow& row : high_order_rows(runs)) rows.push_back(std::move(row));
  if (runs.front().energy)
    for (MetricRow& row : energy_rows(runs)) rows.push_back(std::move(row));
  return rows;
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
  for (const MetricRow& metric : metric_rows(runs)) {
    Row row{metric.name};
    for (std::size_t i = 0; i < runs.size(); ++i) {
      row.push_back(format_value(metric.kind, metric.values[i]));
      if (i > 0) row.push_back(format_delta(metric.kind, metric.values[0], metric.values[i]));
    }
    table.push_back(std::move(row));
  }
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
  for (const RunStats& run : runs) write_recorded_text(out, run);
  write_compare_validation_text(out, runs);
}

} // namespace memsim
