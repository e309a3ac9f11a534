// The glossary of memsim, in the Linux mm vocabulary, and the units every folder shares.
//
// page        one page frame (zone.page_size bytes), named by its pfn (page frame number)
// order       a block of 2^order contiguous, naturally aligned pages
// buddy       the block of the same order that a block merges with (pfn ^ (1 << order))
// free area   free_area[order]: one free list per migratetype plus nr_free (blocks)
// pageblock   2^pageblock_order pages sharing one migratetype in the pageblock bitmap
// migratetype unmovable / reclaimable / movable (requestable), reserve (3.11), highatomic,
//             cma, isolate (later kernels)
// zone        the simulated range of pfns; region: a fixed-size slice of the zone
// RA / PA     region allocator (back-end, whole regions) / page allocator (buddy front-end)
// pcp         per-CPU list of order-0 pages (3.11 per_cpu_pages)
// fallback    an allocation served from another migratetype's list (__rmqueue_fallback);
// steal       moving a pageblock's free pages to the requester's lists; claim: also re-typing
//             the pageblock; loan: stealing without a claim (region-aware)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace memsim {

using Pfn = std::uint64_t;
using PageIdx = std::uint32_t; // a page's index within the zone: pfn - zone.start_pfn
inline constexpr PageIdx kNoPage = UINT32_MAX;

// memsim's own numbering (never a kernel's: the kernel numbers changed in 4.4 and are mapped at
// the edges, trace input and /proc output). The first three are requestable; reserve is 3.11's
// MIGRATE_RESERVE; highatomic, cma and isolate are the later kernels' special types.
enum class Migratetype : std::uint8_t {
  unmovable = 0,
  reclaimable = 1,
  movable = 2,
  reserve = 3,
  highatomic = 4,
  cma = 5,
  isolate = 6,
};
inline constexpr int kMigratetypes = 7;     // every type of the glossary
inline constexpr int kRequestableTypes = 3; // MIGRATE_PCPTYPES

constexpr int index_of(Migratetype mt) {
  return static_cast<int>(mt);
}
constexpr Migratetype migratetype_at(int i) {
  return static_cast<Migratetype>(i);
}

// Lower-case JSON name: "unmovable", "reclaimable", "movable", "reserve".
std::string_view to_string(Migratetype mt);
// Accepts the lower-case names of the requestable types only.
std::optional<Migratetype> parse_requestable_migratetype(std::string_view name);
// The one-letter code of a pageblock map: u r m v.
char map_letter(Migratetype mt);

} // namespace memsim
