// The /proc snapshot reader (docs/spec.md §4.5 `--proc-in DIR`): zoneinfo (the zone with the most
// present pages: span, counters, per-CPU pagesets), pagetypeinfo (pageblock order) and, when
// present, kpageflags + kpagecount (8 bytes per pfn), from which every page of the zone that was
// not free becomes a `preallocated` block. Classification of a page (D37-D39): BUDDY heads a free
// block; RESERVED / NOPAGE is in use for ever; a compound page is one block; anything else is order
// 0.
#include "trace/proc_snapshot.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

// include/uapi/linux/kernel-page-flags.h and fs/proc/page.c (KPF_RESERVED is kernel-internal).
constexpr std::uint64_t kpf(unsigned bit) {
  return std::uint64_t{1} << bit;
}
constexpr std::uint64_t kLru = kpf(5), kBuddy = kpf(10), kAnon = kpf(12);
constexpr std::uint64_t kCompoundHead = kpf(15), kCompoundTail = kpf(16), kNopage = kpf(20);
constexpr std::uint64_t kReserved = kpf(32);

struct ZoneInfo {
  std::string name;
  std::size_t line = 0; // of its "Node N, zone NAME" line
  std::optional<std::uint64_t> start_pfn, spanned;
  std::uint64_t present = 0, managed = 0, nr_free_pages = 0;
  std::optional<std::uint64_t> max_cpu;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The first token of `s` and the rest, trimmed.
std::pair<std::string_view, std::string_view> split_token(std::string_view s) {
  s = trim(s);
  const auto end = s.find_first_of(" \t");
  if (end == std::string_view::npos) return {s, {}};
  return {s.substr(0, end), trim(s.substr(end))};
}

std::uint64_t parse_number(std::string_view token, const std::string& where) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || error != std::errc{} || end != token.data() + token.size()) {
    throw InputError(fmt::format("{}: expected a number, found '{}'", where, token));
  }
  return value;
}

// One line of a zone's block: the counters memsim needs, the others are ignored.
void parse_zone_line(ZoneInfo& zone, std::string_view line, const std::string& where) {
  auto [key, rest] = split_token(line);
  if (!key.empty() && key.back() == ':') key.remove_suffix(1);
  const std::string_view value = split_token(rest).first;
  if (key == "spanned") zone.spanned = parse_number(value, where);
  if (key == "present") zone.present = parse_number(value, where);
  if (key == "managed") zone.managed = parse_number(value, where);
  if (key == "nr_free_pages") zone.nr_free_pages = parse_number(value, where);
  if (key == "start_pfn") zone.start_pfn = parse_number(value, where);
  if (key == "cpu") {
    const std::uint64_t cpu = parse_number(value, where);
    zone.max_cpu = std::max(zone.max_cpu.value_or(0), cpu);
  }
}

// mm/vmstat.c zoneinfo_show_print(): "Node N, zone NAME" opens each zone's block.
std::vector<ZoneInfo> parse_zoneinfo(const std::string& path) {
  const std::string text = read_text(path);
  std::vector<ZoneInfo> zones;
  std::istringstream in(text);
  std::string raw;
  for (std::size_t line = 1; std::getline(in, raw); ++line) {
    const std::string_view content = trim(raw);
    if (content.rfind("Node ", 0) == 0) {
      const auto zone = content.find("zone");
      if (zone == std::string_view::npos) {
        throw InputError(fmt::format("{}:{}: expected 'Node N, zone NAME'", path, line));
      }
      ZoneInfo& added = zones.emplace_back();
      added.name = std::string(trim(content.substr(zone + 4)));
      added.line = line;
    } else if (!zones.empty()) {
      parse_zone_line(zones.back(), content, fmt::format("{}:{}", path, line));
    }
  }
  return zones;
}

// The zone with the most present pages (the first of equals), with its span checked.
ZoneInfo choose_zone(const std::vector<ZoneInfo>& zones, const std::string& path) {
  const ZoneInfo* best = nullptr;
  for (const ZoneInfo& zone : zones) {
    if (zone.present > 0 && (best == nullptr || zone.present > best->present)) best = &zone;
  }
  if (best == nullptr) throw InputError(fmt::format("{}: no zone with present pages", path));
  for (const auto& [field, value] :
       {std::pair{"start_pfn", best->start_pfn}, std::pair{"spanned", best->spanned}}) {
    if (!value) {
      throw InputError(
          fmt::format("{}:{}: zone {} has no {} line", path, best->line, best->name, field));
    }
  }
  constexpr std::uint64_t kPfnLimit = std::uint64_t{1} << 52; // 2^64 bytes of 4 KiB pages
  if (*best->spanned < best->present || *best->start_pfn >= kPfnLimit ||
      *best->spanned >= kPfnLimit) {
    throw InputError(
        fmt::format("{}:{}: zone {} has an impossible span", path, best->line, best->name));
  }
  return *best;
}

