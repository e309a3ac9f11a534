// The memory map of the report: every region a row of pageblocks in pfn order. A pageblock is a
// cell whose top band has the colour of its type (docs/spec.md §5 pageblock_map) and whose body
// fills from the bottom with its allocated pages, by requested type (pageblock_allocated), on a
// pale tint of its type; a mixed pageblock's band is striped in the colour of the type mixed in.
// Rows are flagged as held by the region allocator, completely free or in use, carry their start
// pfn, a bar of the region's allocated pages by type, and a pfn axis runs below. Adjacent cells
// drawn alike are one rectangle run; zones with more cells than kMaxMapCells, or maps that would
// take more than kMaxMapRectangles rectangles, are drawn with several pageblocks per cell, and
// the page says so (docs/decisions.md D45).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report/report_input.hpp"

namespace memsim {

inline constexpr std::uint64_t kMaxMapColumns = 256;
inline constexpr std::uint64_t kMaxMapCells = 65536;
inline constexpr std::uint64_t kMaxMapRectangles = 40000; // rectangles drawn per map

struct MapLayout {
  std::uint64_t per_cell = 1; // pageblocks per cell (1: one cell per pageblock)
  std::uint64_t columns = 0;  // cells in the longest row
  std::uint64_t rows = 0;     // regions of the largest run
  double cell_w = 4, cell_h = 10;
  bool dense = false; // rows too thin for a band: occupancy is the cell's opacity
};

// One layout for every run of a report, so that a comparison is drawn on the same scale.
MapLayout memory_map_layout(const std::vector<ReportRun>& runs);
// <svg class="memory-map" data-run="i"> for one run; `legend`: with its own legend below (for a
// standalone file; the page has one HTML legend for all maps).
std::string memory_map_svg(const ReportRun& run, std::size_t run_index, const MapLayout& layout,
                           bool legend = false);
// The fill of a pageblock type letter (u r m v, either case).
std::string_view pageblock_colour(char letter);
// The HTML legend of the maps (types, occupancy, mixed stripes, row flags, usage bar).
std::string memory_map_legend();

} // namespace memsim
