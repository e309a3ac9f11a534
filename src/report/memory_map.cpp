// Drawing the memory map of report/memory_map.hpp as inline SVG. A row is one region: a flag
// (region allocator / free / used), the pageblock cells run-length merged, and a bar of the
// region's allocated pages by requested type. Every element carries a <title> for hover.
#include "report/memory_map.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {
namespace {

constexpr double kLabelW = 40, kFlagW = 9, kCellsX = 54, kBarGap = 10, kBarW = 90;
constexpr std::array<const char*, 4> kTypeNames = {"unmovable", "reclaimable", "movable",
                                                   "reserve"};
constexpr std::array<const char*, 3> kAllocColours = {"#e15759", "#f2a93b", "#4e79a7"};

int type_of(char letter) {
  switch (std::tolower(static_cast<unsigned char>(letter))) {
  case 'u':
    return 0;
  case 'r':
    return 1;
  case 'm':
    return 2;
  default:
    return 3;
  }
}

// What one cell stands for: pageblocks per type and how many of them are mixed.
struct Cell {
  std::array<std::uint64_t, 4> types{};
  std::uint64_t mixed = 0;
  bool operator==(const Cell&) const = default;
  int majority() const {
    return static_cast<int>(std::max_element(types.begin(), types.end()) - types.begin());
  }
};

std::vector<Cell> cells_of(const std::string& map, std::uint64_t per_cell) {
  std::vector<Cell> cells((map.size() + per_cell - 1) / per_cell);
  for (std::size_t i = 0; i < map.size(); ++i) {
    Cell& cell = cells[i / per_cell];
    ++cell.types[static_cast<std::size_t>(type_of(map[i]))];
    if (std::isupper(static_cast<unsigned char>(map[i]))) ++cell.mixed;
  }
  return cells;
}

// The rectangles a map takes at `per_cell` pageblocks a cell: one per run of equal cells.
std::uint64_t map_rectangles(const std::vector<ReportRun>& runs, std::uint64_t per_cell) {
  std::uint64_t most = 0;
  for (const ReportRun& run : runs) {
    std::uint64_t n = 0;
    for (const ReportRegion& region : run.region_list) {
      const std::vector<Cell> cells = cells_of(region.pageblock_map, per_cell);
      for (std::size_t i = 0; i < cells.size(); ++i) n += i == 0 || !(cells[i] == cells[i - 1]);
    }
    most = std::max(most, n);
  }
  return most;
}

std::string composition(const Cell& cell) {
  std::string out;
  for (std::size_t t = 0; t < cell.types.size(); ++t) {
    if (cell.types[t] == 0) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kTypeNames[t], cell.types[t]);
  }
  if (cell.mixed != 0) out += fmt::format("; {} mixed", cell.mixed);
  return out;
}

struct RowGeometry {
  double y = 0;
  std::uint64_t pageblock_pages = 1;
  std::size_t run_index = 0;
};

// The cells of one region, merged into runs of equal cells.
void draw_cells(std::string& out, const ReportRegion& region, const MapLayout& layout,
                const RowGeometry& row) {
  const std::vector<Cell> cells = cells_of(region.pageblock_map, layout.per_cell);
  std::size_t i = 0;
  while (i < cells.size()) {
    std::size_t j = i + 1;
    while (j < cells.size() && cells[j] == cells[i]) ++j;
    const Cell& cell = cells[i];
    const std::uint64_t first = i * layout.per_cell;
    const std::uint64_t last =
        std::min<std::uint64_t>(j * layout.per_cell, region.pageblock_map.size()) - 1;
    const std::uint64_t pfn = region.start_pfn + first * row.pageblock_pages;
    const std::uint64_t pfn_end = region.start_pfn + (last + 1) * row.pageblock_pages - 1;
    const std::string what =
        layout.per_cell == 1
            ? fmt::format("{}{}", kTypeNames[static_cast<std::size_t>(cell.majority())],
                          cell.mixed != 0 ? " (mixed)" : "")
            : fmt::format("{} in each cell of {} pageblocks", composition(cell), layout.per_cell);
    const double x = kCellsX + static_cast<double>(i) * layout.cell_w;
    const double w = static_cast<double>(j - i) * layout.cell_w;
    const char letter = "urmv"[cell.majority()];
    out += fmt::format(R"(<rect class="pb{}" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" )"
                       R"(fill="{}"><title>R{} pageblocks {}-{} (pfn {}-{}): {}</title></rect>)",
                       cell.mixed != 0 ? " mixed" : "", x, row.y, w, layout.cell_h,
                       pageblock_colour(letter), region.index, first, last, pfn, pfn_end, what);
    if (cell.mixed != 0) {
      out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" )"
                         R"svg(fill="url(#hatch-{})" pointer-events="none"/>)svg",
                         x, row.y, w, layout.cell_h, row.run_index);
    }
    i = j;
  }
}

