// The pieces of the memory map (report/memory_map.hpp) shared by its two files: the row
// geometry, a run of cells as drawn (memory_map_legend.cpp: draw_run), the stripes' patterns,
// the pfn axis and the legends. Internal to report/.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "report/memory_map.hpp"

namespace memsim::map {

inline constexpr std::array<const char*, 4> kTypeNames = {"unmovable", "reclaimable", "movable",
                                                          "reserve"};
inline constexpr double kFlagX = 88, kFlagW = 9, kCellsX = 102, kBarGap = 12, kBarW = 90;
inline constexpr double kLegendHeight = 90, kLegendWidth = 780;
inline constexpr double kCaptionHeight = 20; // a standalone map's title

// u r m v (either case) -> 0..3.
int type_of(char letter);
// The band at the top of a cell and the body below it (band mode).
double band_height(const MapLayout& layout);
double body_height(const MapLayout& layout);
inline double usage_x(const MapLayout& layout) {
  return kCellsX + static_cast<double>(layout.columns) * layout.cell_w + kBarGap;
}
const char* flag_colour(std::string_view state); // "ra", "free", "used"

struct Row {
  double y = 0;
  std::uint64_t pageblock_pages = 1;
  std::size_t run_index = 0;
};

// The pageblocks [first, last] of a region and where their cells are.
struct Span {
  std::uint64_t first = 0, last = 0, pfn = 0, pfn_end = 0;
  double x = 0, w = 0;
};

// A run of cells as drawn: the type, the type mixed in most (-1: none or unknown), whether the
// occupancy is known, and its segments (band mode: unmovable, reclaimable, movable heights in
// half pixels; dense mode: [0] the occupancy level 0..4).
struct RunLook {
  int type = 0, intruder = -1;
  bool mixed = false, known = false;
  std::array<int, 3> heights{};
  bool operator==(const RunLook&) const = default;
};

void draw_run(std::string& out, const RunLook& look, const Span& span, const Row& row,
              const MapLayout& layout, const std::string& title);
// <defs> with the stripes of run `run_index`: one pattern per type mixed in, and one for unknown.
std::string hatch_patterns(std::size_t run_index);
// The axis of pfn offsets within a region under the rows, starting at `y`.
std::string pfn_axis(const ReportRun& run, const MapLayout& layout, double y);
// The map's own legend (standalone SVG), starting at `y`.
std::string svg_legend(double y, std::size_t run_index);

} // namespace memsim::map
