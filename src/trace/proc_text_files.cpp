// The text files of a /proc snapshot (proc_snapshot.hpp), as mm/vmstat.c prints them:
// zoneinfo_show_print() (watermarks, span, counters, then per CPU "cpu: N" with count / high /
// batch, and high_min / high_max since 6.13), pagetypeinfo_showblockitmtype() ("Page block
// order: N", "Number of blocks type" with one column per migratetype), frag_show_print()
// (buddyinfo), and /proc/version or `uname -r` text.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/kernel_generation.hpp"
#include "trace/proc_snapshot.hpp"

namespace memsim {
namespace {

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

// Calls `line(number, text)` for every line of the file.
template <typename Line> void for_each_line(const std::string& path, Line&& line) {
  const std::string text = read_text(path);
  std::istringstream in(text);
  std::string raw;
  for (std::size_t number = 1; std::getline(in, raw); ++number) line(number, trim(raw));
}

// "Node N, zone NAME[, type ...] rest": node, name and the text after the name.
struct NodeZone {
  unsigned node = 0;
  std::string name;
  std::string_view rest;
};
std::optional<NodeZone> parse_node_zone(std::string_view line, const std::string& where) {
  if (!line.starts_with("Node ")) return std::nullopt;
  const auto comma = line.find(',');
  const auto zone = line.find("zone", comma == std::string_view::npos ? 0 : comma);
  if (comma == std::string_view::npos || zone == std::string_view::npos)
    throw InputError(fmt::format("{}: expected 'Node N, zone NAME'", where));
  NodeZone out;
  out.node = static_cast<unsigned>(parse_number(trim(line.substr(5, comma - 5)), where));
  auto [name, rest] = split_token(line.substr(zone + 4));
  if (!name.empty() && name.back() == ',') name.remove_suffix(1);
  out.name = std::string(name);
  out.rest = rest;
  return out;
}

// One line of a zone's block; `in_pagesets` after its "pagesets" line.
void parse_zone_line(ZoneInfo& zone, std::string_view line, bool& in_pagesets,
                     const std::string& where) {
  auto [key, rest] = split_token(line);
  const bool colon = !key.empty() && key.back() == ':';
  if (colon) key.remove_suffix(1);
  const std::string_view value = split_token(rest).first;
  if (key == "pagesets") in_pagesets = true;
  if (key == "start_pfn") zone.start_pfn = parse_number(value, where);
  if (!in_pagesets && !colon) {
    if (key == "spanned") zone.spanned = parse_number(value, where);
    if (key == "present") zone.present = parse_number(value, where);
    if (key == "managed") zone.managed = parse_number(value, where);
    if (key == "nr_free_pages") zone.nr_free_pages = parse_number(value, where);
    if (key == "min") zone.min = parse_number(value, where);
    if (key == "low") zone.low = parse_number(value, where);
    if (key == "high") zone.high = parse_number(value, where);
    return;
  }
  if (!in_pagesets || !colon) return;
  if (key == "cpu") {
    zone.pagesets.emplace_back().cpu = static_cast<unsigned>(parse_number(value, where));
    return;
  }
  if (zone.pagesets.empty()) return;
  ZonePageset& set = zone.pagesets.back();
  if (key == "count") set.count = parse_number(value, where);
  if (key == "high") set.high = parse_number(value, where);
  if (key == "batch") set.batch = parse_number(value, where);
  if (key == "high_min") set.high_min = parse_number(value, where);
  if (key == "high_max") set.high_max = parse_number(value, where);
}

std::vector<ZoneInfo> parse_zoneinfo(const std::string& path) {
  std::vector<ZoneInfo> zones;
  bool in_pagesets = false;
  for_each_line(path, [&](std::size_t line, std::string_view content) {
    const std::string where = fmt::format("{}:{}", path, line);
    if (const auto head = parse_node_zone(content, where)) {
      ZoneInfo& added = zones.emplace_back();
      added.node = head->node;
      added.name = head->name;
      added.line = line;
      in_pagesets = false;
    } else if (!zones.empty()) {
      parse_zone_line(zones.back(), content, in_pagesets, where);
    }
  });
  return zones;
}

std::optional<Migratetype> column_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Migratetype>, 7> kColumns{{
      {"Unmovable", Migratetype::unmovable},
      {"Reclaimable", Migratetype::reclaimable},
      {"Movable", Migratetype::movable},
      {"Reserve", Migratetype::reserve},
      {"HighAtomic", Migratetype::highatomic},
      {"CMA", Migratetype::cma},
      {"Isolate", Migratetype::isolate},
  }};
  for (const auto& [column, mt] : kColumns)
    if (column == name) return mt;
  return std::nullopt;
}

PagetypeInfo parse_pagetypeinfo(const std::string& path, unsigned max_order) {
  PagetypeInfo out;
  bool have_order = false;
  std::vector<std::optional<Migratetype>> columns; // while in the "Number of blocks" table
  for_each_line(path, [&](std::size_t line, std::string_view content) {
    const std::string where = fmt::format("{}:{}", path, line);
    constexpr std::string_view kOrder = "Page block order:";
    constexpr std::string_view kBlocks = "Number of blocks type";
    if (content.starts_with(kOrder)) {
      const std::uint64_t order = parse_number(trim(content.substr(kOrder.size())), where);
      if (order >= max_order)
        throw InputError(fmt::format("{}: page block order {} is not below max order {}", where,
                                     order, max_order));
      out.pageblock_order = static_cast<unsigned>(order);
      have_order = true;
    } else if (content.starts_with(kBlocks)) {
      columns.clear();
      for (std::string_view rest = content.substr(kBlocks.size()); !trim(rest).empty();) {
        const auto [name, after] = split_token(rest);
        columns.push_back(column_type(name));
        out.cma = out.cma || name == "CMA";
        rest = after;
      }
    } else if (const auto row = columns.empty() ? std::nullopt : parse_node_zone(content, where)) {
      auto& counts = out.blocks[{row->node, row->name}];
      std::string_view rest = row->rest;
      for (const auto& column : columns) {
        const auto [token, after] = split_token(rest);
        const std::uint64_t count = parse_number(token, where);
        if (column) counts[*column] = count;
        rest = after;
      }
    } else {
      columns.clear();
    }
  });
  if (!have_order) throw InputError(fmt::format("{}: no 'Page block order:' line", path));
  return out;
}

BuddyInfo parse_buddyinfo(const std::string& path) {
  BuddyInfo out;
  for_each_line(path, [&](std::size_t line, std::string_view content) {
    const std::string where = fmt::format("{}:{}", path, line);
    const auto row = parse_node_zone(content, where);
    if (!row) return;
    auto& counts = out[{row->node, row->name}];
    for (std::string_view rest = row->rest; !trim(rest).empty();) {
      const auto [token, after] = split_token(rest);
      counts.push_back(parse_number(token, where));
      rest = after;
    }
  });
  return out;
}

} // namespace

