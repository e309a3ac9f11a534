// The `stock` policy: the Linux 3.11 page allocator composed from the zone's kernel functions
// (zone/): __rmqueue = __rmqueue_smallest, then the 3.11 fallback, then MIGRATE_RESERVE; the
// 3.11 per-CPU lists; boot by ascending frees and setup_zone_migrate_reserve. Bhat's
// region-aware policy derives from it and replaces pieces (docs/kernel-3.11.md).
#pragma once

#include "memsim/config.hpp"
#include "policy/policy.hpp"
#include "zone/fallback_311.hpp"
#include "zone/pcp_311.hpp"

namespace memsim {

class StockPolicy : public Policy, protected Rmqueue, private Predictor {
public:
  StockPolicy(Zone& zone, const Config& config);

  void boot() override;
  Taken alloc(const AllocRequest& request) override;
  void free(PageIdx block, unsigned order, unsigned cpu, bool cold) override;
  ProbeAnswer probe(unsigned order, Migratetype mt) const override;
  const AllocatorCounters& counters() const override { return counters_; }
  void report(PolicyReport& out) const override;
  const std::vector<Migratetype>& list_types() const override;
  void config_json(nlohmann::ordered_json& out) const override;
  void check_invariants() const override;

  const PerCpuPages311& pcp() const { return pcp_; }
  Predictor* predictor() override { return this; }

protected:
  // __rmqueue() of 3.11: own lists, then a fallback, then MIGRATE_RESERVE as the last resort.
  Taken rmqueue(unsigned order, Migratetype mt) override;
  // __rmqueue_smallest() (the region-aware policy biases it).
  virtual PageIdx rmqueue_smallest(unsigned order, Migratetype mt);

  // Predictor (docs/spec.md §7.4): the 3.11 list rules, head-first boot, __rmqueue as peeks.
  BuddyRules buddy_rules() const override { return {}; }
  bool boot_to_tail() const override { return false; }
  PageIdx would_rmqueue(unsigned order, Migratetype mt) const override;
  PcpModel& pcp_model() override { return pcp_; }

  Zone& zone_;
  Config config_;
  AllocatorCounters counters_;
  Fallback311Rules fallback_rules_;
  unsigned reserve_pageblocks_;
  PerCpuPages311 pcp_;
};

// reserve.pageblocks resolved: the key when set, else the 3.11 formula (docs/semantics.md D13).
unsigned reserve_pageblocks_311(const Config& config, const Geometry& geometry);

} // namespace memsim
