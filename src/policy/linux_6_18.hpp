// The `linux-6.18` policy: Linux 6.18 composed from the zone's kernel functions (zone/): boot as
// 6.1 (ascending tail frees), the auto-tuned per-CPU lists (pcp_618), __rmqueue with the 6.15
// claim / steal split and its per-refill mode memo (fallback_618), free-list hygiene (6.10: drains
// by the pageblock's current type, merges re-type the buddy, split_large_buddy), the 6.8+
// HIGHATOMIC limit, ZONE_BELOW_HIGH and vm.defrag_mode. Each upstream series is a switch, so the
// 6.7, 6.10 and 6.15 generations are ablations of this one file (docs/kernel-6.18.md).
#pragma once

#include "memsim/config.hpp"
#include "policy/policy.hpp"
#include "zone/fallback_618.hpp"
#include "zone/highatomic.hpp"
#include "zone/pcp_618.hpp"
#include "zone/zone_params_61.hpp"

namespace memsim {

// The linux_6_18.* switches (registry keys; defaults: the 6.18 kernel as this machine runs it).
struct Linux618Switches {
  bool hygiene = true;      // 6.10 free-list hygiene (off: 6.1's cached per-CPU types and merges)
  bool claim_steal = true;  // 6.15 __rmqueue_claim / __rmqueue_steal (off: 6.10-6.14 fallback)
  bool defrag_mode = false; // vm.defrag_mode (6.15): ALLOC_NOFRAGMENT until the request fails
  bool pcp_autotune = true; // 6.7 pcp->high between high_min and high_max (off: fixed high_min)
  bool highatomic = true;   // ALLOC_HIGHATOMIC requests reserve and use HIGHATOMIC pageblocks
};
Linux618Switches linux_6_18_switches(const Config& config);

class Linux618Policy : public Policy, protected Rmqueue, private Predictor {
public:
  Linux618Policy(Zone& zone, const Config& config);

  void boot() override;
  Taken alloc(const AllocRequest& request) override;
  void free(PageIdx block, unsigned order, unsigned cpu, bool cold) override;
  const AllocatorCounters& counters() const override { return counters_; }
  void report(PolicyReport& out) const override;
  const std::vector<Migratetype>& list_types() const override;
  void config_json(nlohmann::ordered_json& out) const override;
  void state_json(nlohmann::ordered_json& out) const override;
  ProbeAnswer probe(unsigned order, Migratetype mt) const override;
  void check_invariants() const override;
  // decay_pcp_high() on every CPU once per second of trace time (docs/kernel-6.18.md).
  bool keeps_time() const override { return true; }
  void advance_time(double t) override;

  // __rmqueue(order, mt) asked without changing anything: the block it would hand out first.
  PageIdx would_rmqueue(unsigned order, Migratetype mt) const override;
  PcpModel& pcp_model() override { return pcp_; }
  Predictor* predictor() override { return this; }
  BuddyRules buddy_rules() const override { return {true, true, switches_.hygiene}; }
  bool boot_to_tail() const override { return true; }

  const PerCpuPages618& pcp() const { return pcp_; }
  const ZoneParams61& params() const { return params_; }
  const Linux618Switches& switches() const { return switches_; }
  std::uint64_t nr_reserved_highatomic() const { return highatomic_.nr_reserved; }

protected:
  // Linux 6.18 __rmqueue(): the mode memo of one zone-lock hold picks where the search starts.
  Taken rmqueue(unsigned order, Migratetype mt) override;
  // rmqueue_bulk() starts a refill in RMQUEUE_NORMAL.
  void begin_bulk() override { mode_ = RmqueueMode::normal; }

private:
  enum class RmqueueMode : std::uint8_t { normal, claim, steal }; // enum rmqueue_mode (no CMA)
  using AllocFlags = BuddyFlags;
  // get_page_from_freelist() for the one zone, with or without ALLOC_NOFRAGMENT.
  Taken get_page_from_freelist(const AllocRequest& request, const AllocFlags& flags,
                               bool nofragment);
  Taken rmqueue_fallback(unsigned order, Migratetype mt);
  // Linux 6.18 drain_all_pages() as __alloc_pages_direct_reclaim() runs it when a request that
  // may reclaim found nothing: every CPU's lists drained (drain_pages_zone).
  void drain_all_pages();
  // split_large_buddy() / __free_pages_ok() for an order the per-CPU lists do not cache.
  void free_one_page(PageIdx block, unsigned order);
  // Linux 6.18 zone_watermark_fast() against the high watermark with the fast path's flags
  // (no ALLOC_RESERVES): whether get_page_from_freelist leaves ZONE_BELOW_HIGH clear.
  bool zone_watermark_fast_high(unsigned order) const;
  PageIdx would_fallback(unsigned order, Migratetype mt, bool nofragment) const;
  bool uses_pcp(unsigned order) const;

  Zone& zone_;
  Config config_;
  Linux618Switches switches_;
  ZoneParams61 params_;
  AllocatorCounters counters_;
  PerCpuPages618 pcp_;
  HighatomicReserve highatomic_;
  bool highatomic_counted_ = false;
  WatermarkBoost boost_;
  RmqueueMode mode_ = RmqueueMode::normal;
  std::uint64_t drain_all_calls_ = 0; // drain_all_pages() runs (kernel_state)
  bool nofragment_ = false;           // ALLOC_NOFRAGMENT of the allocation in progress
  double next_tick_ = -1;             // trace time of the next vmstat tick (< 0: no time seen yet)
};

} // namespace memsim
