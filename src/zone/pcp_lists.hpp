// The per-order per-CPU page lists of Linux 5.13+ (struct per_cpu_pages with NR_PCP_LISTS lists:
// orders 0..3 by type and the THP order split movable / other, count in pages) and what only
// moves blocks along them: order_to_pindex, rmqueue_bulk's tail adds, the head pop, the head
// insertion of a free and free_pcppages_bulk's round robin (PcpOrderLists); and 6.1.192's sizing
// rules on top of them (PerCpuPages61: nr_pcp_high, nr_pcp_free with free_factor;
// docs/kernel-6.1.md, docs/semantics.md D61-14..D61-17). PcpModel lets the ground-truth replay
// drive and ask them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zone/pcp_model.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

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

// The type free_pcppages_bulk() hands __free_one_page(): the one cached when the block went on
// the list (up to 6.9) or the pageblock's at drain time (6.10+ free-list hygiene).
enum class DrainType : std::uint8_t { cached, pageblock };

// The list shape both generations share.
struct PcpListRules {
  unsigned pageblock_order = 9;
  bool high_orders = true; // orders 1..3 and pageblock_order cached too (5.13+); false: order 0
  DrainType drain_type = DrainType::cached;
};

class PcpOrderLists : public PcpModel {
public:
  static constexpr unsigned kLowOrderLists = 12; // NR_LOWORDER_PCP_LISTS: 3 types x orders 0..3
  static constexpr unsigned kLists = 14;         // NR_PCP_LISTS with NR_PCP_THP = 2 (6.1.97+)
  static constexpr unsigned kCostlyOrder = 3;    // PAGE_ALLOC_COSTLY_ORDER
  static constexpr unsigned kBatchScaleMax = 5;  // CONFIG_PCP_BATCH_SCALE_MAX (6.1.104+)

  PcpOrderLists(unsigned cpus, const PcpListRules& shape);

  bool pcp_allowed_order(unsigned order) const;
  unsigned order_to_pindex(Migratetype mt, unsigned order) const;
  unsigned pindex_to_order(unsigned pindex) const;

  // PcpModel: driving from outside and predicting.
  bool caches(unsigned order) const override { return pcp_allowed_order(order); }
  void add(Zone& zone, const PcpEntry& entry) override;
  void remove(Zone& zone, unsigned cpu, PageIdx block) override;
  PageIdx peek(const Zone& zone, const PcpQuery& query) const override;
  void begin_drain(const Zone& zone, unsigned cpu, PageIdx freed, std::uint64_t count) override;
  PageIdx next_drain(const Zone& zone, unsigned cpu) const override;
  void drain_block(Zone& zone, unsigned cpu, PageIdx block) override;
  std::uint64_t count(unsigned cpu) const override {
    return static_cast<std::uint64_t>(cpus_[cpu].count);
  }

  // The list a block on a per-CPU list sits on (from its order and cached type).
  unsigned pindex_of(const Zone& zone, PageIdx block) const;
  const PageList& list(unsigned cpu, unsigned pindex) const { return cpus_[cpu].lists[pindex]; }
  unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }
  // Lists consistent with their pages and counts; throws InternalError naming what broke.
  void check_invariants(const Zone& zone) const;

protected:
  std::int64_t pages(unsigned cpu) const { return cpus_[cpu].count; }
  bool list_empty(unsigned cpu, unsigned order, Migratetype mt) const {
    return cpus_[cpu].lists[order_to_pindex(mt, order)].empty();
  }
  // rmqueue_bulk(): `count` __rmqueue calls under one lock hold (Rmqueue::begin_bulk), each
  // block list_add_tail'ed (so the list is in extraction order) with the requested type cached
  // and the call's fallback flag (D61-10); stops at the first failure.
  void rmqueue_bulk(Zone& zone, Rmqueue& buddy, unsigned cpu, unsigned order, Migratetype mt,
                    std::int64_t count);
  // __rmqueue_pcplist()'s pop: the head of the list handed out; {} when the list is empty.
  Taken take_head(Zone& zone, unsigned cpu, unsigned order, Migratetype mt);
  // The first step of a per-CPU free (6.1 free_unref_page, 6.18 __free_frozen_pages): a page
  // of an ISOLATE pageblock goes straight to __free_one_page (true); others go on a list.
  static bool free_isolated(Zone& zone, PageIdx page, unsigned order);
  // The list_add of a free (head, `mt` cached); returns the list's pindex.
  unsigned link_free(Zone& zone, unsigned cpu, PageIdx page, unsigned order, Migratetype mt);
  // free_pcppages_bulk(): count = min(count, pcp->count); the list `pindex` first; each list
  // visited is drained from its tail until empty or count <= 0 (count may go below 0 on a
  // high-order list); each block to __free_one_page with the DrainType's type.
  void free_pcppages_bulk(Zone& zone, unsigned cpu, std::int64_t count, unsigned pindex);

private:
  struct Cpu {
    std::array<PageList, kLists> lists;
    std::int64_t count = 0; // pages (an order-o entry counts 2^o)
    DrainCursor cursor;
  };
  int next_drain_list(const Cpu& pcp, DrainCursor& cursor) const;
  void drain_one(Zone& zone, Cpu& pcp, PageIdx page);
  void link(Zone& zone, Cpu& pcp, const PcpEntry& entry);
  static DrainCursor fresh_cursor(unsigned pindex);

  std::vector<Cpu> cpus_;
  PcpListRules shape_;
};

struct PcpRules61 {
  unsigned batch = 1; // pcp->batch (zone_batchsize), the same on every CPU
  unsigned high = 0;  // pcp->high (zone_highsize)
  unsigned pageblock_order = 9;
  bool high_orders = true; // orders 1..3 and pageblock_order cached too (5.13+); false: order 0
  bool free_factor = true; // nr_pcp_free doubles the drain while frees run without allocations
};

class PerCpuPages61 : public PcpOrderLists {
public:
  PerCpuPages61(unsigned cpus, const PcpRules61& rules);

  // rmqueue_pcplist(): halve free_factor, then __rmqueue_pcplist: refill an empty list by
  // rmqueue_bulk through `buddy`, pop the head. Fails when the list is still empty.
  Taken rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt, unsigned cpu);
  // free_unref_page(): cache the pageblock's type, pick the list (HIGHATOMIC rides MOVABLE,
  // ISOLATE goes straight to the buddy), then free_unref_page_commit.
  void free_unref_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu);

  unsigned free_factor(unsigned cpu) const { return free_factor_[cpu]; }
  const PcpRules61& rules() const { return rules_; }

private:
  void free_unref_page_commit(Zone& zone, unsigned cpu, PageIdx page, Migratetype mt,
                              unsigned order);
  unsigned nr_pcp_high(bool free_high) const;
  std::int64_t nr_pcp_free(unsigned cpu, std::int64_t high, std::int64_t batch, bool free_high);

  std::vector<unsigned> free_factor_; // per CPU
  PcpRules61 rules_;
};

} // namespace memsim
