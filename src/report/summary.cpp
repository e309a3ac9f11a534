// The text summary of one run (report/summary.hpp): what `memsim replay` prints without --json.
// Geometry comes from the effective config JSON (so it shows the resolved pcp/reserve values),
// figures from RunStats through the same derivations as the JSON (report/derived.hpp).
#include "report/summary.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "report/derived.hpp"
#include "report/text_format.hpp"
#include "report/validation_text.hpp"

namespace memsim {
namespace {

constexpr int kLabelWidth = 11;

std::string label(std::string_view text) {
  return fmt::format("{:<{}}", text, kLabelWidth);
}

void write_geometry(std::ostream& out, const RunStats& stats) {
  out << label("trace") << fmt::format("{} ({} events)\n", stats.trace_path, stats.trace_events);
  out << label("zone") << zone_description(stats) << '\n';
  const auto cpus = config_u64(stats.config, "zone", "cpus");
  const auto batch = config_u64(stats.config, "pcp", "batch");
  const auto high = config_u64(stats.config, "pcp", "high");
  const auto enabled = stats.config.contains("pcp") && stats.config["pcp"].value("enabled", true);
  const auto reserve = config_u64(stats.config, "reserve", "pageblocks");
  std::string line = fmt::format("MAX_ORDER {} (orders 0-{}), pageblock order {} ({} pages)",
                                 stats.max_order, stats.max_order - 1, stats.pageblock_order,
                                 std::uint64_t{1} << stats.pageblock_order);
  if (cpus) line += fmt::format(", {} CPU{}", *cpus, *cpus == 1 ? "" : "s");
  out << label("") << line << '\n';
  std::string kernel;
  if (batch && high) {
    kernel = enabled ? fmt::format("pcp batch {} high {}", *batch, *high) : "pcp lists off";
  }
  if (reserve) {
    if (!kernel.empty()) kernel += ", ";
    kernel += fmt::format("reserve {} pageblock{}", *reserve, *reserve == 1 ? "" : "s");
  }
  if (!kernel.empty()) out << label("") << kernel << '\n';
}

void write_events(std::ostream& out, const EventCounts& e) {
  out << label("events")
      << fmt::format("alloc {}  free {}  failed {}  marks {}\n", e.alloc, e.free, e.failed, e.mark);
  out << label("")
      << fmt::format("unmatched free {}  duplicate alloc {}  order mismatch {}  splits {} "
                     "({} ignored)\n",
                     e.unmatched_free, e.duplicate_alloc, e.order_mismatch, e.split,
                     e.split_ignored);
}

void write_regions(std::ostream& out, const RunStats& stats) {
  const ZoneSummary summary = summarize_regions(stats.regions);
  out << label("regions")
      << fmt::format("{}: {} free, {} used, {} mixed\n", summary.regions, summary.free_regions,
                     summary.used_regions, summary.mixed_regions);
  out << label("")
      << fmt::format("homogeneity {}, mixed pageblocks {}\n", format_percent(summary.homogeneity),
                     summary.mixed_pageblocks);
}

// --power (docs/power.md): residency by state, energy against every segment on.
void write_energy(std::ostream& out, const RunStats& stats) {
  if (!stats.energy) return;
  const EnergyStats& e = *stats.energy;
  const char* unit = e.seconds ? "s" : "events";
  out << label("power")
      << fmt::format("{}: {} segments of {}, {} free regions after a pcp drain\n", e.model,
                     e.segments, format_bytes(e.segment_size),
                     summarize_regions(stats.regions).free_regions_drained);
  out << label("")
      << fmt::format("segment-{} over {:.6g} {}: on {:.6g}, off {:.6g}, off after drain {:.6g}, "
                     "offlinable {:.6g}\n",
                     unit, e.duration, unit, e.on, e.off, e.off_drained, e.offlinable);
  out << label("")
      << fmt::format("energy {:.6g} J against {:.6g} J all on: saving {}, mean {} mW, {:.6g} mW "
                     "at the end\n",
                     e.energy_j, e.baseline_energy_j,
                     e.saving_pct ? fmt::format("{:.2f}%", *e.saving_pct) : "n/a",
                     e.mean_mw ? fmt::format("{:.6g}", *e.mean_mw) : "n/a", e.end_mw);
}

// "a<-b 3, c<-d 1" over the non-zero pairs, in kernel-number order; "none" when empty.
std::string pair_list(const TypeMatrix& table, std::string_view separator) {
  std::string out;
  for (int a = 0; a < kMigratetypes; ++a) {
    for (int b = 0; b < kMigratetypes; ++b) {
      const std::uint64_t count = table[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
      if (count == 0) continue;
      if (!out.empty()) out += ", ";
      out += fmt::format("{}{}{} {}", to_string(migratetype_at(a)), separator,
                         to_string(migratetype_at(b)), count);
    }
  }
  return out.empty() ? "none" : out;
}

void write_fallbacks(std::ostream& out, const RunStats& stats) {
  out << label("fallbacks")
      << fmt::format("{} ({} fragmenting{}): {}\n", stats.fallbacks.total,
                     stats.fallbacks.fragmenting,
                     stats.fallbacks.change_ownership
                         ? fmt::format(", {} changing ownership", *stats.fallbacks.change_ownership)
                         : "",
                     pair_list(stats.fallbacks.by_pair, "<-"));
  out << label("retypes")
      << fmt::format("{}: {}\n", matrix_total(stats.retypes), pair_list(stats.retypes, "->"));
  const RegionAllocatorCounts& ra = stats.region_allocator;
  out << label("RA")
      << fmt::format("regions granted {} ({} by move_freepages), returned {}, held {}\n",
                     ra.regions_granted, ra.regions_granted_by_move_freepages, ra.regions_returned,
                     ra.regions_held);
  out << label("free")
      << fmt::format("{} pages ({}), pcp {} pages\n", stats.free_pages,
                     format_bytes(stats.free_pages * stats.page_size), stats.pcp_pages);
}

// The buddyinfo-style table: one row per free list type (pagetypeinfo), the total row
// (buddyinfo, region allocator included), then the two extfrag indices per order.
void write_free_table(std::ostream& out, const RunStats& stats) {
  const auto& buddyinfo = stats.free_area.buddyinfo;
  std::uint64_t widest = 0;
  for (const std::uint64_t count : buddyinfo) widest = std::max(widest, count);
  const int width = std::max(7, static_cast<int>(fmt::formatted_size("{}", widest)) + 1);
  std::string header = label("free order");
  for (unsigned order = 0; order < stats.max_order; ++order) {
    header += fmt::format("{:>{}}", order, width);
  }
  out << '\n' << header << '\n';
  auto row = [&](std::string_view name, auto&& cell) {
    std::string line = label(name);
    for (unsigned order = 0; order < stats.max_order; ++order) {
      line += fmt::format("{:>{}}", cell(order), width);
    }
    out << line << '\n';
  };
  auto count_at = [](const std::vector<std::uint64_t>& counts) {
    return [&counts](unsigned order) {
      return order < counts.size() ? fmt::format("{}", counts[order]) : std::string("-");
    };
  };
  for (const Migratetype mt : stats.list_types)
    row(to_string(mt), count_at(stats.free_area.pagetypeinfo[index_of(mt)]));
  row("total", count_at(buddyinfo));
  row("unusable", [&](unsigned order) {
    return fmt::format("{:.3f}", index_fraction(unusable_free_index(order, buddyinfo)));
  });
  row("extfrag", [&](unsigned order) {
    return fmt::format("{:.3f}", index_fraction(fragmentation_index(order, buddyinfo)));
  });
  const auto largest = largest_free_order(buddyinfo);
  out << "largest free order "
      << (largest ? fmt::format("{}", *largest) : std::string("n/a (nothing free)")) << '\n';
}

// docs/spec.md §9: per order that occurred, the trace's allocations and what became of them, and
// this policy's answers to the recorded kernel's failed attempts (probes); then the pollution
// counters (pageblocks claimed per type, steals and polluting pages per pair).
void write_high_order(std::ostream& out, const RunStats& stats) {
  constexpr const char* kRow = "{:<11}{:>10}{:>11}{:>13}{:>8}{:>11}{:>10}{:>8}\n";
  out << '\n'
      << fmt::format(kRow, "high order", "allocs", "satisfied", "by fallback", "failed",
                     "probe own", "fallback", "none");
  for (std::size_t o = 0; o < stats.high_order.size(); ++o) {
    const HighOrderCounts& c = stats.high_order[o];
    if (!c.occurred) continue;
    out << fmt::format(kRow, o, c.allocs, c.satisfied, c.by_fallback, c.failed, c.probes[0],
                       c.probes[1], c.probes[2]);
  }
  std::string claims;
  for (int t = 0; t < kMigratetypes; ++t) {
    const std::uint64_t n = stats.ownership.claims[static_cast<std::size_t>(t)];
    if (n != 0)
      claims += fmt::format("{}{} {}", claims.empty() ? "" : ", ", migratetype_name(t), n);
  }
  out << label("claims") << (claims.empty() ? "none" : claims + " pageblocks") << '\n';
  out << label("steals") << pair_list(stats.ownership.steals, "<-") << '\n';
  const std::string pages = pair_list(stats.pollution_pages, "<-");
  out << label("pollution") << pages << (pages == "none" ? "" : " pages") << '\n';
}

} // namespace

void write_summary(std::ostream& out, const RunStats& stats) {
  out << fmt::format("memsim {}, policy {}\n", memsim_version(), stats.policy);
  for (const auto& note : stats.notes) out << label("note") << note << '\n';
  write_geometry(out, stats);
  write_start_state_text(out, stats);
  write_events(out, stats.events);
  write_regions(out, stats);
  write_fallbacks(out, stats);
  write_recorded_text(out, stats);
  write_energy(out, stats);
  write_free_table(out, stats);
  write_high_order(out, stats);
  write_validation_text(out, stats);
}

} // namespace memsim