void draw_flag(std::string& out, const ReportRegion& region, const RowGeometry& row,
               const MapLayout& layout, bool label) {
  const bool free = region.free_pages == region.pages;
  const char* state = region.in_region_allocator ? "ra" : free ? "free" : "used";
  const char* colour = region.in_region_allocator ? "#b07aa1" : free ? "#59a14f" : "#bab0ac";
  const std::uint64_t allocated = region.allocated[0] + region.allocated[1] + region.allocated[2];
  out += fmt::format(
      R"(<rect class="region-flag {}" x="{}" y="{:.2f}" width="{}" height="{:.2f}" fill="{}">)"
      R"(<title>R{}: pfn {}-{}, {} pages; free {}, per-CPU {}, allocated {} (unmovable {}, )"
      R"(reclaimable {}, movable {}); homogeneity {}; {} mixed pageblocks{}</title></rect>)",
      state, kLabelW + 2, row.y, kFlagW, layout.cell_h, colour, region.index, region.start_pfn,
      region.start_pfn + region.pages - 1, format_count(region.pages),
      format_count(region.free_pages), format_count(region.pcp_pages), format_count(allocated),
      format_count(region.allocated[0]), format_count(region.allocated[1]),
      format_count(region.allocated[2]), format_fraction(region.homogeneity),
      region.mixed_pageblocks,
      region.in_region_allocator ? "; held by the region allocator"
      : free                     ? "; completely free"
                                 : "");
  if (label) {
    out += fmt::format(R"(<text x="{}" y="{:.2f}" text-anchor="end" class="row-label">R{}</text>)",
                       kLabelW - 2, row.y + layout.cell_h / 2 + 3.5, region.index);
  }
}

void draw_usage(std::string& out, const ReportRegion& region, const RowGeometry& row,
                const MapLayout& layout) {
  double x = kCellsX + static_cast<double>(layout.columns) * layout.cell_w + kBarGap;
  out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{}" height="{:.2f}" fill="#f1f1f1"/>)",
                     x, row.y, kBarW, layout.cell_h);
  for (std::size_t t = 0; t < 3; ++t) {
    if (region.allocated[t] == 0 || region.pages == 0) continue;
    const double w =
        kBarW * static_cast<double>(region.allocated[t]) / static_cast<double>(region.pages);
    out += fmt::format(
        R"(<rect class="usage" x="{:.2f}" y="{:.2f}" width="{:.2f}" )"
        R"(height="{:.2f}" fill="{}"><title>R{}: {} {} pages allocated ({:.1f}%)</title></rect>)",
        x, row.y, w, layout.cell_h, kAllocColours[t], region.index,
        format_count(region.allocated[t]), kTypeNames[t],
        100.0 * static_cast<double>(region.allocated[t]) / static_cast<double>(region.pages));
    x += w;
  }
}

} // namespace

std::string_view pageblock_colour(char letter) {
  static constexpr std::array<std::string_view, 4> colours = {"#e15759", "#f2a93b", "#4e79a7",
                                                              "#9c755f"};
  return colours[static_cast<std::size_t>(type_of(letter))];
}

