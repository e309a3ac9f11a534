// The fallback of Linux 6.15+ as 6.18 has it (mm/page_alloc.c): __rmqueue_claim (largest order
// first, a whole pageblock or nothing, try the next lower order when refused) and
// __rmqueue_steal (smallest order first, exactly the request, the block keeps its type), with
// should_try_claim_block, find_suitable_fallback and try_to_claim_block; and, for the 6.10
// generation (linux_6_18.claim_steal=false), the 6.10-6.14 __rmqueue_fallback with
// steal_suitable_fallback, which steals the request from the same buddy when it cannot claim.
// Each also as a question (which block would it hand out?) that changes nothing
// (docs/kernel-6.18.md "Fallback").
#pragma once

#include "memsim/counters.hpp"
#include "zone/taken.hpp"
#include "zone/zone.hpp"
#include "zone/zone_params_61.hpp"

namespace memsim {

// What find_suitable_fallback() answers: -1 (none), -2 (the order cannot be claimed), a type.
struct FallbackFind {
  enum class Kind : std::uint8_t { none, unclaimable, found };
  Kind kind = Kind::none;
  Migratetype mt = Migratetype::movable;
};

// Linux 6.18 should_try_claim_block() (mobility grouping never disabled, docs/semantics.md
// D61-6): orders of half a pageblock or more, and every UNMOVABLE or RECLAIMABLE request.
bool should_try_claim_block(unsigned order, unsigned pageblock_order, Migratetype start_mt);
// Linux 6.18 find_suitable_fallback(area, order, mt, claimable): the claimable check comes
// first, even for an empty order; then the first fallbacks[] type with a block of that order.
FallbackFind find_suitable_fallback_618(const Zone& zone, unsigned order, Migratetype start_mt,
                                        bool claimable);

// One fallback search: the requester's type, ALLOC_NOFRAGMENT, and the bookkeeping it feeds.
struct Fallback618Context {
  Migratetype start_mt = Migratetype::movable;
  bool nofragment = false;         // ALLOC_NOFRAGMENT: claims of whole pageblocks only, no steal
  WatermarkBoost* boost = nullptr; // boost_watermark() per sub-pageblock claim attempt; may be null
  AllocatorCounters* counters = nullptr; // one fallback counted per block handed out
};

// Linux 6.18 __rmqueue_claim(): the block handed out (the lowest part of a claimed free block
// of pageblock order or more, else __rmqueue_smallest's pick in the claimed pageblock).
Taken rmqueue_claim(Zone& zone, unsigned order, const Fallback618Context& ctx);
// Linux 6.18 __rmqueue_steal(): the head of the smallest fallback block, split down to `order`
// with the remainder on the fallback type's lists.
Taken rmqueue_steal(Zone& zone, unsigned order, const Fallback618Context& ctx);
// Linux 6.10-6.14 __rmqueue_fallback() + steal_suitable_fallback(): the largest fallback block
// (find_smallest for a MOVABLE request that cannot claim), claimed when it can be, else the
// request split off that same block, which keeps its type.
Taken rmqueue_fallback_610(Zone& zone, unsigned order, const Fallback618Context& ctx);

// The same searches as questions: the first pfn each would hand out, kNoPage when it would not.
PageIdx would_claim(const Zone& zone, unsigned order, Migratetype start_mt, bool nofragment);
PageIdx would_steal(const Zone& zone, unsigned order, Migratetype start_mt);
PageIdx would_fallback_610(const Zone& zone, unsigned order, Migratetype start_mt, bool nofragment);

} // namespace memsim
