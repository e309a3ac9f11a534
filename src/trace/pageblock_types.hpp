// Pageblock migratetypes of the start state (docs/spec.md §7.1): per pageblock, the trace's word
// (its first buddy-level take or drain before any fallback touched it), else the page flags (a
// block holding in-use pages that are neither LRU nor anonymous is unmovable, or reclaimable when
// they are all slab and reclaimable blocks are still wanted), else movable; then blocks decided
// by flags or by default are re-typed until the per-type counts equal pagetypeinfo's.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "memsim/types.hpp"

namespace memsim {

enum class Evidence : std::uint8_t { trace, flags, fallback_default, counts, outside };

// What one pageblock shows (only the pages inside the real zone are counted).
struct PageblockFacts {
  bool outside = false; // no page of it belongs to the zone (edges, holes)
  // pagetypeinfo counts it: it holds the pfn zone_start + k·pageblock_pages of its loop
  // (pagetypeinfo_showblockitmtype(), mm/vmstat.c); an unaligned zone's last block may not.
  bool counted = true;
  std::optional<Migratetype> trace_mt; // the trace's word
  std::uint32_t nonmovable = 0;        // in-use pages neither LRU nor anonymous
  std::uint32_t slab = 0;              // of those, slab pages
  std::uint32_t movable_in_use = 0;    // in-use LRU / anonymous pages
};

struct PageblockTypes {
  std::vector<Migratetype> types;              // one per pageblock
  std::vector<Evidence> evidence;              // what decided each
  std::map<Migratetype, std::uint64_t> counts; // final, over the zone's pageblocks
  std::array<std::uint64_t, 4> by_evidence{};  // trace, flags, default, counts
};

// `targets`: pagetypeinfo's "Number of blocks type" row of the zone (empty: no matching).
PageblockTypes infer_pageblock_types(const std::vector<PageblockFacts>& facts,
                                     const std::map<Migratetype, std::uint64_t>& targets);

} // namespace memsim
