// The fallback of Linux 4.13+ as 6.1.192 has it (mm/page_alloc.c): __rmqueue_fallback (largest
// order first, find_smallest for a MOVABLE request that cannot steal), find_suitable_fallback,
// can_steal_fallback and steal_suitable_fallback (the alike rule, the HIGHATOMIC guard,
// change_pageblock_range, watermark boost). __rmqueue_fallback does not allocate: it moves the
// block (and maybe its pageblock's free pages) to the requester's lists, and __rmqueue retries
// (docs/kernel-6.1.md; docs/semantics.md D61-2, D61-7, D61-9, D61-18, D61-19).
#pragma once

#include <optional>

#include "memsim/counters.hpp"
#include "zone/zone.hpp"
#include "zone/zone_params_61.hpp"

namespace memsim {

// The 6.1 rules that differ from 3.11, each switchable (docs/kernel-6.1.md).
struct Fallback61Rules {
  bool alike_rule = true;       // claim when free + alike >= half a pageblock (4.12+); off: free
  bool find_smallest = true;    // a MOVABLE request that cannot steal takes the smallest (4.13+)
  bool unmovable_steals = true; // can_steal_fallback: UNMOVABLE steals at any order (4.x+)
};

// What __rmqueue_fallback found: the head of free_list[current_order][fallback_mt].
struct FallbackChoice {
  PageIdx page = kNoPage;
  unsigned current_order = 0;
  Migratetype fallback_mt = Migratetype::movable;
  bool can_steal = false;
};

// Linux 6.1 can_steal_fallback() (mobility grouping never disabled, D61-6).
bool can_steal_fallback(unsigned order, unsigned pageblock_order, Migratetype start_mt,
                        const Fallback61Rules& rules);
// Linux 6.1 find_suitable_fallback() on free_area[order]: the first fallbacks[] type with a
// block of that order; an empty free area returns before touching can_steal (D61-18).
std::optional<Migratetype> find_suitable_fallback(const Zone& zone, unsigned order,
                                                  Migratetype start_mt, bool only_stealable,
                                                  bool& can_steal, const Fallback61Rules& rules);
// The search of __rmqueue_fallback() without its steal: the largest-first loop stops at
// min_order (`order` without ALLOC_NOFRAGMENT, D61-2; 0 means `order`). Changes nothing; nullopt
// when no fallback list has a block of min_order or more.
std::optional<FallbackChoice> find_fallback_61(const Zone& zone, unsigned order,
                                               Migratetype start_mt, const Fallback61Rules& rules,
                                               unsigned min_order = 0);

// change_pageblock_range(), counting the pageblocks whose type it changes.
unsigned change_pageblock_range_counted(Zone& zone, PageIdx page, unsigned order, Migratetype mt);

struct StealContext {
  Migratetype start_mt = Migratetype::movable;
  const Fallback61Rules* rules = nullptr;
  WatermarkBoost* boost = nullptr; // bumped for every sub-pageblock fallback; may be null
};

// Linux 6.1 steal_suitable_fallback(): returns the pageblocks re-typed to start_mt (0: the
// fallback only moved pages). The stolen block ends on start_mt's lists (at the tail).
unsigned steal_suitable_fallback(Zone& zone, const FallbackChoice& choice, const StealContext& ctx);

struct FallbackSteal {
  FallbackChoice choice;
  unsigned claimed = 0; // pageblocks re-typed (TakeSource::fallback_claim when not 0)
};

// Linux 6.1 __rmqueue_fallback(): find, steal, count (D61-9). What it did, or nullopt.
std::optional<FallbackSteal> rmqueue_fallback_61(Zone& zone, unsigned order,
                                                 const StealContext& ctx,
                                                 AllocatorCounters& counters);

// The block __rmqueue's retry (__rmqueue_smallest after the steal) would take, worked out
// without stealing: the stolen block itself unless the steal moves the whole pageblock, then the
// smallest free block of the pageblock of `order` or more, the lowest one (the first moved to
// the tail) or, when moves go to the head, the highest.
PageIdx retry_after_steal(const Zone& zone, const FallbackChoice& choice, unsigned order);

} // namespace memsim
