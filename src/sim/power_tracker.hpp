// --power over one run (docs/power.md, docs/spec.md §8): owns the zone's SegmentTally, holds each
// event's segment states from its time to the next event's (the trace's `t`, and the event
// index for a trace without it) and prices them with the run's PowerModel at the end.
// Simulator::apply calls after_event() once per event; nothing runs without --power.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "memsim/config.hpp"
#include "memsim/event.hpp"
#include "stats/energy.hpp"
#include "zone/zone.hpp"

namespace memsim {

// The model resolved against a run's geometry: segment size, segment count, milliwatts.
struct PricedSegments {
  std::uint64_t segment_pages = 0, first_segment = 0, segments = 0;
  double fixed_mw = 0, on_mw = 0, off_mw = 0;
};
// Throws InputError naming the key (or the power file) whose segment size is impossible.
PricedSegments price_segments(const Config& config, const Geometry& geometry);

class PowerTracker {
public:
  // Registers its tally with `zone` before the zone is booted, so every page counted reaches it.
  PowerTracker(const Config& config, Zone& zone, std::string trace_path);
  PowerTracker(const PowerTracker&) = delete;
  PowerTracker& operator=(const PowerTracker&) = delete;

  // After each applied event: close the interval of the previous event's states.
  void after_event(const Event& event) {
    const std::array<std::uint64_t, kSegmentUses> now = live();
    if (events_ != 0)
      for (int c = 0; c < kSegmentUses; ++c) by_events_[c] += static_cast<double>(held_[c]);
    held_ = now;
    ++events_;
    if (event.has_t) {
      if (first_t_) {
        const double dt = event.t - last_t_;
        for (int c = 0; c < kSegmentUses; ++c)
          by_seconds_[c] += static_cast<double>(held_t_[c]) * dt;
      } else {
        first_t_ = event.t;
      }
      last_t_ = event.t;
    }
    if (first_t_) held_t_ = now;
  }
  SegmentSample sample() const;
  // The energy section; InputError when the trace has no `t` and no power.events_per_second.
  EnergyStats finish() const;
  // The tally against a recount of the zone's pages (--check); throws InternalError.
  void check_invariants(const Zone& zone) const;

private:
  std::array<std::uint64_t, kSegmentUses> live() const {
    std::array<std::uint64_t, kSegmentUses> out{};
    for (int c = 0; c < kSegmentUses; ++c) out[c] = tally_.in_use(static_cast<SegmentUse>(c));
    return out;
  }

  Config config_;
  PricedSegments priced_;
  SegmentTally tally_;
  std::string trace_path_;
  std::uint64_t events_ = 0;
  std::array<std::uint64_t, kSegmentUses> held_{}, held_t_{};   // states of the last event
  std::array<double, kSegmentUses> by_events_{}, by_seconds_{}; // segment-events, -seconds
  std::optional<double> first_t_;
  double last_t_ = 0;
};

} // namespace memsim
