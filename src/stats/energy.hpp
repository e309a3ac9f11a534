// What --power reports (docs/power.md, docs/spec.md §8): the `energy` section of a run and the
// segment columns of a timeline sample. Filled by sim/power_tracker.cpp, printed by report/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace memsim {

// Segments by state at one timeline sample; `map` has one letter per segment (o off, d off
// after a drain of the per-CPU lists, m offlinable, n on).
struct SegmentSample {
  std::uint64_t off = 0, off_drained = 0, offlinable = 0;
  std::string map;
};

// Residency in segment-seconds (segment-events when the trace has no `t`) and the energy.
struct EnergyStats {
  std::string model;
  std::uint64_t segment_size = 0; // bytes
  std::uint64_t segments = 0;
  bool seconds = true; // unit "s"; else "events" (the event index, power.events_per_second)
  bool drain_pcp = false;
  std::optional<double> events_per_second;
  double fixed_mw = 0, on_mw = 0, off_mw = 0; // as priced for this run (presets resolved)
  double duration = 0;
  double on = 0, off = 0, off_drained = 0, offlinable = 0; // segment-seconds (or -events)
  double energy_j = 0, baseline_energy_j = 0;
  std::optional<double> saving_pct, mean_mw; // null when nothing can be divided
  double end_mw = 0; // the power of the states after the last event (the machine idling there)
};

} // namespace memsim