// mm/vmstat.c pagetypeinfo_showfree(): "Page block order: N".
unsigned read_pageblock_order(const std::string& path, unsigned max_order) {
  const std::string text = read_text(path);
  std::istringstream in(text);
  std::string raw;
  for (std::size_t line = 1; std::getline(in, raw); ++line) {
    const std::string_view content = trim(raw);
    constexpr std::string_view key = "Page block order:";
    if (content.rfind(key, 0) != 0) continue;
    const std::string where = fmt::format("{}:{}", path, line);
    const std::uint64_t order = parse_number(trim(content.substr(key.size())), where);
    if (order >= max_order) {
      throw InputError(fmt::format("{}: page block order {} is not below max order {}", where,
                                   order, max_order));
    }
    return static_cast<unsigned>(order);
  }
  throw InputError(fmt::format("{}: no 'Page block order:' line", path));
}

// [from, to) as the fewest blocks aligned to their order (at most max_order - 1).
void append_aligned(std::vector<PreallocatedBlock>& out, std::uint64_t from, std::uint64_t to,
                    unsigned max_order) {
  while (from < to) {
    unsigned order = 0;
    while (order + 1 < max_order && from % (std::uint64_t{2} << order) == 0 &&
           from + (std::uint64_t{2} << order) <= to) {
      ++order;
    }
    out.push_back(PreallocatedBlock{from, order, Migratetype::unmovable, std::nullopt});
    from += std::uint64_t{1} << order;
  }
}

// DIR/NAME, else DIR/NAME.bin, else "" when neither exists.
std::string find_dump(const std::filesystem::path& dir, const std::string& name) {
  for (const std::string& candidate : {(dir / name).string(), (dir / (name + ".bin")).string()}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

// The little-endian u64 words of the zone pfns [real_start_pfn, real_end_pfn) of a page dump.
std::vector<std::uint64_t> read_words(const std::string& path, const ProcSnapshot& snap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size % 8 != 0) {
    throw InputError(fmt::format("{}: size {} is not a multiple of 8", path, size));
  }
  const auto too_short = [&] {
    return InputError(fmt::format("{}: too short for zone {}: {} pfns, the zone ends at pfn {}",
                                  path, snap.zone_name, error ? 0 : size / 8, snap.real_end_pfn));
  };
  if (!error && size > 0 && size / 8 < snap.real_end_pfn) throw too_short();
  const std::uint64_t count = snap.real_end_pfn - snap.real_start_pfn;
  std::vector<unsigned char> bytes(count * 8);
  in.seekg(static_cast<std::streamoff>(snap.real_start_pfn * 8));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uint64_t>(in.gcount()) != bytes.size()) throw too_short();
  std::vector<std::uint64_t> words(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    for (unsigned b = 8; b-- > 0;) words[i] = (words[i] << 8) | bytes[i * 8 + b];
  }
  return words;
}

Migratetype mt_of(std::uint64_t flags) {
  return (flags & (kLru | kAnon)) != 0 ? Migratetype::movable : Migratetype::unmovable;
}

// Walks the zone span page by page and declares what was in use (D37-D39).
class PageClassifier {
public:
  PageClassifier(ProcSnapshot& snap, std::vector<std::uint64_t> flags,
                 std::vector<std::uint64_t> counts, unsigned max_order)
      : snap_(snap), flags_(std::move(flags)), counts_(std::move(counts)), max_order_(max_order) {}

  void run() {
    std::uint64_t pfn = snap_.real_start_pfn;
    while (pfn < snap_.real_end_pfn) {
      const std::uint64_t f = flag(pfn);
      if ((f & kBuddy) != 0) {
        const std::uint64_t size = free_block_pages(pfn);
        snap_.free_pages_found += size;
        pfn += size;
      } else if ((f & (kReserved | kNopage)) != 0) {
        pfn = declare_reserved_run(pfn);
      } else {
        pfn += declare_in_use(pfn, f);
      }
    }
  }

private:
  std::uint64_t flag(std::uint64_t pfn) const { return flags_[pfn - snap_.real_start_pfn]; }
  std::uint64_t count(std::uint64_t pfn) const { return counts_[pfn - snap_.real_start_pfn]; }
  // A page after a free block's head (D37): unmapped, and no flag but BUDDY.
  bool free_follower(std::uint64_t pfn) const {
    return count(pfn) == 0 && (flag(pfn) & ~kBuddy) == 0;
  }
  bool fits(std::uint64_t pfn, unsigned order) const {
    const std::uint64_t size = std::uint64_t{1} << order;
    return order < max_order_ && pfn % size == 0 && pfn + size <= snap_.real_end_pfn;
  }

