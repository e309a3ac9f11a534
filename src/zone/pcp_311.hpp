// The per-CPU page lists of Linux 3.11 (struct per_cpu_pages: order 0 only, one list per
// requestable migratetype, hot/cold): buffered_rmqueue's per-CPU branch with its rmqueue_bulk
// refill, and free_hot_cold_page with its free_pcppages_bulk spill (docs/kernel-3.11.md,
// docs/semantics.md D14, D16). A policy of the 3.11 generation owns one.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "zone/pcp_model.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

class PerCpuPages311 : public PcpModel {
public:
  PerCpuPages311(unsigned cpus, unsigned batch, unsigned high);

  // buffered_rmqueue(), order 0: refill an empty list with rmqueue_bulk through `buddy`, then
  // pop the head (hot) or the tail (cold). Fails when the list is still empty (D7).
  Taken rmqueue(Zone& zone, Rmqueue& buddy, Migratetype mt, unsigned cpu, bool cold);
  // free_hot_cold_page(): onto the list of the pageblock's type (RESERVE rides MOVABLE); a list
  // reaching `high` spills min(batch, count) pages through free_pcppages_bulk.
  void free_hot_cold_page(Zone& zone, PageIdx page, unsigned cpu, bool cold);

  // PcpModel: driving from outside and predicting (order 0 only; hot and cold ends).
  bool caches(unsigned order) const override { return order == 0; }
  void add(Zone& zone, const PcpEntry& entry) override;
  void remove(Zone& zone, unsigned cpu, PageIdx block) override;
  PageIdx peek(const Zone& zone, const PcpQuery& query) const override;
  void begin_drain(const Zone& zone, unsigned cpu, PageIdx freed, std::uint64_t count) override;
  PageIdx next_drain(const Zone& zone, unsigned cpu) const override;
  void drain_block(Zone& zone, unsigned cpu, PageIdx block) override;

  std::uint64_t count(unsigned cpu) const override { return cpus_[cpu].count; }
  const PageList& list(unsigned cpu, Migratetype mt) const {
    return cpus_[cpu].lists[index_of(mt)];
  }
  unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }
  // Lists consistent with their pages and counts; throws InternalError naming what broke.
  void check_invariants(const Zone& zone) const;

private:
  friend struct PcpTestAccess; // tests that corrupt the state on purpose
  // free_pcppages_bulk()'s locals across the drain steps of a trace: the list last visited
  // and batch_free; `on_list` while the inner loop would take another page from it.
  struct DrainState {
    int mt = 0;
    std::uint64_t batch_free = 0;
    bool on_list = false;
  };
  struct Cpu {
    std::array<PageList, kRequestableTypes> lists; // by migratetype (RESERVE rides movable)
    std::uint64_t count = 0;
    DrainState drain;
  };
  // The outer loop of free_pcppages_bulk(): the next non-empty list after `state.mt`, batch_free
  // grown by every list looked at (to_free unknown: a batch_free of 3 drains the whole list).
  // -1 when every list is empty.
  static int next_drain_list(const Cpu& pcp, DrainState& state);
  void rmqueue_bulk(Zone& zone, Rmqueue& buddy, Cpu& pcp, Migratetype mt, bool cold);
  void free_pcppages_bulk(Zone& zone, Cpu& pcp, std::uint64_t count);

  std::vector<Cpu> cpus_;
  unsigned batch_;
  unsigned high_;
};

// The two paths every order-0 event takes, inline (the refill and the spill are not).
inline Taken PerCpuPages311::rmqueue(Zone& zone, Rmqueue& buddy, Migratetype mt, unsigned cpu,
                                     bool cold) {
  Cpu& pcp = cpus_[cpu];
  PageList& list = pcp.lists[index_of(mt)];
  if (list.empty()) {
    rmqueue_bulk(zone, buddy, pcp, mt, cold);
    if (list.empty()) return {};
  }
  const PageIdx page = cold ? list.tail : list.head;
  const bool fallback = (zone.page(page).flags & kPageFallback) != 0;
  zone.pcp_unlink(list, page);
  zone.pcp_release(page);
  --pcp.count;
  return {page, fallback, TakeSource::pcp};
}

inline void PerCpuPages311::free_hot_cold_page(Zone& zone, PageIdx page, unsigned cpu, bool cold) {
  Cpu& pcp = cpus_[cpu];
  const Migratetype mt = zone.pageblock_migratetype(page);
  const Migratetype list_mt = index_of(mt) >= kRequestableTypes ? Migratetype::movable : mt;
  zone.pcp_link(pcp.lists[index_of(list_mt)], page, 0, mt, 0, cold);
  ++pcp.count;
  if (pcp.count >= high_) free_pcppages_bulk(zone, pcp, std::min<std::uint64_t>(batch_, pcp.count));
}

} // namespace memsim
