// The replay loop's engine room: applies trace events to a zone under one policy, keeps the
// live allocation ids, the event counters and the timeline, and snapshots RunStats at the end.
// reader -> Simulator::apply -> RunStats -> report/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "memsim/config.hpp"
#include "memsim/trace.hpp"
#include "policy/policy.hpp"
#include "sim/live_table.hpp"
#include "sim/power_tracker.hpp"
#include "stats/run_stats.hpp"
#include "stats/zone_detail.hpp"

namespace memsim {

struct ReplayOptions {
  bool strict = false;        // recoverable trace problems are errors (docs/spec.md §4.4)
  bool check = false;         // check_invariants() after every event
  std::uint64_t interval = 0; // timeline sample every `interval` events; 0: only at marks
  std::vector<unsigned> probe_orders{}; // --probe: asked for every requestable type at each sample
  std::string predict{}; // --predict: the policy whose decisions the recorded replay scores
};

// One line of --placements (docs/spec.md §1).
struct Placement {
  std::uint64_t i = 0;
  std::uint64_t id = 0;
  std::optional<Pfn> pfn; // nullopt: failed or duplicate
  unsigned order = 0;
  Migratetype mt = Migratetype::movable;
  bool fallback = false;
};

class PlacementSink {
public:
  virtual ~PlacementSink() = default;
  virtual void place(const Placement& placement) = 0;
};

class Simulator : private LiveAllocations {
public:
  // `policy_entry` is the name as the user wrote it (stats "policy"); `policy_name` the registry
  // name. The reader supplies the header (preallocated blocks) and where() for messages.
  // Throws InputError for a config or header the zone cannot take.
  Simulator(const Config& config, const std::string& policy_name, std::string policy_entry,
            const TraceReader& reader, std::string trace_path, ReplayOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  void set_placement_sink(PlacementSink* sink) { placements_ = sink; }
  // Applies the next event. Throws InputError ("FILE:LINE: ...") for bad values and, with
  // --strict, recoverable problems; InternalError when --check finds a broken invariant.
  void apply(const Event& event);
  // Reads and applies every event of `reader`, calling `tick` after each. Events are read a few
  // ahead so the memory of their ids and blocks can be prefetched; an error of the reader is
  // raised only when its position is reached, so the first problem of the trace is reported.
  void run(TraceReader& reader, const std::function<void()>& tick);
  std::uint64_t events_applied() const { return index_; }
  RunStats finish() const;

  const Zone& zone() const { return *zone_; }
  const Policy& policy() const { return *policy_; }

private:
  void apply_alloc(const Event& event);
  void apply_free(const Event& event);
  void apply_split(const Event& event);
  void apply_probe(const Event& event);
  void count_pollution(PageIdx block, unsigned order, Migratetype mt);
  HighOrderCounts& high_order(unsigned order);
  void recoverable(const Event& event, const std::string& message);
  void sample(const Event& event, bool at_mark);
  void apply_preallocated(const TraceHeader& header);
  void apply_start_pageblock_types(const TraceHeader& header);
  void free_start_pcp(const TraceHeader& header);
  void set_predicting();
  void check_invariants() const;
  void prefetch_id(const Event& event) const;
  void moved(PageIdx from, PageIdx to) override;
  void own(PageIdx block, std::uint64_t id);
  void prefetch_block(const Event& event) const;

  Config config_;
  Geometry geometry_;
  std::string policy_entry_;
  const TraceReader& reader_;
  std::string trace_path_;
  ReplayOptions options_;
  std::unique_ptr<Zone> zone_;
  std::unique_ptr<Policy> policy_;
  LiveTable live_; // allocation id -> block head
  // block head -> allocation id, kept only for a policy that migrates (Policy::migrates)
  absl::flat_hash_map<PageIdx, std::uint64_t> owners_;
  bool track_owners_ = false;
  bool background_ = false;    // the policy wants between_events()
  bool follows_trace_ = false; // the policy sees every event first (Policy::observe)
  bool keeps_time_ = false;    // the policy wants the trace time (Policy::advance_time)
  PlacementSink* placements_ = nullptr;
  EventCounts counts_;
  std::vector<HighOrderCounts> high_order_; // by order, one per order below zone.max_order
  TypeMatrix pollution_{};
  std::uint64_t index_ = 0;
  std::optional<double> first_t_, last_t_; // of the events that had a `t`
  std::vector<TimelineSample> timeline_;
  std::unique_ptr<PowerTracker> power_; // --power (docs/power.md)
};

// Builds the zone-derived parts of RunStats (regions, free areas, totals) and one timeline
// sample; shared by Simulator::finish and the timeline.
void snapshot_zone(const Zone& zone, const Policy& policy, RunStats& out);
TimelineSample sample_zone(const Zone& zone, const Policy& policy);
// The per-region free-list counts, per-CPU counts and watermarks of --proc-out (O(free blocks)).
ZoneDetail snapshot_zone_detail(const Zone& zone, const Policy& policy);

} // namespace memsim
