// Allocation flags (gfp) as memsim carries them: one canonical bit layout, that of Linux 4.4 to
// 6.9 (include/linux/gfp_types.h of 6.1: __GFP_MOVABLE 0x08, __GFP_RECLAIMABLE 0x10,
// __GFP_HIGH 0x20, __GFP_ATOMIC 0x200, ...). Readers convert other layouts (pre-4.4 hex, and
// 6.10+ where bit 9 is unused) and the kernel's symbolic names into it at the edge; policies
// decide by these bits (HIGHATOMIC reserves, ALLOC_NOFRAGMENT, ...). docs/spec.md §4.3, §4.5.
#pragma once

#include <cstdint>

namespace memsim {

using GfpMask = std::uint32_t;

namespace gfp {
inline constexpr GfpMask dma = 0x01;
inline constexpr GfpMask highmem = 0x02;
inline constexpr GfpMask dma32 = 0x04;
inline constexpr GfpMask movable = 0x08;
inline constexpr GfpMask reclaimable = 0x10;
inline constexpr GfpMask high = 0x20;
inline constexpr GfpMask io = 0x40;
inline constexpr GfpMask fs = 0x80;
inline constexpr GfpMask zero = 0x100;
inline constexpr GfpMask atomic = 0x200; // removed upstream in 6.3 (never set by 6.10+ traces)
inline constexpr GfpMask direct_reclaim = 0x400;
inline constexpr GfpMask kswapd_reclaim = 0x800;
inline constexpr GfpMask write = 0x1000;
inline constexpr GfpMask nowarn = 0x2000;
inline constexpr GfpMask retry_mayfail = 0x4000;
inline constexpr GfpMask nofail = 0x8000;
inline constexpr GfpMask noretry = 0x10000;
inline constexpr GfpMask memalloc = 0x20000;
inline constexpr GfpMask comp = 0x40000;
inline constexpr GfpMask nomemalloc = 0x80000;
inline constexpr GfpMask hardwall = 0x100000;
inline constexpr GfpMask thisnode = 0x200000;
inline constexpr GfpMask account = 0x400000;
inline constexpr GfpMask reclaim = direct_reclaim | kswapd_reclaim;
} // namespace gfp

} // namespace memsim
