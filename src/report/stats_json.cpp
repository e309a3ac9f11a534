// Builds the docs/spec.md §5 stats document from RunStats, one function per top-level section, keys
// in docs/spec.md order. Derived figures (free/mixed regions, homogeneity, extfrag indices) are
// computed here from the snapshot (report/derived.hpp, stats/metrics.cpp), never stored.
#include "report/stats_json.hpp"

#include <array>
#include <string>

#include "report/derived.hpp"
#include "report/text_format.hpp"

#ifndef MEMSIM_VERSION
#error "MEMSIM_VERSION must be defined by the build (CMake sets it on memsim_lib)"
#endif

namespace memsim {
namespace {

using nlohmann::ordered_json;

template <typename T> ordered_json or_null(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json events_json(const EventCounts& e) {
  return {{"alloc", e.alloc},
          {"free", e.free},
          {"failed", e.failed},
          {"unmatched_free", e.unmatched_free},
          {"duplicate_alloc", e.duplicate_alloc},
          {"order_mismatch", e.order_mismatch},
          {"mark", e.mark},
          {"split", e.split},
          {"split_ignored", e.split_ignored},
          {"probe", e.probe}};
}

// Non-zero entries of a [type][type] table, in glossary order.
ordered_json pair_counts(const TypeMatrix& table, std::string_view separator) {
  ordered_json out = ordered_json::object();
  for (int a = 0; a < kMigratetypes; ++a) {
    for (int b = 0; b < kMigratetypes; ++b) {
      const std::uint64_t count = table[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
      if (count != 0)
        out[migratetype_name(a) + std::string(separator) + migratetype_name(b)] = count;
    }
  }
  return out;
}

ordered_json fallbacks_json(const RunStats& stats) {
  ordered_json out = {{"total", stats.fallbacks.total},
                      {"fragmenting", stats.fallbacks.fragmenting},
                      {"by_pair", pair_counts(stats.fallbacks.by_pair, "<-")}};
  if (stats.fallbacks.change_ownership) out["change_ownership"] = *stats.fallbacks.change_ownership;
  out["pageblock_retypes"] = pair_counts(stats.retypes, "->");
  return out;
}

ordered_json region_allocator_json(const RegionAllocatorCounts& ra) {
  return {{"regions_granted", ra.regions_granted},
          {"regions_returned", ra.regions_returned},
          {"regions_held", ra.regions_held},
          {"regions_granted_by_move_freepages", ra.regions_granted_by_move_freepages}};
}

ordered_json summary_json(const RunStats& stats) {
  const ZoneSummary summary = summarize_regions(stats.regions);
  ordered_json out = {{"regions", summary.regions},
                      {"free_regions", summary.free_regions},
                      {"used_regions", summary.used_regions},
                      {"mixed_regions", summary.mixed_regions},
                      {"homogeneity", or_null(summary.homogeneity)},
                      {"mixed_pageblocks", summary.mixed_pageblocks},
                      {"free_pages", stats.free_pages},
                      {"pcp_pages", stats.pcp_pages}};
  // With --power only, so documents without it keep their bytes (docs/decisions.md 121).
  if (stats.energy) out["free_regions_drained"] = summary.free_regions_drained;
  return out;
}

// docs/power.md: residency per state and the energy against the all-on baseline.
ordered_json energy_json(const EnergyStats& e) {
  return {{"model", e.model},
          {"segment_size", e.segment_size},
          {"segments", e.segments},
          {"unit", e.seconds ? "s" : "events"},
          {"duration", e.duration},
          {"segment_seconds",
           {{"on", e.on},
            {"off", e.off},
            {"offlinable", e.offlinable},
            {"off_drained", e.off_drained}}},
          {"energy_j", e.energy_j},
          {"baseline_energy_j", e.baseline_energy_j},
          {"saving_pct", or_null(e.saving_pct)},
          {"mean_mw", or_null(e.mean_mw)},
          {"drain_pcp", e.drain_pcp},
          {"events_per_second", or_null(e.events_per_second)},
          {"fixed_mw", e.fixed_mw},
          {"segment_mw", {{"on", e.on_mw}, {"off", e.off_mw}}},
          {"end_mw", e.end_mw}};
}

ordered_json per_type(const std::array<std::uint64_t, kRequestableTypes>& counts) {
  ordered_json out = ordered_json::object();
  for (std::size_t i = 0; i < counts.size(); ++i)
    out[migratetype_name(static_cast<int>(i))] = counts[i];
  return out;
}

// One entry per free-list type of the run's policy.
ordered_json per_list_type(const std::array<std::uint64_t, kMigratetypes>& counts,
                           const std::vector<Migratetype>& types) {
  ordered_json out = ordered_json::object();
  for (const Migratetype mt : types) out[std::string(to_string(mt))] = counts[index_of(mt)];
  return out;
}

ordered_json region_json(const RegionSnapshot& region, const std::vector<Migratetype>& types) {
  const RegionMetrics metrics = region_metrics(region);
  ordered_json dominant = nullptr;
  if (metrics.dominant) dominant = std::string(to_string(*metrics.dominant));
  return {{"index", region.index},
          {"start_pfn", region.start_pfn},
          {"pages", region.pages},
          {"free_pages", region.free_pages},
          {"pcp_pages", region.pcp_pages},
          {"allocated", per_type(region.allocated)},
          {"dominant", dominant},
          {"homogeneity", or_null(metrics.homogeneity)},
          {"mixed", metrics.mixed},
          {"pageblocks", per_list_type(region.pageblocks, types)},
          {"mixed_pageblocks", region.mixed_pageblocks},
          {"in_region_allocator", region.in_region_allocator},
          {"pageblock_map", region.pageblock_map},
          {"pageblock_allocated", region.pageblock_allocated}};
}

ordered_json fragmentation_json(const RunStats& stats) {
  const auto& buddyinfo = stats.free_area.buddyinfo;
  ordered_json pagetypeinfo = ordered_json::object();
  for (const Migratetype mt : stats.list_types)
    pagetypeinfo[std::string(to_string(mt))] = stats.free_area.pagetypeinfo[index_of(mt)];
  ordered_json unusable = ordered_json::array();
  ordered_json fragmentation = ordered_json::array();
  for (unsigned order = 0; order < stats.max_order; ++order) {
    unusable.push_back(index_fraction(unusable_free_index(order, buddyinfo)));
    fragmentation.push_back(index_fraction(fragmentation_index(order, buddyinfo)));
  }
  return {{"buddyinfo", buddyinfo},
          {"pagetypeinfo", std::move(pagetypeinfo)},
          {"unusable_index", std::move(unusable)},
          {"fragmentation_index", std::move(fragmentation)},
          {"largest_free_order", or_null(largest_free_order(buddyinfo))}};
}

// docs/spec.md §9 `high_order`: every order that occurred.
ordered_json high_order_json(const std::vector<HighOrderCounts>& orders) {
  ordered_json out = ordered_json::object();
  for (std::size_t o = 0; o < orders.size(); ++o) {
    const HighOrderCounts& c = orders[o];
    if (!c.occurred) continue;
    ordered_json probes = ordered_json::object();
    for (std::size_t a = 0; a < c.probes.size(); ++a)
      probes[probe_answer_name(static_cast<ProbeAnswer>(a))] = c.probes[a];
    out[std::to_string(o)] = {{"allocs", c.allocs},
                              {"satisfied", c.satisfied},
                              {"by_fallback", c.by_fallback},
                              {"failed", c.failed},
                              {"probes", std::move(probes)}};
  }
  return out;
}

// docs/spec.md §9 `pollution`.
ordered_json pollution_json(const RunStats& stats) {
  ordered_json claims = ordered_json::object();
  for (int t = 0; t < kMigratetypes; ++t)
    if (stats.ownership.claims[static_cast<std::size_t>(t)] != 0)
      claims[migratetype_name(t)] = stats.ownership.claims[static_cast<std::size_t>(t)];
  return {{"claims", std::move(claims)},
          {"steals", pair_counts(stats.ownership.steals, "<-")},
          {"pages", pair_counts(stats.pollution_pages, "<-")}};
}

ordered_json sample_json(const TimelineSample& sample) {
  ordered_json out = {{"event", sample.event},
                      {"t", or_null(sample.t)},
                      {"free_regions", sample.free_regions},
                      {"mixed_regions", sample.mixed_regions},
                      {"homogeneity", or_null(sample.homogeneity)},
                      {"mixed_pageblocks", sample.mixed_pageblocks},
                      {"free_pages", sample.free_pages},
                      {"fallbacks", sample.fallbacks},
                      {"unusable_index_pageblock", sample.unusable_index_pageblock},
                      {"free_pageblocks_whole", sample.free_pageblocks_whole}};
  ordered_json largest = ordered_json::object();
  for (int t = 0; t < kRequestableTypes; ++t)
    largest[migratetype_name(t)] = sample.largest_free_order[static_cast<std::size_t>(t)];
  out["largest_free_order"] = std::move(largest);
  if (!sample.probes.empty()) {
    ordered_json probes = ordered_json::object();
    for (const auto& [order, answers] : sample.probes) {
      ordered_json per_type = ordered_json::object();
      for (int t = 0; t < kRequestableTypes; ++t)
        per_type[migratetype_name(t)] = probe_answer_name(answers[static_cast<std::size_t>(t)]);
      probes[std::to_string(order)] = std::move(per_type);
    }
    out["probes"] = std::move(probes);
  }
  if (sample.segments) {
    out["segments_off"] = sample.segments->off;
    out["segments_off_drained"] = sample.segments->off_drained;
    out["segments_offlinable"] = sample.segments->offlinable;
    out["segment_map"] = sample.segments->map;
  }
  if (sample.label) out["label"] = *sample.label;
  return out;
}

// New keys come last, so the keys before them keep their bytes (docs/decisions.md D68).
ordered_json provenance_json(const RunStats& stats) {
  const Provenance& p = stats.provenance;
  return {{"memsim_revision", memsim_revision()},
          {"command_line", p.command_line},
          {"label", or_null(p.label)},
          {"trace_meta", ordered_json(p.trace_meta)},
          {"proc_in", or_null(p.proc_in)},
          {"t_start", or_null(stats.t_start)},
          {"t_end", or_null(stats.t_end)}};
}

} // namespace

nlohmann::ordered_json stats_to_json(const RunStats& stats) {
  ordered_json doc;
  doc["memsim_stats"] = 1;
  doc["memsim_version"] = MEMSIM_VERSION;
  doc["policy"] = stats.policy;
  doc["notes"] = stats.notes;
  doc["config"] = stats.config.is_null() ? ordered_json::object() : stats.config;
  doc["trace"] = {{"path", stats.trace_path}, {"events", stats.trace_events}};
  if (!stats.start_state.is_null()) doc["start_state"] = stats.start_state;
  doc["events"] = events_json(stats.events);
  doc["fallbacks"] = fallbacks_json(stats);
  doc["region_allocator"] = region_allocator_json(stats.region_allocator);
  doc["summary"] = summary_json(stats);
  doc["regions"] = ordered_json::array();
  for (const auto& region : stats.regions)
    doc["regions"].push_back(region_json(region, stats.list_types));
  doc["fragmentation"] = fragmentation_json(stats);
  doc["high_order"] = high_order_json(stats.high_order);
  doc["pollution"] = pollution_json(stats);
  if (!stats.recorded.is_null()) doc["recorded"] = stats.recorded;
  if (stats.validation) doc["validation"] = validation_to_json(*stats.validation);
  if (!stats.decision_agreement.is_null())
    doc["validation"]["decision_agreement"] = stats.decision_agreement;
  if (stats.energy) doc["energy"] = energy_json(*stats.energy);
  doc["timeline"] = ordered_json::array();
  for (const auto& sample : stats.timeline) doc["timeline"].push_back(sample_json(sample));
  doc["provenance"] = provenance_json(stats);
  if (!stats.kernel_state.empty()) doc["kernel_state"] = stats.kernel_state;
  return doc;
}

nlohmann::ordered_json compare_to_json(const std::vector<RunStats>& runs) {
  ordered_json doc;
  doc["memsim_compare"] = 1;
  doc["runs"] = ordered_json::array();
  for (const auto& run : runs) doc["runs"].push_back(stats_to_json(run));
  return doc;
}

void write_json(std::ostream& out, const nlohmann::ordered_json& document) {
  out << document.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

} // namespace memsim
