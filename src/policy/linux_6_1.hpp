// The `linux-6.1` policy: Linux 6.1.192 as Debian 12 builds it, composed from the zone's kernel
// functions (zone/): boot by ascending tail frees, the per-order per-CPU lists (pcp_lists), the
// 6.1 __rmqueue with steal-then-retry (fallback_61), HIGHATOMIC reserves for qualifying gfp
// (highatomic), the 4.x+ buddy rules (tail moves, the merge barrier) and the zone parameters of
// zone_params_61. Every rule that differs from 3.11 is a switch (docs/kernel-6.1.md).
#pragma once

#include "memsim/config.hpp"
#include "policy/policy.hpp"
#include "zone/fallback_61.hpp"
#include "zone/highatomic.hpp"
#include "zone/pcp_lists.hpp"
#include "zone/zone_params_61.hpp"

namespace memsim {

// The linux_6_1.* switches (registry keys; each defaults to true = the 6.1 rule).
struct Linux61Switches {
  bool alike_rule = true;       // steal_suitable_fallback claims by free + alike pages
  bool find_smallest = true;    // __rmqueue_fallback's find_smallest for MOVABLE
  bool steal_retry = true;      // __rmqueue retries __rmqueue_smallest after the steal
  bool unmovable_steals = true; // can_steal_fallback: UNMOVABLE steals at every order
  bool highatomic = true;       // ALLOC_HIGHATOMIC requests reserve HIGHATOMIC pageblocks
  bool move_to_tail = true;     // move_freepages: list_move_tail
  bool merge_barrier = true;    // __free_one_page: no merge with HIGHATOMIC/ISOLATE blocks
  bool boot_to_tail = true;     // boot frees with FPI_TO_TAIL: lists ascend from the head
  bool pcp_high_orders = true;  // per-CPU lists for orders 1..3 and pageblock_order too
  bool free_factor = true;      // nr_pcp_free scales the drain by free_factor
};
Linux61Switches linux_6_1_switches(const Config& config);

// zone_managed_pages() of the replay: zone.managed_pages (--proc-in), else the zone's pages.
std::uint64_t linux_managed_pages(const Zone& zone, const Config& config);
// The 6.x zone parameters (min_free_kbytes, watermarks, pcp batch and high) of the config's zone,
// the set values winning (docs/semantics.md D61-5).
ZoneParams61 linux_zone_params(const Zone& zone, const Config& config);
// The 6.x free-list types in stats order (D61-13: no MIGRATE_RESERVE, HIGHATOMIC fourth).
const std::vector<Migratetype>& linux_list_types();
// The stats `config` keys min_free_kbytes and watermark of resolved 6.x zone parameters.
void linux_params_json(const ZoneParams61& params, nlohmann::ordered_json& out);
// Pages of the zone's HIGHATOMIC pageblocks: zone->nr_reserved_highatomic of a start state
// (docs/decisions.md 111).
std::uint64_t highatomic_pageblock_pages(const Zone& zone);

class Linux61Policy : public Policy, protected Rmqueue, private Predictor {
public:
  Linux61Policy(Zone& zone, const Config& config);

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

  // --- what the policy would do, asked without changing anything (no counter, no list moves;
  // for decision agreement, docs/kernel-6.1.md) ---
  // __rmqueue(order, mt): the block it would hand out first (kNoPage: it would fail).
  PageIdx would_rmqueue(unsigned order, Migratetype mt) const override;
  // The per-CPU allocation path: the list head, or the first block a refill would take;
  // kNoPage when the order is not cached or nothing would be found.
  PageIdx would_pcp_alloc(const PcpQuery& query) const;
  // The block free_pcppages_bulk would drain next from the CPU (PcpModel::begin_drain first).
  PageIdx would_pcp_drain(unsigned cpu) const;
  // The per-CPU lists, for a replay that drives them from outside.
  PcpModel& pcp_model() override { return pcp_; }
  Predictor* predictor() override { return this; }
  BuddyRules buddy_rules() const override {
    return {switches_.move_to_tail, switches_.merge_barrier, false};
  }
  bool boot_to_tail() const override { return switches_.boot_to_tail; }

  const PerCpuPages61& pcp() const { return pcp_; }
  const ZoneParams61& params() const { return params_; }
  const Linux61Switches& switches() const { return switches_; }
  std::uint64_t watermark_boost() const { return boost_.boost; }
  std::uint64_t nr_reserved_highatomic() const { return highatomic_.nr_reserved; }

protected:
  // Linux 6.1 __rmqueue(): __rmqueue_smallest; when it fails, __rmqueue_fallback and retry.
  Taken rmqueue(unsigned order, Migratetype mt) override;

private:
  bool uses_pcp(unsigned order) const;

  Zone& zone_;
  Config config_;
  Linux61Switches switches_;
  Fallback61Rules fallback_rules_;
  ZoneParams61 params_;
  AllocatorCounters counters_;
  PerCpuPages61 pcp_;
  HighatomicReserve highatomic_;
  bool highatomic_counted_ = false; // the start state's HIGHATOMIC pageblocks are counted in
  WatermarkBoost boost_;
};

} // namespace memsim
