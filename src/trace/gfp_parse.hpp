// gfp_flags as traces print them, to memsim's canonical mask (include/memsim/gfp.hpp): the
// kernel's symbolic names ("GFP_KERNEL|__GFP_ZERO", as __print_flags writes them in
// mm_page_alloc), hex in the 4.4+ layout, or hex in the pre-4.4 layout. Used by the ftrace line
// parser and by the JSON readers' "gfp" field (docs/spec.md §4.3, §4.5).
#pragma once

#include <optional>
#include <string_view>

#include "memsim/gfp.hpp"
#include "memsim/trace.hpp"

namespace memsim::trace {

// Which kernel printed the flags: the meaning of a few names changed (GFP_ATOMIC lost
// __GFP_ATOMIC in 6.3, GFP_NOWAIT gained __GFP_NOWARN in 6.18; before 4.4 GFP_ATOMIC was
// __GFP_HIGH alone and GFP_NOWAIT 0).
struct GfpDialect {
  KernelVersion kernel{6, 1};
  bool hex_pre_4_4 =
      false; // hex uses the pre-4.4 bits (__GFP_WAIT 0x10, __GFP_RECLAIMABLE 0x80000)
};

// True for "0x..." or plain decimal digits (the kernel prints hex; some tools print decimal).
bool is_numeric_gfp(std::string_view text);
// The canonical mask of `text`; nullopt for a number out of range or an empty name. Unknown
// symbolic names (flags of configurations memsim does not model) add no bit.
std::optional<GfpMask> parse_gfp(std::string_view text, const GfpDialect& dialect);
// A mask in the pre-4.4 bit layout, in the canonical one.
GfpMask gfp_from_pre_4_4(std::uint64_t bits);

} // namespace memsim::trace
