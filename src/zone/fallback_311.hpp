// The fallback of Linux 3.11 (mm/page_alloc.c __rmqueue_fallback with its fallbacks[] table and
// its inline steal, the later try_to_steal_freepages): the building block of the 3.11
// generation's __rmqueue (stock) and of Bhat's v4 (region-aware, with loan-only stealing).
// docs/kernel-3.11.md, docs/semantics.md D3, D21, D31, D33.
#pragma once

#include "memsim/counters.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"

namespace memsim {

struct Fallback311Rules {
  // 3.11: claim the pageblock when at least half of it moved, and re-type every pageblock of a
  // block of pageblock order or more. false: Bhat v4 31 loan-only stealing (move, never claim).
  bool claim = true;
  // Set to the block being stolen while its pageblock's free pages move, then back to kNoPage
  // (v4: its re-insertion must not be offered to the region allocator, D31). May be null.
  PageIdx* stealing = nullptr;
};

struct FallbackTake {
  PageIdx block = kNoPage; // its lowest 2^order pages are the caller's
  unsigned claimed = 0;    // pageblocks re-typed to the requester
};

// The list __rmqueue_fallback() of 3.11 takes from: largest order first, the fallbacks[] row of
// `start_mt`, the head of the first non-empty list. Changes nothing; block kNoPage: none.
struct Fallback311Choice {
  PageIdx block = kNoPage;
  unsigned order = 0;
  Migratetype fallback_mt = Migratetype::movable;
};
Fallback311Choice find_fallback_311(const Zone& zone, unsigned order, Migratetype start_mt);

// __rmqueue_fallback() of 3.11: largest order first, the fallbacks[] row of `start_mt`; the
// block is split by expand() onto start_mt's lists. Counts the fallback and what it did to
// pageblock ownership.
FallbackTake rmqueue_fallback_311(Zone& zone, unsigned order, Migratetype start_mt,
                                  const Fallback311Rules& rules, AllocatorCounters& counters);

// What the end of 3.11 __rmqueue() works on: the zone, the fallback's rules, the counters.
struct Rmqueue311Context {
  Zone& zone;
  const Fallback311Rules& rules;
  AllocatorCounters& counters;
};

// Linux 3.11 __rmqueue() once __rmqueue_smallest() found nothing on the requested type's lists:
// __rmqueue_fallback(), then MIGRATE_RESERVE as the last resort through the policy's
// __rmqueue_smallest (`rmqueue_smallest(order, mt)`: the region-aware policy biases it).
template <class Smallest>
Taken rmqueue_fallback_or_reserve_311(const Rmqueue311Context& ctx, unsigned order, Migratetype mt,
                                      Smallest&& rmqueue_smallest) {
  const FallbackTake stolen = rmqueue_fallback_311(ctx.zone, order, mt, ctx.rules, ctx.counters);
  if (stolen.block != kNoPage)
    return {stolen.block, true,
            stolen.claimed != 0 ? TakeSource::fallback_claim : TakeSource::fallback_steal};
  const PageIdx reserve = rmqueue_smallest(order, Migratetype::reserve);
  if (reserve != kNoPage) return {reserve, false, TakeSource::reserve};
  return {};
}

// try_to_steal_freepages() (the 3.11 steal branch): when current_order >= pageblock_order / 2
// or the request is RECLAIMABLE, move the pageblock's free pages (the block about to be taken
// included) to start_mt and, with `claim`, claim the pageblock if they are at least half of it.
// Returns the pageblocks whose type changed.
unsigned try_to_steal_freepages(Zone& zone, PageIdx page, unsigned current_order,
                                Migratetype start_mt, const Fallback311Rules& rules);

// True when a list __rmqueue_fallback of 3.11 would search (orders >= `order`, the fallbacks[]
// row of `start_mt`) holds a block.
bool fallback_available_311(const Zone& zone, unsigned order, Migratetype start_mt);

// True when free_list[o][mt] holds a block for some o >= order.
bool own_available(const Zone& zone, unsigned order, Migratetype mt);

// set_pageblock_migratetype() for a fallback's claim: 1 when the type changed, else 0.
unsigned claim_pageblock(Zone& zone, PageIdx page, Migratetype mt);

} // namespace memsim
