// PowerTracker (sim/power_tracker.hpp): the segment geometry of docs/power.md (segments of
// power.segment_size aligned to pfn 0, cut by the zone), the pricing of presets per GiB, and the
// integration energy_J = Σ (fixed_mw + Σ_s segment_mw[state_s]) · dt / 1000.
#include "sim/power_tracker.hpp"

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

constexpr std::uint64_t kMaxSegments = std::uint64_t{1} << 22;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// The segment size and where it came from (for messages).
std::pair<Size, std::string> segment_size_of(const Config& config, const Geometry& geometry) {
  const PowerModel& model = *config.power.model;
  if (model.segment_size) return {*model.segment_size, model.source + ": segment_size"};
  if (config.power.segment_size) return {*config.power.segment_size, "power.segment_size"};
  return {Size{geometry.region_pages, true}, "power.segment_size (zone.region_size)"};
}

} // namespace

PricedSegments price_segments(const Config& config, const Geometry& geometry) {
  const auto [size, origin] = segment_size_of(config, geometry);
  const std::uint64_t page_size = config.zone.page_size;
  const std::uint64_t bytes = size.bytes(page_size);
  if (bytes == 0 || bytes % page_size != 0)
    throw InputError(
        fmt::format("{}: {} bytes is not a whole, non-zero number of pages", origin, bytes));
  PricedSegments out;
  out.segment_pages = bytes / page_size;
  out.first_segment = config.zone.start_pfn / out.segment_pages;
  const std::uint64_t last = (config.zone.start_pfn + geometry.pages - 1) / out.segment_pages;
  out.segments = last - out.first_segment + 1;
  if (out.segments > kMaxSegments)
    throw InputError(fmt::format("{}: {} segments; memsim prices at most {}", origin, out.segments,
                                 kMaxSegments));
  const PowerModel& model = *config.power.model;
  const double segment_gib = model.per_gib ? static_cast<double>(bytes) / kGiB : 1.0;
  const double zone_gib =
      model.per_gib ? static_cast<double>(geometry.pages * page_size) / kGiB : 1.0;
  out.fixed_mw = model.fixed_mw * zone_gib;
  out.on_mw = model.on_mw * segment_gib;
  out.off_mw = model.off_mw * segment_gib;
  return out;
}

PowerTracker::PowerTracker(const Config& config, Zone& zone, std::string trace_path)
    : config_(config), priced_(price_segments(config, zone.geometry())),
      tally_(config.zone.start_pfn - priced_.first_segment * priced_.segment_pages,
             priced_.segment_pages, priced_.segments),
      trace_path_(std::move(trace_path)) {
  zone.set_segment_tally(&tally_);
}

SegmentSample PowerTracker::sample() const {
  SegmentSample s;
  const std::uint64_t off = tally_.in_use(SegmentUse::off);
  const std::uint64_t pcp_only = tally_.in_use(SegmentUse::pcp_only);
  s.off = config_.power.drain_pcp ? off + pcp_only : off;
  s.off_drained = off + pcp_only;
  s.offlinable = tally_.in_use(SegmentUse::offlinable);
  s.map = tally_.use_map();
  return s;
}

EnergyStats PowerTracker::finish() const {
  EnergyStats e;
  e.model = config_.power.model->name;
  e.segment_size = priced_.segment_pages * config_.zone.page_size;
  e.segments = priced_.segments;
  e.drain_pcp = config_.power.drain_pcp;
  e.events_per_second = config_.power.events_per_second;
  e.fixed_mw = priced_.fixed_mw;
  e.on_mw = priced_.on_mw;
  e.off_mw = priced_.off_mw;
  e.seconds = first_t_.has_value();
  if (!e.seconds && !e.events_per_second)
    throw InputError(fmt::format("{}: the trace's events have no `t`: --power needs --set "
                                 "power.events_per_second=N to give them a time",
                                 trace_path_ == "-" ? "<stdin>" : trace_path_));
  const std::array<double, kSegmentUses>& by = e.seconds ? by_seconds_ : by_events_;
  e.duration =
      e.seconds ? last_t_ - *first_t_ : static_cast<double>(events_ == 0 ? 0 : events_ - 1);
  const auto at = [&](SegmentUse use) { return by[static_cast<std::size_t>(use)]; };
  e.off_drained = at(SegmentUse::off) + at(SegmentUse::pcp_only);
  e.off = e.drain_pcp ? e.off_drained : at(SegmentUse::off);
  e.on = at(SegmentUse::offlinable) + at(SegmentUse::on) +
         (e.drain_pcp ? 0 : at(SegmentUse::pcp_only));
  e.offlinable = at(SegmentUse::offlinable);
  const double to_seconds = e.seconds ? 1.0 : 1.0 / *e.events_per_second;
  const double seconds = e.duration * to_seconds;
  e.energy_j = (e.fixed_mw * seconds + (e.on_mw * e.on + e.off_mw * e.off) * to_seconds) / 1000.0;
  e.baseline_energy_j = (e.fixed_mw + static_cast<double>(e.segments) * e.on_mw) * seconds / 1000.0;
  if (e.baseline_energy_j > 0)
    e.saving_pct = 100.0 * (e.baseline_energy_j - e.energy_j) / e.baseline_energy_j;
  if (seconds > 0) e.mean_mw = e.energy_j * 1000.0 / seconds;
  const SegmentSample end = sample();
  e.end_mw = e.fixed_mw + e.off_mw * static_cast<double>(end.off) +
             e.on_mw * static_cast<double>(e.segments - end.off);
  return e;
}

void PowerTracker::check_invariants(const Zone& zone) const {
  std::vector<std::array<std::uint64_t, 3>> recount(priced_.segments, {0, 0, 0});
  const std::uint64_t offset =
      config_.zone.start_pfn - priced_.first_segment * priced_.segment_pages;
  for (std::uint64_t i = 0; i < zone.pages();) {
    const Page& p = zone.page(static_cast<PageIdx>(i));
    const std::uint64_t size = p.state == PageState::tail ? 1 : std::uint64_t{1} << p.order;
    const bool pcp = p.state == PageState::pcp;
    if (p.state == PageState::alloc_head || pcp)
      for (std::uint64_t j = i; j < i + size; ++j) {
        std::array<std::uint64_t, 3>& c = recount[(j + offset) / priced_.segment_pages];
        if (pcp) {
          ++c[2];
        } else {
          ++c[0];
          if (p.mt != Migratetype::movable) ++c[1];
        }
      }
    i += size;
  }
  const std::string broken = tally_.check(recount);
  if (!broken.empty()) throw InternalError("invariant violated: " + broken);
}

} // namespace memsim