  // The free block headed by `pfn`: the largest aligned 2^k whose other pages are followers.
  std::uint64_t free_block_pages(std::uint64_t pfn) const {
    unsigned order = 0;
    while (fits(pfn, order + 1)) {
      const std::uint64_t half = std::uint64_t{1} << order;
      bool all_free = true;
      for (std::uint64_t p = pfn + half; p < pfn + 2 * half && all_free; ++p) {
        all_free = free_follower(p);
      }
      if (!all_free) break;
      ++order;
    }
    return std::uint64_t{1} << order;
  }

  // A run of RESERVED / NOPAGE pages: in use for ever, no id (D38). Returns the pfn after it.
  std::uint64_t declare_reserved_run(std::uint64_t pfn) {
    std::uint64_t end = pfn;
    while (end < snap_.real_end_pfn && (flag(end) & kBuddy) == 0 &&
           (flag(end) & (kReserved | kNopage)) != 0) {
      ++end;
    }
    append_aligned(snap_.preallocated, pfn, end, max_order_);
    snap_.reserved_pages += end - pfn;
    return end;
  }

  // An in-use page: a compound page as one block, anything else order 0 (D39). Returns its size.
  std::uint64_t declare_in_use(std::uint64_t pfn, std::uint64_t f) {
    unsigned order = 0;
    if ((f & kCompoundHead) != 0) {
      std::uint64_t end = pfn + 1;
      while (end < snap_.real_end_pfn &&
             (flag(end) & (kCompoundTail | kCompoundHead)) == kCompoundTail) {
        ++end;
      }
      while (fits(pfn, order + 1) && pfn + (std::uint64_t{2} << order) <= end) ++order;
    }
    snap_.preallocated.push_back(PreallocatedBlock{pfn, order, mt_of(f), pfn});
    snap_.in_use_pages += std::uint64_t{1} << order;
    return std::uint64_t{1} << order;
  }

  ProcSnapshot& snap_;
  std::vector<std::uint64_t> flags_, counts_;
  unsigned max_order_;
};

void read_page_dumps(ProcSnapshot& snap, const std::filesystem::path& dir, unsigned max_order) {
  const std::string flags_path = find_dump(dir, "kpageflags");
  if (flags_path.empty()) return;
  const std::string counts_path = find_dump(dir, "kpagecount");
  if (counts_path.empty()) {
    throw InputError(fmt::format("{}: no kpagecount or kpagecount.bin beside it", flags_path));
  }
  snap.has_kpageflags = true;
  PageClassifier(snap, read_words(flags_path, snap), read_words(counts_path, snap), max_order)
      .run();
}

} // namespace

ProcSnapshot read_proc_snapshot(const std::string& dir, unsigned max_order) {
  if (max_order == 0 || max_order > 32) {
    throw InputError(fmt::format("{}: max order {} out of range", dir, max_order));
  }
  std::error_code status;
  if (!std::filesystem::is_directory(dir, status))
    throw InputError(fmt::format("--proc-in {}: {}", dir,
                                 std::filesystem::exists(dir, status)
                                     ? "not a directory (give the directory of the snapshot files)"
                                     : "no such directory"));
  const std::filesystem::path folder(dir);
  const std::string zoneinfo = (folder / "zoneinfo").string();
  const ZoneInfo zone = choose_zone(parse_zoneinfo(zoneinfo), zoneinfo);
  ProcSnapshot snap;
  snap.zone_name = zone.name;
  snap.real_start_pfn = *zone.start_pfn;
  snap.real_end_pfn = *zone.start_pfn + *zone.spanned;
  snap.present = zone.present;
  snap.managed = zone.managed;
  snap.nr_free_pages = zone.nr_free_pages;
  snap.cpus = zone.max_cpu ? static_cast<unsigned>(*zone.max_cpu + 1) : 0;
  snap.pageblock_order = read_pageblock_order((folder / "pagetypeinfo").string(), max_order);
  const std::uint64_t block = std::uint64_t{1} << (max_order - 1);
  snap.start_pfn = snap.real_start_pfn / block * block;
  snap.pages = (snap.real_end_pfn + block - 1) / block * block - snap.start_pfn;
  append_aligned(snap.preallocated, snap.start_pfn, snap.real_start_pfn, max_order);
  read_page_dumps(snap, folder, max_order);
  append_aligned(snap.preallocated, snap.real_end_pfn, snap.start_pfn + snap.pages, max_order);
  return snap;
}

void check_in_snapshot_zone(const ProcSnapshot& snap, const std::string& dir, std::uint64_t pfn,
                            unsigned order, const std::string& where) {
  if (pfn >= snap.real_start_pfn && pfn + (std::uint64_t{1} << order) <= snap.real_end_pfn) return;
  throw InputError(fmt::format(
      "{}: alloc of pfn {:#x} (order {}) lies outside zone {} of the --proc-in snapshot {} (pfn "
      "{:#x}-{:#x}): the snapshot is of another machine, or the trace allocates from another "
      "zone (replay it without --proc-in)",
      where, pfn, order, snap.zone_name, dir, snap.real_start_pfn, snap.real_end_pfn - 1));
}

} // namespace memsim
