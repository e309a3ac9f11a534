// ftrace kmem text lines (ftrace_line.hpp): the prefix, the event name and the alloc / free
// fields; the buddy-level events' fields are in ftrace_kernel_events.cpp.
#include "trace/ftrace_line.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "trace/gfp_parse.hpp"

namespace memsim::trace {
namespace {

constexpr unsigned kOrderLimit = 20; // a higher printed order is a malformed line

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "digits.digits" as a timestamp.
bool parse_timestamp(std::string_view text, double* t) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i != dot && !is_digit(text[i])) return false;
  if (t == nullptr) return true; // the shape alone (the first pass needs no time)
  const auto result = std::from_chars(text.data(), text.data() + text.size(), *t);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// The non-blank run at `i` (after blanks), advancing `i` past it.
[[gnu::always_inline]] inline std::string_view take_token(std::string_view s, std::size_t& i) {
  const char* p = s.data() + i;
  const char* end = s.data() + s.size();
  while (p < end && is_space(*p)) ++p;
  const char* begin = p;
  while (p < end && !is_space(*p)) ++p;
  i = static_cast<std::size_t>(p - s.data());
  return {begin, static_cast<std::size_t>(p - begin)};
}

// The `[cpu] [flags] ts:` prefix: on success `i` stands after the timestamp's ':'.
bool parse_prefix(std::string_view s, std::size_t& i, std::uint32_t& cpu, double* t) {
  std::size_t from = 0;
  for (;;) {
    const std::size_t open = s.find('[', from);
    if (open == std::string_view::npos) return false;
    from = open + 1;
    std::size_t j = open + 1;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == open + 1 || j >= s.size() || s[j] != ']' || j + 1 >= s.size() || !is_space(s[j + 1]))
      continue;
    const auto cpu_result = std::from_chars(s.data() + open + 1, s.data() + j, cpu);
    if (cpu_result.ec != std::errc()) continue;
    std::size_t k = j + 1;
    for (int column = 0; column < 2; ++column) {
      const std::string_view token = take_token(s, k);
      // The timestamp ends with ':' and is followed by a blank.
      if (token.size() >= 2 && token.back() == ':' && k < s.size() &&
          parse_timestamp(token.substr(0, token.size() - 1), t)) {
        i = k;
        return true;
      }
    }
  }
}

// The names show_gfp_flags() prints (include/trace/events/gfpflags.h, 2.6.33 to 4.5, then
// mmflags.h __def_gfpflag_names, to 6.x), and "none" for no flag.
bool known_gfp_name(std::string_view flag) {
  static constexpr std::string_view kNames[] = {"GFP_TRANSHUGE",
                                                "GFP_TRANSHUGE_LIGHT",
                                                "GFP_HIGHUSER_MOVABLE",
                                                "GFP_HIGHUSER",
                                                "GFP_USER",
                                                "GFP_TEMPORARY",
                                                "GFP_KERNEL_ACCOUNT",
                                                "GFP_KERNEL",
                                                "GFP_NOFS",
                                                "GFP_ATOMIC",
                                                "GFP_NOIO",
                                                "GFP_NOWAIT",
                                                "GFP_DMA",
                                                "GFP_DMA32",
                                                "GFP_IOFS",
                                                "__GFP_DMA",
                                                "__GFP_DMA32",
                                                "__GFP_HIGHMEM",
                                                "__GFP_HIGH",
                                                "__GFP_ATOMIC",
                                                "__GFP_IO",
                                                "__GFP_FS",
                                                "__GFP_COLD",
                                                "__GFP_NOWARN",
                                                "__GFP_REPEAT",
                                                "__GFP_RETRY_MAYFAIL",
                                                "__GFP_NOFAIL",
                                                "__GFP_NORETRY",
                                                "__GFP_COMP",
                                                "__GFP_ZERO",
                                                "__GFP_NOMEMALLOC",
                                                "__GFP_MEMALLOC",
                                                "__GFP_HARDWALL",
                                                "__GFP_THISNODE",
                                                "__GFP_RECLAIMABLE",
                                                "__GFP_MOVABLE",
                                                "__GFP_ACCOUNT",
                                                "__GFP_NOACCOUNT",
                                                "__GFP_NOTRACK",
                                                "__GFP_NOTRACK_FALSE_POSITIVE",
                                                "__GFP_WRITE",
                                                "__GFP_RECLAIM",
                                                "__GFP_DIRECT_RECLAIM",
                                                "__GFP_KSWAPD_RECLAIM",
                                                "__GFP_WAIT",
                                                "__GFP_NO_KSWAPD",
                                                "__GFP_OTHER_NODE",
                                                "__GFP_KMEMCG",
                                                "__GFP_NOLOCKDEP",
                                                "__GFP_ZEROTAGS",
                                                "__GFP_SKIP_ZERO",
                                                "__GFP_SKIP_KASAN",
                                                "__GFP_SKIP_KASAN_UNPOISON",
                                                "__GFP_SKIP_KASAN_POISON",
                                                "__GFP_NO_OBJ_EXT",
                                                "none"};
  for (const std::string_view name : kNames)
    if (flag == name) return true;
  return is_numeric_gfp(flag); // bits without a name print as hex
}