ProcFiles read_proc_files(const std::string& dir, unsigned max_order) {
  if (max_order == 0 || max_order > 32)
    throw InputError(fmt::format("{}: max order {} out of range", dir, max_order));
  std::error_code status;
  if (!std::filesystem::is_directory(dir, status))
    throw InputError(fmt::format("--proc-in {}: {}", dir,
                                 std::filesystem::exists(dir, status)
                                     ? "not a directory (give the directory of the snapshot files)"
                                     : "no such directory"));
  const std::filesystem::path folder(dir);
  ProcFiles files;
  files.dir = dir;
  files.zones = parse_zoneinfo((folder / "zoneinfo").string());
  files.pagetypes = parse_pagetypeinfo((folder / "pagetypeinfo").string(), max_order);
  const std::string buddyinfo = (folder / "buddyinfo").string();
  if (std::filesystem::exists(buddyinfo)) files.buddyinfo = parse_buddyinfo(buddyinfo);
  const std::string version = (folder / "version").string();
  if (std::filesystem::exists(version))
    files.kernel = trace::parse_kernel_version(read_text(version));
  return files;
}

const ZoneInfo& zone_named(const ProcFiles& files, const std::string& name) {
  const auto colon = name.find(':');
  for (const ZoneInfo& zone : files.zones) {
    const bool match = colon == std::string::npos
                           ? zone.name == name
                           : fmt::format("{}:{}", zone.node, zone.name) == name;
    if (match && zone.present > 0) return zone;
  }
  std::string names;
  for (const ZoneInfo& zone : files.zones) {
    if (zone.present == 0) continue;
    names += (names.empty() ? "" : ", ") + zone.name;
  }
  throw InputError(fmt::format("{}: no zone {} with present pages (zones: {})",
                               (std::filesystem::path(files.dir) / "zoneinfo").string(), name,
                               names.empty() ? "none" : names));
}

void check_zone_span(const ZoneInfo& zone, const std::string& path) {
  for (const auto& [field, value] :
       {std::pair{"start_pfn", zone.start_pfn}, std::pair{"spanned", zone.spanned}}) {
    if (!value)
      throw InputError(
          fmt::format("{}:{}: zone {} has no {} line", path, zone.line, zone.name, field));
  }
  constexpr std::uint64_t kPfnLimit = std::uint64_t{1} << 52; // 2^64 bytes of 4 KiB pages
  if (*zone.spanned < zone.present || *zone.start_pfn >= kPfnLimit || *zone.spanned >= kPfnLimit)
    throw InputError(
        fmt::format("{}:{}: zone {} has an impossible span", path, zone.line, zone.name));
  constexpr std::uint64_t kMaxZonePages = 0xffffffff; // what memsim simulates (32-bit indices)
  if (*zone.spanned > kMaxZonePages)
    throw InputError(fmt::format("{}:{}: zone {} spans {} pages, more than memsim simulates ({})",
                                 path, zone.line, zone.name, *zone.spanned, kMaxZonePages));
}

} // namespace memsim
