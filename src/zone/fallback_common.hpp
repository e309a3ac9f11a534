// What every generation's __rmqueue_fallback shares: the fallbacks[] table (the same order in
// 3.11 and 6.1; 3.11 ends each row with MIGRATE_RESERVE, 6.1 with MIGRATE_TYPES) and the
// counting of one successful fallback, an mm_page_alloc_extfrag event (docs/semantics.md D3,
// D61-9; docs/spec.md §9): total, fragmenting, the pair of lists, and what it did to pageblock
// ownership (claims per type, or one steal).
#pragma once

#include <array>

#include "memsim/counters.hpp"

namespace memsim {

// fallbacks[] by the requester's type (memsim's index), the types to borrow from in order.
inline constexpr std::array<std::array<Migratetype, 2>, kRequestableTypes> kFallbacks{{
    {Migratetype::reclaimable, Migratetype::movable},   // UNMOVABLE
    {Migratetype::unmovable, Migratetype::movable},     // RECLAIMABLE
    {Migratetype::reclaimable, Migratetype::unmovable}, // MOVABLE
}};

struct FallbackEvent {
  unsigned current_order = 0;   // the order of the block borrowed
  unsigned pageblock_order = 0; // fragmenting: current_order below it
  Migratetype start_mt = Migratetype::movable;
  Migratetype fallback_mt = Migratetype::movable; // the list borrowed from
  unsigned claimed = 0;                           // pageblocks re-typed to start_mt
};

inline void count_fallback(AllocatorCounters& counters, const FallbackEvent& e) {
  FallbackCounts& f = counters.fallbacks;
  ++f.total;
  if (e.current_order < e.pageblock_order) ++f.fragmenting;
  ++f.by_pair[index_of(e.start_mt)][index_of(e.fallback_mt)];
  if (e.claimed != 0) {
    counters.ownership.claims[index_of(e.start_mt)] += e.claimed;
  } else {
    ++counters.ownership.steals[index_of(e.start_mt)][index_of(e.fallback_mt)];
  }
}

} // namespace memsim
