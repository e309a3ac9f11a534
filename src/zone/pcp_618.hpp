// The per-CPU lists of Linux 6.18 with the 6.7+ auto-tuning of pcp->high between high_min and
// high_max: rmqueue_pcplist with nr_pcp_alloc (alloc_factor) and rmqueue_bulk, the free path of
// __free_frozen_pages / free_frozen_page_commit with nr_pcp_high, nr_pcp_free (free_count) and
// the ZONE_BELOW_HIGH shrink, the timer's decay_pcp_high, and free_pcppages_bulk with the 6.10+
// drain type (docs/kernel-6.18.md "Per-CPU lists"). The lists are PcpOrderLists'; the linux-6.18
// policy owns one instance and sets ZONE_BELOW_HIGH; PcpModel lets the ground-truth replay drive
// it.
#pragma once

#include <cstdint>
#include <vector>

#include "zone/pcp_lists.hpp"

namespace memsim {

struct PcpRules618 {
  unsigned batch = 1;      // pcp->batch
  unsigned high_min = 0;   // pcp->high_min; high_min == high_max: tuning off
  unsigned high_max = 0;   // pcp->high_max
  unsigned start_high = 0; // pcp->high of every CPU at the start (0 = never used)
  unsigned pageblock_order = 9;
  bool free_high_batch = true;  // PCPF_FREE_HIGH_BATCH (LLC slice > 3 * batch; set on this machine)
  bool hygiene = true;          // 6.10+: no cached type; false: the cached type as 6.1
  std::uint64_t high_wmark = 0; // high_wmark_pages(zone), for clearing ZONE_BELOW_HIGH
};

class PerCpuPages618 : public PcpOrderLists {
public:
  PerCpuPages618(unsigned cpus, const PcpRules618& rules);

  // rmqueue_pcplist(): free_count >>= 1, then __rmqueue_pcplist: an empty list is refilled by
  // rmqueue_bulk with nr_pcp_alloc() blocks, then the head is popped. {} when still empty.
  Taken rmqueue_pcplist(Zone& zone, Rmqueue& buddy, unsigned order, Migratetype mt, unsigned cpu);
  // The per-CPU part of __free_frozen_pages(): the type from the pageblock (ISOLATE goes to the
  // buddy directly, HIGHATOMIC rides MOVABLE), then free_frozen_page_commit.
  void free_frozen_page(Zone& zone, PageIdx page, unsigned order, unsigned cpu);
  // decay_pcp_high() as 6.18.y has it, for one CPU's vmstat tick; true while there is work
  // left (high above high_min, or it drained).
  bool decay_pcp_high(Zone& zone, unsigned cpu);

  // ZONE_BELOW_HIGH: the policy sets it (get_page_from_freelist), the free path clears it.
  void set_zone_below_high(bool on) { zone_below_high_ = on; }
  bool zone_below_high() const { return zone_below_high_; }
  // high_wmark_pages() moves with the watermark boost: the policy passes the current value.
  void set_high_wmark(std::uint64_t pages) { rules_.high_wmark = pages; }
  // pcp->high of one CPU (a snapshot's per-CPU `high:` line); clamped lazily at its next use.
  void set_high(unsigned cpu, unsigned high) { tuning_[cpu].high = high; }

  // pcp->high (>= 0: every rule keeps it at or above high_min) and free_count (>= 0).
  unsigned high(unsigned cpu) const { return static_cast<unsigned>(tuning_[cpu].high); }
  unsigned free_count(unsigned cpu) const { return static_cast<unsigned>(tuning_[cpu].free_count); }
  unsigned alloc_factor(unsigned cpu) const { return tuning_[cpu].alloc_factor; }
  bool prev_free_high_order(unsigned cpu) const { return tuning_[cpu].prev_free_high_order; }
  const PcpRules618& rules() const { return rules_; }
  // The lists (PcpOrderLists) and the tuning state in its bounds; throws InternalError.
  void check_invariants(const Zone& zone) const;

  // The kernel's sizing functions, public for tests and for the policy's predictions.
  std::int64_t nr_pcp_alloc(unsigned cpu, unsigned order);
  std::int64_t nr_pcp_high(unsigned cpu, bool free_high);
  std::int64_t nr_pcp_free(unsigned cpu, std::int64_t high, bool free_high) const;

private:
  // The auto-tuning part of struct per_cpu_pages (6.7+).
  struct Tuning {
    std::int64_t high = 0;             // pcp->high
    std::int64_t free_count = 0;       // pages freed since the allocations (halved by each)
    unsigned alloc_factor = 0;         // refill scale: batch << alloc_factor at order 0
    bool prev_free_high_order = false; // PCPF_PREV_FREE_HIGH_ORDER
  };
  void free_frozen_page_commit(Zone& zone, unsigned cpu, PageIdx page, Migratetype mt,
                               unsigned order);
  bool free_high(unsigned cpu, unsigned order);
  std::int64_t clamp_high(unsigned cpu);
  bool zone_watermark_ok(const Zone& zone) const;

  std::vector<Tuning> tuning_; // per CPU
  PcpRules618 rules_;
  bool zone_below_high_ = false; // ZONE_BELOW_HIGH
};

} // namespace memsim
