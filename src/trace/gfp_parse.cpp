// gfp_flags text to the canonical mask (gfp_parse.hpp). The names are those of the kernels'
// __def_gfpflag_names (include/trace/events/mmflags.h) from 2.6.33 to 6.18; composite names take
// the value the printing kernel gave them (include/linux/gfp_types.h of 6.1 and 6.18,
// include/linux/gfp.h of 3.11).
#include "trace/gfp_parse.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace memsim::trace {
namespace {

using namespace gfp;

constexpr GfpMask kUser = reclaim | io | fs | hardwall;
constexpr GfpMask kHighuserMovable = kUser | highmem | movable;
constexpr GfpMask kTranshugeLight = (kHighuserMovable | comp | nomemalloc | nowarn) & ~reclaim;
constexpr GfpMask kKernel = reclaim | io | fs;

// Names whose value is the same in every layout memsim reads.
constexpr auto kNames = std::to_array<std::pair<std::string_view, GfpMask>>({
    {"GFP_TRANSHUGE_LIGHT", kTranshugeLight},
    {"GFP_TRANSHUGE", kTranshugeLight | direct_reclaim},
    {"GFP_HIGHUSER_MOVABLE", kHighuserMovable},
    {"GFP_HIGHUSER", kUser | highmem},
    {"GFP_USER", kUser},
    {"GFP_KERNEL_ACCOUNT", kKernel | account},
    {"GFP_KERNEL", kKernel},
    {"GFP_NOFS", reclaim | io},
    {"GFP_NOIO", reclaim},
    {"GFP_TEMPORARY", kKernel | reclaimable}, // 2.6.x - 4.14
    {"GFP_IOFS", io | fs},                    // before 4.4
    {"GFP_DMA", dma},
    {"GFP_DMA32", dma32},
    {"__GFP_DMA", dma},
    {"__GFP_DMA32", dma32},
    {"__GFP_HIGHMEM", highmem},
    {"__GFP_HIGH", high},
    {"__GFP_ATOMIC", atomic},
    {"__GFP_IO", io},
    {"__GFP_FS", fs},
    {"__GFP_NOWARN", nowarn},
    {"__GFP_RETRY_MAYFAIL", retry_mayfail},
    {"__GFP_REPEAT", retry_mayfail}, // renamed in 4.13
    {"__GFP_NOFAIL", nofail},
    {"__GFP_NORETRY", noretry},
    {"__GFP_COMP", comp},
    {"__GFP_ZERO", zero},
    {"__GFP_NOMEMALLOC", nomemalloc},
    {"__GFP_MEMALLOC", memalloc},
    {"__GFP_HARDWALL", hardwall},
    {"__GFP_THISNODE", thisnode},
    {"__GFP_RECLAIMABLE", reclaimable},
    {"__GFP_MOVABLE", movable},
    {"__GFP_ACCOUNT", account},
    {"__GFP_KMEMCG", account}, // 3.x
    {"__GFP_WRITE", write},
    {"__GFP_RECLAIM", reclaim},
    {"__GFP_DIRECT_RECLAIM", direct_reclaim},
    {"__GFP_KSWAPD_RECLAIM", kswapd_reclaim},
    {"__GFP_WAIT", reclaim}, // before 4.4: both reclaim kinds
    {"__GFP_COLD", 0},       // before 4.15: the event's "cold", not an allocation flag here
    {"__GFP_NOTRACK", 0},
    {"__GFP_NO_KSWAPD", 0},
    {"__GFP_OTHER_NODE", 0},
    {"__GFP_ZEROTAGS", 0},
    {"none", 0},
});

// GFP_ATOMIC and GFP_NOWAIT: their value changed with the kernel.
std::optional<GfpMask> versioned_name(std::string_view name, KernelVersion kernel) {
  const bool before_4_4 = kernel < KernelVersion{4, 4};
  if (name == "GFP_ATOMIC") {
    if (before_4_4) return high;
    return kernel < KernelVersion{6, 3} ? high | atomic | kswapd_reclaim : high | kswapd_reclaim;
  }
  if (name == "GFP_NOWAIT") {
    if (before_4_4) return 0;
    return kernel < KernelVersion{6, 18} ? kswapd_reclaim : kswapd_reclaim | nowarn;
  }
  if (name == "GFP_THISNODE" && before_4_4) return thisnode | nowarn | noretry;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<GfpMask> numeric_mask(std::string_view text, const GfpDialect& dialect) {
  const auto bits = parse_number(text);
  if (!bits || *bits > 0xffffffffu) return std::nullopt;
  return dialect.hex_pre_4_4 ? gfp_from_pre_4_4(*bits) : static_cast<GfpMask>(*bits);
}

} // namespace

bool is_numeric_gfp(std::string_view text) {
  const auto digits = [](std::string_view s, bool hex) {
    for (const char c : s) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!digit && !(hex && letter)) return false;
    }
    return !s.empty();
  };
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    return digits(text.substr(2), true);
  return digits(text, false);
}

std::optional<GfpMask> parse_gfp(std::string_view text, const GfpDialect& dialect) {
  if (is_numeric_gfp(text)) return numeric_mask(text, dialect);
  GfpMask mask = 0;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('|', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = text.substr(begin, end - begin);
    begin = end + 1;
    if (name.empty()) return std::nullopt;
    if (is_numeric_gfp(name)) { // __print_flags appends the bits it has no name for
      const auto rest = numeric_mask(name, dialect);
      if (!rest) return std::nullopt;
      mask |= *rest;
      continue;
    }
    if (const auto value = versioned_name(name, dialect.kernel)) {
      mask |= *value;
      continue;
    }
    for (const auto& [known, value] : kNames) {
      if (known == name) {
        mask |= value;
        break;
      }
    }
  }
  return mask;
}

// include/linux/gfp.h of 3.11: DMA 0x01 HIGHMEM 0x02 DMA32 0x04 MOVABLE 0x08 WAIT 0x10 HIGH 0x20
// IO 0x40 FS 0x80 COLD 0x100 NOWARN 0x200 REPEAT 0x400 NOFAIL 0x800 NORETRY 0x1000 MEMALLOC 0x2000
// COMP 0x4000 ZERO 0x8000 NOMEMALLOC 0x10000 HARDWALL 0x20000 THISNODE 0x40000 RECLAIMABLE 0x80000
// KMEMCG 0x100000 NOTRACK 0x200000 NO_KSWAPD 0x400000 OTHER_NODE 0x800000 WRITE 0x1000000.
GfpMask gfp_from_pre_4_4(std::uint64_t bits) {
  constexpr auto kMoves = std::to_array<std::pair<std::uint64_t, GfpMask>>({
      {0x01, dma},         {0x02, highmem},     {0x04, dma32},
      {0x08, movable},     {0x20, high},        {0x40, io},
      {0x80, fs},          {0x200, nowarn},     {0x400, retry_mayfail},
      {0x800, nofail},     {0x1000, noretry},   {0x2000, memalloc},
      {0x4000, comp},      {0x8000, zero},      {0x10000, nomemalloc},
      {0x20000, hardwall}, {0x40000, thisnode}, {0x80000, reclaimable},
      {0x1000000, write},
  });
  GfpMask mask = 0;
  for (const auto& [old_bit, bit] : kMoves)
    if ((bits & old_bit) != 0) mask |= bit;
  if ((bits & 0x100000) != 0) mask |= account;
  if ((bits & 0x10) != 0) // __GFP_WAIT, and kswapd unless __GFP_NO_KSWAPD
    mask |= (bits & 0x400000) != 0 ? direct_reclaim : reclaim;
  return mask;
}

} // namespace memsim::trace
