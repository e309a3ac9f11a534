// The fields of the buddy-level events (ftrace_line.hpp), as include/trace/events/kmem.h,
// compaction.h and migrate.h print them in Linux 6.1 and 6.18 (and, with decimal pfns, before
// 5.14):
//   mm_page_alloc_zone_locked  page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d
//   mm_page_pcpu_drain         page=%p pfn=0x%lx order=%d migratetype=%d
//   mm_page_alloc_extfrag      page=%p pfn=0x%lx alloc_order=%d fallback_order=%d
//                              pageblock_order=%d alloc_migratetype=%d fallback_migratetype=%d
//                              fragmenting=%d change_ownership=%d
//   mm_compaction_begin / _end zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx
//                              zone_end=0x%lx, mode=%s[ status=%s]
//   mm_migrate_pages           nr_succeeded=%lu nr_failed=%lu ... reason=%s
//   mm_compaction_(fast_)isolate_freepages  range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu
// Fields are found by key in any order; a missing or malformed required field makes a bad line.
#include <array>
#include <optional>

#include <fmt/format.h>

#include "trace/ftrace_line.hpp"

namespace memsim::trace {
namespace {

constexpr std::uint64_t kOrderLimit = 20;
constexpr std::uint64_t kMigratetypeLimit = 7; // MIGRATE_TYPES is at most 6
constexpr std::uint64_t kPfnLimit = std::uint64_t{1} << 52;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The values of `keys` among the "key=value" tokens of `rest` (a value's trailing ',' dropped).
template <std::size_t N>
std::array<std::optional<std::string_view>, N>
find_fields(std::string_view rest, const std::array<std::string_view, N>& keys) {
  std::array<std::optional<std::string_view>, N> values;
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && is_blank(rest[i])) ++i;
    const std::size_t begin = i;
    while (i < rest.size() && !is_blank(rest[i])) ++i;
    std::string_view token = rest.substr(begin, i - begin);
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    if (token.back() == ',') token.remove_suffix(1);
    for (std::size_t k = 0; k < N; ++k)
      if (!values[k] && token.substr(0, eq) == keys[k]) values[k] = token.substr(eq + 1);
  }
  return values;
}

class FieldReader {
public:
  explicit FieldReader(ParsedLine& out) : out_(out) {}

