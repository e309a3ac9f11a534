// The allocator's event counters, plain structs with named fields: bumped by the kernel
// functions (zone/) and the policies (policy/), read by the stats (stats/, report/). Sized by
// the glossary's migratetypes (memsim/types.hpp), indexed by index_of().
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "memsim/types.hpp"

namespace memsim {

using TypeMatrix = std::array<std::array<std::uint64_t, kMigratetypes>, kMigratetypes>;

// set_pageblock_migratetype() calls after initialisation that changed a type: [from][to]
// (docs/semantics.md D4).
using RetypeCounts = TypeMatrix;

// One count per successful __rmqueue_fallback (an mm_page_alloc_extfrag event), D3.
struct FallbackCounts {
  std::uint64_t total = 0;
  std::uint64_t fragmenting = 0; // fallback order < pageblock_order
  TypeMatrix by_pair{};          // [start_mt][mt of the list borrowed from]
  // recorded: the trace's extfrag lines with change_ownership=1 (docs/spec.md §7.2)
  std::optional<std::uint64_t> change_ownership;
};

// What __rmqueue_fallback did to pageblock ownership (docs/spec.md §9): claims[T] pageblocks
// re-typed to T by the fallback (its claim rule or change_pageblock_range); steals[A][B] the
// fallbacks that re-typed nothing.
struct OwnershipCounts {
  std::array<std::uint64_t, kMigratetypes> claims{};
  TypeMatrix steals{};
};

struct AllocatorCounters {
  FallbackCounts fallbacks;
  OwnershipCounts ownership;
};

// What a policy answers for a request it is asked about without taking anything (docs/spec.md
// §9): a block on the requested type's lists (or, region-aware, a region to grant), only on a
// list __rmqueue_fallback would search, or nowhere. Per-CPU lists are not looked at.
enum class ProbeAnswer : std::uint8_t { own, fallback, none };
inline constexpr int kProbeAnswers = 3;

// Per order (docs/spec.md §9): the trace's allocations of that order and what became of them,
// and the answers to the trace's probes of that order.
struct HighOrderCounts {
  std::uint64_t allocs = 0, satisfied = 0, by_fallback = 0, failed = 0;
  std::array<std::uint64_t, kProbeAnswers> probes{}; // by ProbeAnswer
  bool occurred = false; // an alloc or probe event of this order was seen
};

struct RegionAllocatorCounts {
  std::uint64_t regions_granted = 0, regions_returned = 0, regions_held = 0,
                regions_granted_by_move_freepages = 0;
};

} // namespace memsim