// docs/spec.md §4.5: the migratetype comes from gfp_flags, never from migratetype=. False (with
// `message`) when the flags cannot be read or carry both bits.
bool gfp_fields(std::string_view gfp, const GfpDialect& dialect, ParsedLine& out) {
  const std::optional<GfpMask> mask = parse_gfp(gfp, dialect);
  if (!mask) {
    out.message = fmt::format("bad gfp_flags={}", gfp);
    return false;
  }
  if (!is_numeric_gfp(gfp)) { // the first symbolic name no kernel prints, for meta.unknown_gfp
    for (std::size_t begin = 0; begin <= gfp.size();) {
      std::size_t end = gfp.find('|', begin);
      if (end == std::string_view::npos) end = gfp.size();
      const std::string_view flag = gfp.substr(begin, end - begin);
      if (!known_gfp_name(flag)) {
        out.unknown_gfp = flag;
        break;
      }
      begin = end + 1;
    }
  }
  const bool movable = (*mask & gfp::movable) != 0;
  const bool reclaimable = (*mask & gfp::reclaimable) != 0;
  if (movable && reclaimable) {
    out.message = fmt::format("gfp_flags {} has both __GFP_MOVABLE and __GFP_RECLAIMABLE", gfp);
    return false;
  }
  out.k.gfp = *mask;
  out.mt = movable       ? Migratetype::movable
           : reclaimable ? Migratetype::reclaimable
                         : Migratetype::unmovable;
  return true;
}

void mark_bad(ParsedLine& out, std::string message) {
  out.kind = LineKind::bad;
  out.message = std::move(message);
}

// The value of `key` (e.g. "pfn=") when the token at `i` is that field, `i` then past it.
bool take_field(std::string_view s, std::size_t& i, std::string_view key, std::string_view& value) {
  if (s.size() - i < key.size() || s.compare(i, key.size(), key) != 0) return false;
  const std::size_t begin = i + key.size();
  const void* blank = std::memchr(s.data() + begin, ' ', s.size() - begin);
  const std::size_t end =
      blank == nullptr ? s.size()
                       : static_cast<std::size_t>(static_cast<const char*>(blank) - s.data());
  value = s.substr(begin, end - begin);
  i = end < s.size() ? end + 1 : end;
  return true;
}

// The kernel's own layout, one blank between fields: `page=P pfn=N order=N` and, for
// mm_page_alloc, ` migratetype=N gfp_flags=F` (the last field). False: use the general scan.
bool take_kernel_fields(std::string_view rest, bool alloc, std::string_view& pfn,
                        std::string_view& order, std::string_view& gfp) {
  std::size_t i = 0;
  std::string_view ignored;
  if (!take_field(rest, i, "page=", ignored) || !take_field(rest, i, "pfn=", pfn) ||
      !take_field(rest, i, "order=", order))
    return false;
  if (!alloc) return true;
  if (!take_field(rest, i, "migratetype=", ignored)) return false;
  return take_field(rest, i, "gfp_flags=", gfp);
}

// Any other layout: the fields in any order, blanks of any width.
void scan_fields(std::string_view rest, bool alloc, std::optional<std::string_view>& pfn,
                 std::optional<std::string_view>& order, std::string_view& gfp) {
  std::size_t i = 0;
  for (;;) {
    const std::string_view token = take_token(rest, i);
    if (token.empty()) break;
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = token.substr(0, eq);
    const std::string_view value = token.substr(eq + 1);
    if (key == "pfn") {
      pfn = value;
    } else if (key == "order") {
      order = value;
    } else if (key == "gfp_flags") {
      gfp = value;
      break; // the last field of every kernel's format
    }
    if (!alloc && pfn && order) break;
  }
}

