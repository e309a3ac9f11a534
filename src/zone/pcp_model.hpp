// The per-CPU list model of a kernel generation as seen from outside the policy: blocks put on
// and taken off a given CPU's list the way a refill, a free or a drain would, and the blocks the
// model would hand out or drain next, asked without changing anything. The ground-truth replay
// (docs/spec.md §7.4) drives a policy's model with the trace's own per-CPU events through this
// interface and scores its predictions. Implemented by PerCpuPages311, PerCpuPages61 and
// PerCpuPages618 (the last two through PcpOrderLists).
#pragma once

#include <cstdint>

#include "memsim/types.hpp"

namespace memsim {

class Zone;

enum class PcpInsert : std::uint8_t {
  refill, // rmqueue_bulk: a page the buddy handed out for the list
  free,   // the free path: a page freed onto the list
};

// One block going onto a per-CPU list.
struct PcpEntry {
  unsigned cpu = 0;
  PageIdx block = kNoPage;
  unsigned order = 0;
  // The cached type (the kernel's pcp migratetype): the requested type for a refill, the
  // pageblock's type for a free. It also picks the list (HIGHATOMIC and RESERVE ride MOVABLE).
  Migratetype mt = Migratetype::movable;
  PcpInsert how = PcpInsert::free;
  bool cold = false;     // 3.11 __GFP_COLD / a cold free (6.1 has no cold end)
  bool fallback = false; // a refill page taken by __rmqueue_fallback (docs/semantics.md D1, D61-10)
};

// Which list an allocation would pop: (cpu, order, requested type), and the 3.11 cold end.
struct PcpQuery {
  unsigned cpu = 0;
  unsigned order = 0;
  Migratetype mt = Migratetype::movable;
  bool cold = false;
};

// The list a cached type rides: HIGHATOMIC, RESERVE (and CMA) pages sit on the MOVABLE list
// (3.11 free_hot_cold_page, 6.1 free_unref_page).
inline Migratetype pcp_list_type(Migratetype mt) {
  return index_of(mt) >= kRequestableTypes ? Migratetype::movable : mt;
}

class PcpModel {
public:
  virtual ~PcpModel() = default;
  // pcp_allowed_order(): the orders this generation caches on per-CPU lists.
  virtual bool caches(unsigned order) const = 0;
  // Links a block that is not on any list (state as after Zone::pcp_release or a take) as
  // the entry says, at the end a refill or a free uses; the CPU's count grows.
  virtual void add(Zone& zone, const PcpEntry& entry) = 0;
  // Unlinks a block from the CPU's list it is on (the block is then the caller's).
  virtual void remove(Zone& zone, unsigned cpu, PageIdx block) = 0;
  // The block an allocation would pop from its list; kNoPage when that list is empty (an
  // allocation would then refill it through __rmqueue: Linux61Policy::would_rmqueue).
  virtual PageIdx peek(const Zone& zone, const PcpQuery& query) const = 0;
  // free_pcppages_bulk() begins on `cpu` after `freed` went onto its list (or, for a drain not
  // caused by a free, with freed == kNoPage: drain_pages_zone, from the first list), to free
  // `count` pages.
  virtual void begin_drain(const Zone& zone, unsigned cpu, PageIdx freed, std::uint64_t count) = 0;
  // The block the drain in progress on `cpu` would free next (its round-robin state
  // respected); kNoPage when every list of the CPU is empty.
  virtual PageIdx next_drain(const Zone& zone, unsigned cpu) const = 0;
  // One drain step as the trace recorded it: `block` leaves its list and goes to
  // __free_one_page with the type its generation drains with (the cached one; 6.10+ the
  // pageblock's); the round robin continues from its list.
  virtual void drain_block(Zone& zone, unsigned cpu, PageIdx block) = 0;
  // Pages on the CPU's lists.
  virtual std::uint64_t count(unsigned cpu) const = 0;
};

} // namespace memsim
