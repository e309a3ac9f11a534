// The per-order per-CPU page lists of Linux 5.13+ as 6.1.192 has them (struct per_cpu_pages with
// NR_PCP_LISTS lists: orders 0..3 by type and the THP order split movable / other, count in
// pages, free_factor): rmqueue_pcplist with its rmqueue_bulk refill, free_unref_page with
// free_unref_page_commit, nr_pcp_high, nr_pcp_free and free_pcppages_bulk, all literal
// (docs/kernel-6.1.md; docs/semantics.md D61-14..D61-17). A policy of the 6.1 generation owns one;
// PcpModel lets the ground-truth replay drive it and ask it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zone/pcp_model.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

struct PcpRules61 {
  unsigned batch = 1; // pcp->batch (zone_batchsize), the same on every CPU
  unsigned high = 0;  // pcp->high (zone_highsize)
  unsigned pageblock_order = 9;
  bool high_orders = true; // orders 1..3 and pageblock_order cached too (5.13+); false: order 0
  bool free_factor = true; // nr_pcp_free doubles the drain while frees run without allocations
};

// free_pcppages_bulk()'s round-robin state on one CPU: the list last visited and the window of
// lists still worth looking at; `on_list` while that list is being drained.
struct DrainCursor {
  int pindex = -1;
  int min_pindex = 0;
  int max_pindex = 0;
  bool on_list = false;
};

// 6.1's numbering of the per-CPU types (include/linux/mmzone.h): UNMOVABLE 0, MOVABLE 1,
// RECLAIMABLE 2. It orders the lists, hence free_pcppages_bulk's round robin.
constexpr unsigned pcp_type_61(Migratetype mt) {
  return mt == Migratetype::unmovable ? 0U : mt == Migratetype::movable ? 1U : 2U;
}

class PerCpuPages61 : public PcpModel {
public:
  static constexpr unsigned kLowOrderLists = 12; // NR_LOWORDER_PCP_LISTS: 3 types x orders 0..3
  static constexpr unsigned kLists = 14;         // NR_PCP_LISTS with NR_PCP_THP = 2 (6.1.97+)
  static constexpr unsigned kCostlyOrder = 3;    // PAGE_ALLOC_COSTLY_ORDER
  static constexpr unsigned kBatchScaleMax = 5;  // CONFIG_PCP_BATCH_SCALE_MAX (6.1.104+)

  PerCpuPages61(unsigned cpus, const PcpRules61& rules);

  bool pcp_allowed_order(unsigned order) const;
  unsigned order_to_pindex(Migratetype mt, unsigned order) const;
  unsigned pindex_to_order(unsigned pindex) const;

  // rmqueue_pcplist(): halve free_factor, then __rmqueue_pcplist: refill an empty list by
  // rmqueue_bulk through `buddy`, pop the head. Fails when the list is still empty.
  Taken rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt, unsigned cpu);
  // free_unref_page(): cache the pageblock's type, pick the list (HIGHATOMIC rides MOVABLE,
  // ISOLATE goes straight to the buddy), then free_unref_page_commit.
  void free_unref_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu);

  // PcpModel: driving from outside and predicting.
  bool caches(unsigned order) const override { return pcp_allowed_order(order); }
  void add(Zone& zone, const PcpEntry& entry) override;
  void remove(Zone& zone, unsigned cpu, PageIdx block) override;
  PageIdx peek(const Zone& zone, const PcpQuery& query) const override;
  void begin_drain(const Zone& zone, unsigned cpu, PageIdx freed, std::uint64_t count) override;
  PageIdx next_drain(const Zone& zone, unsigned cpu) const override;
  void drain_block(Zone& zone, unsigned cpu, PageIdx block) override;

  // The list a block on a per-CPU list sits on (from its order and cached type).
  unsigned pindex_of(const Zone& zone, PageIdx block) const;
  const PageList& list(unsigned cpu, unsigned pindex) const { return cpus_[cpu].lists[pindex]; }
  std::uint64_t count(unsigned cpu) const override {
    return static_cast<std::uint64_t>(cpus_[cpu].count);
  }
  unsigned free_factor(unsigned cpu) const { return cpus_[cpu].free_factor; }
  unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }
  const PcpRules61& rules() const { return rules_; }
  // Lists consistent with their pages and counts; throws InternalError naming what broke.
  void check_invariants(const Zone& zone) const;

private:
  struct Cpu {
    std::array<PageList, kLists> lists;
    std::int64_t count = 0; // pages (an order-o entry counts 2^o)
    unsigned free_factor = 0;
    DrainCursor cursor;
  };
  void rmqueue_bulk(Zone& zone, Rmqueue& buddy, Cpu& pcp, unsigned order, Migratetype mt);
  void free_unref_page_commit(Zone& zone, Cpu& pcp, PageIdx page, Migratetype mt, unsigned order);
  unsigned nr_pcp_high(bool free_high) const;
  std::int64_t nr_pcp_free(Cpu& pcp, std::int64_t high, std::int64_t batch, bool free_high) const;
  void free_pcppages_bulk(Zone& zone, Cpu& pcp, std::int64_t count, unsigned pindex);
  int next_drain_list(const Cpu& pcp, DrainCursor& cursor) const;
  void drain_one(Zone& zone, Cpu& pcp, PageIdx page);
  void link(Zone& zone, Cpu& pcp, const PcpEntry& entry);
  static DrainCursor fresh_cursor(unsigned pindex);

  std::vector<Cpu> cpus_;
  PcpRules61 rules_;
};

} // namespace memsim