// The alloc / free fields after the event name.
void parse_fields(std::string_view rest, bool alloc, const LineOptions& options, ParsedLine& out) {
  std::optional<std::string_view> pfn;
  std::optional<std::string_view> order;
  std::string_view gfp = "0";
  std::string_view fast_pfn;
  std::string_view fast_order;
  std::string_view fast_gfp = "0";
  if (take_kernel_fields(rest, alloc, fast_pfn, fast_order, fast_gfp)) {
    pfn = fast_pfn;
    order = fast_order;
    gfp = fast_gfp;
  } else {
    scan_fields(rest, alloc, pfn, order, gfp);
  }
  if (!pfn) return mark_bad(out, "no pfn=");
  if (!order) return mark_bad(out, "no order=");
  if (!parse_u64(*pfn, out.pfn)) return mark_bad(out, fmt::format("bad pfn={}", *pfn));
  std::uint64_t order_value = 0;
  const auto order_result =
      std::from_chars(order->data(), order->data() + order->size(), order_value);
  if (order->empty() || !is_digit((*order)[0]) || order_result.ec != std::errc() ||
      order_result.ptr != order->data() + order->size())
    return mark_bad(out, fmt::format("bad order={}", *order));
  if (order_value > kOrderLimit) return mark_bad(out, fmt::format("bad order={}", *order));
  out.order = static_cast<unsigned>(order_value);
  if (out.pfn > (std::uint64_t{1} << 52))
    return mark_bad(out, fmt::format("pfn={} out of range", *pfn));
  out.k.pfn_hex = pfn->size() > 1 && (*pfn)[1] == 'x';
  if (!alloc) return;
  const GfpDialect dialect{
      options.kernel.value_or(out.k.pfn_hex ? KernelVersion{6, 1} : KernelVersion{3, 0}),
      options.gfp_pre_4_4};
  if (!gfp_fields(gfp, dialect, out)) out.kind = LineKind::bad;
}

} // namespace

bool parse_u64(std::string_view text, std::uint64_t& value) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  if (text.empty()) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

void parse_line(std::string_view s, const LineOptions& options, ParsedLine& out) {
  out.kind = LineKind::unparsed;
  out.unknown_gfp = {};
  out.k = KernelFields{};
  std::size_t i = 0;
  if (!parse_prefix(s, i, out.cpu, options.with_time ? &out.t : nullptr)) return;
  std::string_view token = take_token(s, i);
  if (!token.empty() && token.back() != ':' &&
      token.find_first_not_of("0123456789") == std::string_view::npos)
    token = take_token(s, i); // perf script's period column
  if (token.size() < 2 || token.back() != ':') return;
  token.remove_suffix(1);
  const std::size_t system = token.rfind(':'); // perf script: "kmem:mm_page_alloc:"
  if (system != std::string_view::npos) token.remove_prefix(system + 1);
  if (token.empty()) return;
  out.name = token;
  if (i < s.size()) ++i; // the one blank after "event:"
  std::string_view rest = s.substr(i);
  if (token == "print") { // trace-cmd report: "print: tracing_mark_write: TEXT"
    const std::size_t begin = rest.find_first_not_of(" \t");
    constexpr std::string_view kMarker = "tracing_mark_write:";
    if (begin != std::string_view::npos && rest.substr(begin, kMarker.size()) == kMarker) {
      token = "tracing_mark_write";
      rest.remove_prefix(std::min(rest.size(), begin + kMarker.size() + 1));
    }
  }
  if (token == "tracing_mark_write") {
    std::size_t end = rest.size();
    while (end > 0 && (is_space(rest[end - 1]) || rest[end - 1] == '\r' || rest[end - 1] == '\n'))
      --end;
    out.label = rest.substr(0, end);
    out.kind = LineKind::mark;
    return;
  }
  const bool alloc = token == "mm_page_alloc";
  if (!alloc && token != "mm_page_free" && token != "mm_page_free_direct") {
    out.kind = kernel_event_kind(token);
    if (out.kind != LineKind::other) parse_kernel_event(rest, out);
    return;
  }
  out.kind = alloc ? LineKind::alloc : LineKind::free;
  parse_fields(rest, alloc, options, out);
}

} // namespace memsim::trace
