// The /proc and debugfs text files of --proc-out, printed with the kernel's own format strings
// (fmt::sprintf keeps printf semantics): Linux 3.11 mm/vmstat.c, and for the per-region lines
// Bhat's "mm: Memory Power Management" v4 13 (zoneinfo) and v4 14 (pagetypeinfo).
#include "report/proc_files.hpp"

#include <array>
#include <filesystem>
#include <functional>
#include <system_error>

#include <fmt/format.h>
#include <fmt/printf.h>

#include "memsim/error.hpp"
#include "report/output_file.hpp"

namespace memsim {
namespace {

constexpr int kNode = 0;
constexpr const char* kZone = "Normal";

// migratetype_names[] of a 3.11 kernel built with CONFIG_MEMORY_ISOLATION and without
// CONFIG_CMA, as on the patchset's test machine (MIGRATE_TYPES = 5; Isolate is always empty).
// The 3.11 columns of /proc/pagetypeinfo, in the kernel's order (its numbering, at this edge).
constexpr std::array<const char*, 5> kTypeNames = {"Unmovable", "Reclaimable", "Movable", "Reserve",
                                                   "Isolate"};
constexpr std::array<Migratetype, 5> kTypes = {Migratetype::unmovable, Migratetype::reclaimable,
                                               Migratetype::movable, Migratetype::reserve,
                                               Migratetype::isolate};

// printf with the kernel's format string (fmt::sprintf keeps printf semantics).
template <typename... Args> void put(std::ostream& out, const char* format, const Args&... args) {
  out << fmt::sprintf(format, args...);
}

std::uint64_t list_count(const RunStats& stats, std::size_t type, unsigned order) {
  const auto& row = stats.free_area.pagetypeinfo[index_of(kTypes[type])];
  return order < row.size() ? row[order] : 0;
}

std::uint64_t block_count(const RegionSnapshot& region, std::size_t type) {
  return region.pageblocks[index_of(kTypes[type])];
}

std::uint64_t int_sqrt(std::uint64_t x) {
  std::uint64_t r = 0;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

// One line of extfrag_index / unusable_index: "%d.%03d " of the kernel's integer per order.
template <typename Index> void write_index_line(std::ostream& out, const RunStats& stats, Index f) {
  put(out, "Node %d, zone %8s ", kNode, kZone);
  for (unsigned order = 0; order < stats.max_order; ++order) {
    const int index = static_cast<int>(f(order, stats.free_area.buddyinfo));
    put(out, "%d.%03d ", index / 1000, index % 1000);
  }
  out << '\n';
}

void write_free_tables(std::ostream& out, const RunStats& stats, const ZoneDetail& detail) {
  put(out, "%-43s ", "Free pages count per migrate type at order");
  for (unsigned order = 0; order < stats.max_order; ++order) put(out, "%6d ", order);
  out << '\n';
  for (std::size_t t = 0; t < kTypeNames.size(); ++t) {
    put(out, "Node %4d, zone %8s, type %12s ", kNode, kZone, kTypeNames[t]);
    for (unsigned order = 0; order < stats.max_order; ++order)
      put(out, "%6lu ", list_count(stats, t, order));
    out << '\n';
  }
  out << '\n'; // v4 14: pagetypeinfo_showfree_region_print(), every type, every region
  for (std::size_t t = 0; t < kTypeNames.size(); ++t) {
    for (std::uint64_t r = 0; r < detail.regions; ++r) {
      put(out, "Node %4d, zone %8s, R%3d %12s ", kNode, kZone, r, kTypeNames[t]);
      for (unsigned order = 0; order < stats.max_order; ++order) {
        const std::uint64_t n = detail.free_blocks(r, kTypes[t], order);
        put(out, "%6lu ", n);
      }
      out << '\n';
    }
  }
}

void write_block_tables(std::ostream& out, const RunStats& stats) {
  put(out, "\n%-23s", "Number of blocks type      "); // v4 14 widened the label
  for (const char* name : kTypeNames) put(out, "%12s ", name);
  out << '\n';
  std::array<std::uint64_t, kTypeNames.size()> zone_counts{};
  for (const RegionSnapshot& region : stats.regions)
    for (std::size_t t = 0; t < kTypeNames.size(); ++t) zone_counts[t] += block_count(region, t);
  put(out, "Node %d, zone %8s      ", kNode, kZone);
  for (const std::uint64_t n : zone_counts) put(out, "%12lu ", n);
  out << '\n';
  out << '\n'; // v4 14: pagetypeinfo_showblockcount_region_print()
  for (const RegionSnapshot& region : stats.regions) {
    put(out, "Node %d, zone %8s R%3d ", kNode, kZone, region.index);
    for (std::size_t t = 0; t < kTypeNames.size(); ++t) put(out, "%12lu ", block_count(region, t));
    out << '\n';
  }
}

void write_file(const std::filesystem::path& path, const std::function<void(std::ostream&)>& fill) {
  OutputFile file(path.string());
  fill(file.stream());
  file.commit();
}

} // namespace

void write_buddyinfo(std::ostream& out, const RunStats& stats) {
  put(out, "Node %d, zone %8s ", kNode, kZone);
  for (const std::uint64_t n : stats.free_area.buddyinfo) put(out, "%6lu ", n);
  out << '\n';
}

void write_pagetypeinfo(std::ostream& out, const RunStats& stats, const ZoneDetail& detail) {
  put(out, "Page block order: %d\n", stats.pageblock_order);
  put(out, "Pages per block:  %lu\n", std::uint64_t{1} << stats.pageblock_order);
  out << '\n';
  write_free_tables(out, stats, detail);
  write_block_tables(out, stats);
}

void write_zoneinfo(std::ostream& out, const RunStats& stats, const ZoneDetail& detail) {
  const std::uint64_t min = detail.min_wmark;
  put(out, "Node %d, zone %8s", kNode, kZone);
  put(out,
      "\n  pages free     %lu"
      "\n        min      %lu"
      "\n        low      %lu"
      "\n        high     %lu"
      "\n        scanned  %lu"
      "\n        spanned  %lu"
      "\n        present  %lu"
      "\n        managed  %lu",
      stats.free_pages, min, min + (min >> 2), min + (min >> 1), 0, stats.zone_pages,
      stats.zone_pages, stats.zone_pages);
  put(out, "\n\nPer-region page stats\t present\t free\n\n"); // v4 13
  for (const RegionSnapshot& region : stats.regions)
    put(out, "\tRegion %6d \t %6lu \t %6lu\n", region.index, region.pages, region.free_pages);
  put(out, "\n    %-12s %lu", "nr_free_pages", stats.free_pages);
  put(out, "\n  pagesets");
  for (std::size_t cpu = 0; cpu < detail.pcp_count.size(); ++cpu) {
    put(out,
        "\n    cpu: %i"
        "\n              count: %i"
        "\n              high:  %i"
        "\n              batch: %i",
        cpu, detail.pcp_count[cpu], detail.pcp_high, detail.pcp_batch);
  }
  // calculate_zone_inactive_ratio(): int_sqrt(10 * gigabytes), at least 1.
  const std::uint64_t gb = stats.zone_pages * stats.page_size >> 30;
  put(out,
      "\n  all_unreclaimable: %u"
      "\n  start_pfn:         %lu"
      "\n  inactive_ratio:    %u",
      0, stats.start_pfn, gb != 0 ? int_sqrt(10 * gb) : 1);
  out << '\n';
}

void write_extfrag_index(std::ostream& out, const RunStats& stats) {
  write_index_line(out, stats, fragmentation_index);
}

void write_unusable_index(std::ostream& out, const RunStats& stats) {
  write_index_line(out, stats, unusable_free_index);
}

void create_proc_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    throw InputError(fmt::format("{}: cannot create directory: {}", dir,
                                 error ? error.message() : "a file of that name exists"));
  }
}

void write_proc_files(const std::string& dir, const RunStats& stats, const ZoneDetail& detail) {
  create_proc_dir(dir);
  const std::filesystem::path base(dir);
  write_file(base / "buddyinfo", [&](std::ostream& out) { write_buddyinfo(out, stats); });
  write_file(base / "pagetypeinfo",
             [&](std::ostream& out) { write_pagetypeinfo(out, stats, detail); });
  write_file(base / "zoneinfo", [&](std::ostream& out) { write_zoneinfo(out, stats, detail); });
  write_file(base / "extfrag_index", [&](std::ostream& out) { write_extfrag_index(out, stats); });
  write_file(base / "unusable_index", [&](std::ostream& out) { write_unusable_index(out, stats); });
}

} // namespace memsim