  bool ok() const { return out_.kind != LineKind::bad; }
  // A required number at most `limit`; false (the line marked bad) when missing or malformed.
  bool number(const std::optional<std::string_view>& text, std::string_view key,
              std::uint64_t limit, std::uint64_t& value) {
    if (!ok()) return false;
    if (!text) return fail(fmt::format("no {}=", key));
    if (!parse_u64(*text, value) || value > limit)
      return fail(fmt::format("bad {}={}", key, *text));
    return true;
  }
  template <typename T>
  bool small(const std::optional<std::string_view>& text, std::string_view key, std::uint64_t limit,
             T& value) {
    std::uint64_t wide = 0;
    if (!number(text, key, limit, wide)) return false;
    value = static_cast<T>(wide);
    return true;
  }
  bool pfn(const std::optional<std::string_view>& text, std::string_view key,
           std::uint64_t& value) {
    if (!number(text, key, kPfnLimit, value)) return false;
    out_.k.pfn_hex = text->size() > 1 && (*text)[1] == 'x';
    return true;
  }
  bool flag(const std::optional<std::string_view>& text, std::string_view key) {
    std::uint64_t value = 0;
    if (!number(text, key, 1, value)) return false;
    out_.k.flag = value == 1;
    return true;
  }

private:
  bool fail(std::string message) {
    out_.kind = LineKind::bad;
    out_.message = std::move(message);
    return false;
  }
  ParsedLine& out_;
};

void parse_block_event(std::string_view rest, ParsedLine& out) {
  static constexpr std::array<std::string_view, 4> kKeys{"pfn", "order", "migratetype",
                                                         "percpu_refill"};
  const auto v = find_fields(rest, kKeys);
  FieldReader read(out);
  if (!read.pfn(v[0], "pfn", out.pfn) || !read.small(v[1], "order", kOrderLimit, out.order) ||
      !read.small(v[2], "migratetype", kMigratetypeLimit, out.k.mt_number))
    return;
  if (out.kind == LineKind::zone_locked) read.flag(v[3], "percpu_refill");
}

void parse_extfrag(std::string_view rest, ParsedLine& out) {
  static constexpr std::array<std::string_view, 7> kKeys{"pfn",
                                                         "alloc_order",
                                                         "fallback_order",
                                                         "pageblock_order",
                                                         "alloc_migratetype",
                                                         "fallback_migratetype",
                                                         "change_ownership"};
  const auto v = find_fields(rest, kKeys);
  FieldReader read(out);
  if (!read.pfn(v[0], "pfn", out.pfn) || !read.small(v[1], "alloc_order", kOrderLimit, out.order) ||
      !read.small(v[2], "fallback_order", kOrderLimit, out.k.fallback_order) ||
      !read.small(v[4], "alloc_migratetype", kMigratetypeLimit, out.k.mt_number) ||
      !read.small(v[5], "fallback_migratetype", kMigratetypeLimit, out.k.fallback_mt_number) ||
      !read.flag(v[6], "change_ownership"))
    return;
  if (v[3]) read.small(v[3], "pageblock_order", kOrderLimit, out.k.pageblock_order);
}

void parse_compaction(std::string_view rest, ParsedLine& out) {
  static constexpr std::array<std::string_view, 4> kKeys{"zone_start", "zone_end", "free_pfn",
                                                         "free_start"};
  const auto v = find_fields(rest, kKeys);
  FieldReader read(out);
  if (!read.pfn(v[0], "zone_start", out.pfn) ||
      !read.number(v[1], "zone_end", kPfnLimit, out.k.range_end))
    return;
  const auto& free_pfn = v[2] ? v[2] : v[3]; // free_start before 4.1
  if (free_pfn) read.number(free_pfn, "free_pfn", kPfnLimit, out.k.value);
}

void parse_migrate(std::string_view rest, ParsedLine& out) {
  static constexpr std::array<std::string_view, 2> kKeys{"nr_succeeded", "reason"};
  const auto v = find_fields(rest, kKeys);
  FieldReader read(out);
  if (!read.number(v[0], "nr_succeeded", UINT64_MAX, out.k.value)) return;
  out.k.flag = !v[1] || *v[1] == "compaction";
}

// "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu"
void parse_isolate(std::string_view rest, ParsedLine& out) {
  FieldReader read(out);
  const std::size_t open = rest.find("range=(");
  const std::size_t tilde = rest.find('~');
  const std::size_t close = rest.find(')');
  if (open == std::string_view::npos || tilde == std::string_view::npos ||
      close == std::string_view::npos || !(open < tilde && tilde < close)) {
    out.kind = LineKind::bad;
    out.message = "no range=(START ~ END)";
    return;
  }
  const auto trimmed = [](std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return std::optional<std::string_view>(s);
  };
  const std::size_t start = open + 7;
  if (!read.pfn(trimmed(rest.substr(start, tilde - start)), "range start", out.pfn) ||
      !read.number(trimmed(rest.substr(tilde + 1, close - tilde - 1)), "range end", kPfnLimit,
                   out.k.range_end))
    return;
  static constexpr std::array<std::string_view, 1> kKeys{"nr_taken"};
  read.number(find_fields(rest.substr(close + 1), kKeys)[0], "nr_taken", UINT64_MAX, out.k.value);
}

} // namespace

LineKind kernel_event_kind(std::string_view name) {
  if (name == "mm_page_alloc_zone_locked") return LineKind::zone_locked;
  if (name == "mm_page_pcpu_drain") return LineKind::pcpu_drain;
  if (name == "mm_page_alloc_extfrag") return LineKind::extfrag;
  if (name == "mm_compaction_begin") return LineKind::compaction_begin;
  if (name == "mm_compaction_end") return LineKind::compaction_end;
  if (name == "mm_migrate_pages") return LineKind::migrate;
  if (name == "mm_compaction_isolate_freepages" || name == "mm_compaction_fast_isolate_freepages")
    return LineKind::isolate_freepages;
  return LineKind::other;
}

void parse_kernel_event(std::string_view rest, ParsedLine& out) {
  switch (out.kind) {
  case LineKind::zone_locked:
  case LineKind::pcpu_drain:
    return parse_block_event(rest, out);
  case LineKind::extfrag:
    return parse_extfrag(rest, out);
  case LineKind::compaction_begin:
  case LineKind::compaction_end:
    return parse_compaction(rest, out);
  case LineKind::migrate:
    return parse_migrate(rest, out);
  case LineKind::isolate_freepages:
    parse_isolate(rest, out);
    out.k.flag = out.name == "mm_compaction_fast_isolate_freepages";
    return;
  default:
    return;
  }
}

} // namespace memsim::trace
