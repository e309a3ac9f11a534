// The policy interface: one page-allocator generation (Linux 3.11, Bhat's region-aware design,
// later kernels) composed from the zone's kernel functions (zone/). A policy owns its per-CPU
// lists, its back-ends and its counters; the simulator calls it through these methods only.
// The registry (registry.hpp) is the one table of policies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memsim/counters.hpp"
#include "memsim/gfp.hpp"
#include "memsim/trace.hpp"
#include "policy/predictor.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

// An allocation request with what the kernel decides by (alloc_pages(gfp, order) on a CPU).
struct AllocRequest {
  unsigned order = 0;
  Migratetype mt = Migratetype::movable;
  unsigned cpu = 0;
  bool cold = false; // __GFP_COLD (3.11)
  bool has_gfp = false;
  GfpMask gfp = 0;
  bool has_pfn = false; // the traced pfn (the recorded policy places the block there)
  Pfn pfn = 0;
};

// What a policy reports at the end of a run, beyond the zone's own state.
struct PolicyReport {
  RegionAllocatorCounts region_allocator; // all zero without a region allocator
  std::vector<bool> region_held;          // per region: held by the region allocator
  std::vector<std::uint64_t> pcp_count;   // pages on each CPU's per-CPU lists
  unsigned pcp_high = 0, pcp_batch = 0;   // for the zoneinfo of --proc-out
  std::uint64_t min_wmark = 0;            // pages
};

// The replay's side of a migration (Zone::move_allocation): the live allocation whose block was
// `from` now lives at `to`, under the same id, so the trace's later free finds it.
class LiveAllocations {
public:
  virtual ~LiveAllocations() = default;
  virtual void moved(PageIdx from, PageIdx to) = 0;
};

class Policy {
public:
  virtual ~Policy() = default;

  // Fills the empty zone's free lists as the generation's boot does (before any preallocated
  // block is carved; nothing is counted).
  virtual void boot() = 0;
  // The allocation entry point (buffered_rmqueue / rmqueue): a block of 2^order pages, or
  // kNoPage when nothing fits. The caller marks it allocated.
  virtual Taken alloc(const AllocRequest& request) = 0;
  // __free_pages() of a live block the caller has already marked freed (Zone::mark_freed).
  virtual void free(PageIdx block, unsigned order, unsigned cpu, bool cold) = 0;

  // docs/spec.md §9: could a request of `order` and `mt` be served now, and from where? Changes
  // nothing; per-CPU lists are not looked at.
  virtual ProbeAnswer probe(unsigned order, Migratetype mt) const = 0;

  // Counters for the stats; blocks held off the free areas (buddyinfo's top order, D9).
  virtual const AllocatorCounters& counters() const = 0;
  virtual std::uint64_t held_blocks() const { return 0; }
  virtual void report(PolicyReport& out) const = 0;
  // The free-list types of the generation, in the order the stats list them.
  virtual const std::vector<Migratetype>& list_types() const = 0;
  // The policy's sections of the stats `config` (resolved values; may replace "pcp").
  virtual void config_json(nlohmann::ordered_json& out) const = 0;
  // Kernel state worth reporting that no other section holds (the stats "kernel_state", printed
  // when not empty: linux-6.1's watermark_boost and nr_reserved_highatomic).
  virtual void state_json(nlohmann::ordered_json& /*out*/) const {}
  // Labels for the stats "notes" (extensions of the kernel design in force).
  virtual std::vector<std::string> notes() const { return {}; }
  // The policy's own lists and back-ends recounted; throws InternalError naming what broke.
  virtual void check_invariants() const {}
  // Called by the simulator after every trace event (background work: evacuation, compaction);
  // a policy that migrates allocations returns true from migrates() so the simulator keeps the
  // block -> id map that LiveAllocations::moved needs.
  virtual bool migrates() const { return false; }
  virtual bool has_background_work() const { return false; } // else between_events() is not called
  virtual void between_events(LiveAllocations& /*live*/) {}
  // A policy whose kernel does timed work (6.7+ decay_pcp_high on every CPU's vmstat tick) gets
  // the trace time, in seconds, before each event that carries one.
  virtual bool keeps_time() const { return false; }
  virtual void advance_time(double /*t*/) {}

  // --- a policy that follows the trace instead of deciding (recorded, docs/spec.md §7.2) ---
  // Such a policy gets the header before boot(), the start state's per-CPU blocks once the
  // pageblock types are set, every event (buddy-level ones included) before the simulator
  // applies it, and the frees of blocks no live allocation of the trace holds.
  virtual bool follows_trace() const { return false; }
  virtual void bind_trace(const TraceHeader& /*header*/) {}
  virtual void place_start_pcp() {}
  virtual void observe(const Event& /*event*/) {}
  virtual void free_untracked(Pfn /*pfn*/, unsigned /*order*/, unsigned /*cpu*/) {}
  // The policy's own stats section (`recorded`), null when it has none.
  virtual nlohmann::ordered_json section_json() const { return nullptr; }

  // --- decision agreement (docs/spec.md §7.4) ---
  // The generation's decisions asked without changing anything; null when it cannot say.
  virtual Predictor* predictor() { return nullptr; }
  // A policy that follows the trace scores `predicting`'s decisions (it keeps the policy, whose
  // predictor() is not null, for the run) and reports them; false when it cannot.
  virtual bool set_predicting(const std::string& /*name*/, std::unique_ptr<Policy> /*predicting*/) {
    return false;
  }
  // `validation.decision_agreement`, null without a predicting policy.
  virtual nlohmann::ordered_json agreement_json() const { return nullptr; }
};

} // namespace memsim