MapLayout memory_map_layout(const std::vector<ReportRun>& runs) {
  MapLayout layout;
  std::uint64_t longest = 1;
  for (const ReportRun& run : runs) {
    layout.rows = std::max<std::uint64_t>(layout.rows, run.region_list.size());
    for (const ReportRegion& region : run.region_list)
      longest = std::max<std::uint64_t>(longest, region.pageblock_map.size());
  }
  const std::uint64_t rows = std::max<std::uint64_t>(layout.rows, 1);
  const std::uint64_t max_columns =
      std::max<std::uint64_t>(16, std::min(kMaxMapColumns, kMaxMapCells / rows));
  while ((longest + layout.per_cell - 1) / layout.per_cell > max_columns) layout.per_cell *= 2;
  // Keep the file small when pageblock types alternate: coarser cells merge again.
  while (layout.per_cell < longest && map_rectangles(runs, layout.per_cell) > kMaxMapRectangles)
    layout.per_cell *= 2;
  layout.columns = (longest + layout.per_cell - 1) / layout.per_cell;
  layout.cell_w = std::clamp(480.0 / static_cast<double>(layout.columns), 1.5, 40.0);
  layout.cell_h = std::clamp(640.0 / static_cast<double>(rows), 2.0, 16.0);
  return layout;
}

std::string memory_map_svg(const ReportRun& run, std::size_t run_index, const MapLayout& layout) {
  const double pitch = layout.cell_h + (layout.cell_h >= 6 ? 1.0 : 0.0);
  const double width =
      kCellsX + static_cast<double>(layout.columns) * layout.cell_w + kBarGap + kBarW + 4;
  const double height = pitch * static_cast<double>(run.region_list.size()) + 2;
  // Row labels at least 11 px apart.
  const std::uint64_t label_every =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(11.0 / pitch)));
  std::string out = fmt::format(
      R"(<svg class="memory-map" data-run="{}" xmlns="http://www.w3.org/2000/svg" width="{:.0f}" )"
      R"(height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}" role="img">)"
      R"(<defs><pattern id="hatch-{}" width="4" height="4" patternUnits="userSpaceOnUse" )"
      R"svg(patternTransform="rotate(45)"><rect width="1.6" height="4" fill="#000" )svg"
      R"(fill-opacity="0.6"/></pattern></defs>)",
      run_index, width, height, width, height, run_index);
  const std::uint64_t pageblock_pages = std::uint64_t{1} << run.pageblock_order;
  for (std::size_t r = 0; r < run.region_list.size(); ++r) {
    const ReportRegion& region = run.region_list[r];
    const RowGeometry row{1 + pitch * static_cast<double>(r), pageblock_pages, run_index};
    const bool free = region.free_pages == region.pages;
    out += fmt::format(R"(<g class="region" data-region="{}"{}>)", region.index,
                       free ? R"( opacity="0.45")" : "");
    draw_cells(out, region, layout, row);
    out += "</g>";
    draw_flag(out, region, row, layout, r % label_every == 0);
    draw_usage(out, region, row, layout);
  }
  out += "</svg>";
  return out;
}

std::string memory_map_legend() {
  std::string out = R"(<div class="legend">)";
  for (const char letter : std::string_view("urmv")) {
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)", pageblock_colour(letter),
                       kTypeNames[static_cast<std::size_t>(type_of(letter))]);
  }
  out += R"(<span><i class="hatch"></i>mixed pageblock (holds pages of another type)</span>)";
  out += R"(<span><i style="background:#b07aa1"></i>region held by the region allocator</span>)";
  out += R"(<span><i style="background:#59a14f"></i>completely free region (faded)</span>)";
  out += R"(<span><i style="background:#bab0ac"></i>region in use</span>)";
  out += R"(<span>right bar: allocated pages by requested type )";
  for (std::size_t t = 0; t < 3; ++t)
    out += fmt::format(R"(<i style="background:{}"></i>)", kAllocColours[t]);
  out += "</span></div>";
  return out;
}

} // namespace memsim
