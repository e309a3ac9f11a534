// gfp_flags text to the canonical mask (trace/gfp_parse.hpp): the names of 6.1 and 6.18 with the
// values their gfp_types.h gives them, hex in the 4.4+ and pre-4.4 layouts, leftover hex bits,
// and what is not gfp text. Expected masks are computed by hand from the headers' bit values.
#include <catch2/catch.hpp>

#include "trace/gfp_parse.hpp"

using memsim::KernelVersion;
using memsim::trace::gfp_from_pre_4_4;
using memsim::trace::GfpDialect;
using memsim::trace::is_numeric_gfp;
using memsim::trace::parse_gfp;

namespace {

const GfpDialect k61{KernelVersion{6, 1}, false};
const GfpDialect k618{KernelVersion{6, 18}, false};
const GfpDialect k311{KernelVersion{3, 11}, false};

} // namespace

TEST_CASE("gfp: the composite names of 6.1 take 6.1's values", "[trace][gfp]") {
  // GFP_KERNEL = __GFP_RECLAIM (0x400 | 0x800) | __GFP_IO 0x40 | __GFP_FS 0x80.
  CHECK(parse_gfp("GFP_KERNEL", k61) == 0xcc0u);
  CHECK(parse_gfp("GFP_KERNEL_ACCOUNT|__GFP_ZERO", k61) == (0xcc0u | 0x400000u | 0x100u));
  // GFP_HIGHUSER_MOVABLE = GFP_USER (GFP_KERNEL | __GFP_HARDWALL 0x100000) | __GFP_HIGHMEM 0x2
  // | __GFP_MOVABLE 0x8.
  CHECK(parse_gfp("GFP_HIGHUSER_MOVABLE|__GFP_COMP", k61) == 0x100ccau + 0x40000u);
  // GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC 0x80000 |
  // __GFP_NOWARN 0x2000) & ~__GFP_RECLAIM = 0x1c2cca & ~0xc00; GFP_TRANSHUGE adds
  // __GFP_DIRECT_RECLAIM 0x400.
  CHECK(parse_gfp("GFP_TRANSHUGE_LIGHT", k61) == 0x1c20cau);
  CHECK(parse_gfp("GFP_TRANSHUGE", k61) == 0x1c24cau);
  CHECK(parse_gfp("GFP_NOFS", k61) == 0xc40u);
  CHECK(parse_gfp("GFP_NOIO", k61) == 0xc00u);
  CHECK(parse_gfp("GFP_DMA32|GFP_USER", k61) == 0x100cc4u);
  // GFP_ATOMIC = __GFP_HIGH 0x20 | __GFP_ATOMIC 0x200 | __GFP_KSWAPD_RECLAIM 0x800.
  CHECK(parse_gfp("GFP_ATOMIC", k61) == 0xa20u);
  CHECK(parse_gfp("GFP_NOWAIT|__GFP_NOWARN", k61) == 0x2800u);
  CHECK(parse_gfp("none", k61) == 0u);
}

TEST_CASE("gfp: 6.18 spells GFP_ATOMIC without __GFP_ATOMIC and GFP_NOWAIT with __GFP_NOWARN",
          "[trace][gfp]") {
  CHECK(parse_gfp("GFP_ATOMIC", k618) == 0x820u);
  CHECK(parse_gfp("GFP_NOWAIT", k618) == 0x2800u);
  // The same request printed by both kernels reads the same mask.
  CHECK(parse_gfp("GFP_NOWAIT", k618) == parse_gfp("GFP_NOWAIT|__GFP_NOWARN", k61));
  // Flags memsim does not model add nothing.
  CHECK(parse_gfp("GFP_KERNEL|__GFP_NO_OBJ_EXT", k618) == 0xcc0u);
  CHECK(parse_gfp("GFP_ATOMIC", GfpDialect{KernelVersion{6, 3}, false}) ==
        0x820u); // 6.3 dropped it
  CHECK(parse_gfp("GFP_NOWAIT", GfpDialect{KernelVersion{6, 17}, false}) == 0x800u);
}

TEST_CASE("gfp: names of kernels before 4.4", "[trace][gfp]") {
  CHECK(parse_gfp("GFP_ATOMIC", k311) == 0x20u);
  CHECK(parse_gfp("GFP_NOWAIT", k311) == 0u);
  CHECK(parse_gfp("__GFP_WAIT|__GFP_IO|__GFP_FS", k311) == 0xcc0u);
  CHECK(parse_gfp("GFP_TEMPORARY|__GFP_COLD", k311) == 0xcd0u);
  CHECK(parse_gfp("__GFP_REPEAT", k311) == 0x4000u);
}

TEST_CASE("gfp: hex in the 4.4+ layout is the mask, hex left over by __print_flags is added",
          "[trace][gfp]") {
  CHECK(parse_gfp("0x400dc0", k61) == 0x400dc0u);
  CHECK(parse_gfp("0X10", k61) == 0x10u);
  CHECK(parse_gfp("3264", k61) == 3264u); // decimal, as some tools print it
  CHECK(parse_gfp("GFP_KERNEL|0x1000000", k61) == 0x1000cc0u);
  CHECK(is_numeric_gfp("0x1f"));
  CHECK(is_numeric_gfp("42"));
  CHECK_FALSE(is_numeric_gfp("0x"));
  CHECK_FALSE(is_numeric_gfp("GFP_KERNEL"));
}

TEST_CASE("gfp: the pre-4.4 hex layout is moved bit by bit", "[trace][gfp]") {
  // 3.11 GFP_KERNEL = __GFP_WAIT 0x10 | __GFP_IO 0x40 | __GFP_FS 0x80: both reclaim kinds.
  CHECK(gfp_from_pre_4_4(0xd0) == 0xcc0u);
  // __GFP_WAIT with __GFP_NO_KSWAPD 0x400000: direct reclaim only.
  CHECK(gfp_from_pre_4_4(0x400010) == 0x400u);
  // __GFP_RECLAIMABLE 0x80000 -> 0x10; __GFP_MOVABLE 0x08 stays; __GFP_ZERO 0x8000 -> 0x100;
  // __GFP_NOWARN 0x200 -> 0x2000; __GFP_COMP 0x4000 -> 0x40000; __GFP_HARDWALL 0x20000 -> 0x100000.
  CHECK(gfp_from_pre_4_4(0x80000) == 0x10u);
  CHECK(gfp_from_pre_4_4(0x8) == 0x8u);
  CHECK(gfp_from_pre_4_4(0x8000 | 0x200 | 0x4000 | 0x20000) ==
        (0x100u | 0x2000u | 0x40000u | 0x100000u));
  CHECK(parse_gfp("0x80000", GfpDialect{KernelVersion{3, 11}, true}) == 0x10u);
}

TEST_CASE("gfp: what is not gfp text", "[trace][gfp]") {
  CHECK_FALSE(parse_gfp("", k61));
  CHECK_FALSE(parse_gfp("GFP_KERNEL||__GFP_ZERO", k61));
  CHECK_FALSE(parse_gfp("0x1ffffffff", k61));
  CHECK_FALSE(parse_gfp("GFP_KERNEL|0x1ffffffff", k61));
}
