// Drawing the memory map of report/memory_map.hpp as inline SVG. A row is one region: its label
// and start pfn, a flag (region allocator / free / used), the pageblock cells in runs of cells
// drawn alike, and a bar of the region's allocated pages by requested type. Every element
// carries a <title> for hover. The legends and the pfn axis are in memory_map_legend.cpp.
#include "report/memory_map.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/memory_map_parts.hpp"

namespace memsim {
namespace {

using map::kTypeNames;
using map::type_of;

// What one cell stands for: pageblocks per type, how many are mixed, pages allocated by type.
struct Cell {
  std::array<std::uint64_t, 4> types{};
  std::uint64_t mixed = 0, pages = 0;
  std::array<std::uint64_t, 3> allocated{};
  bool known = false; // pageblock_allocated was in the stats
  int majority() const {
    return static_cast<int>(std::max_element(types.begin(), types.end()) - types.begin());
  }
  // The type mixed in the most (for the stripes' colour), or -1.
  int intruder() const {
    int best = -1;
    for (int t = 0; t < 3; ++t)
      if (t != majority() && allocated[static_cast<std::size_t>(t)] != 0 &&
          (best < 0 ||
           allocated[static_cast<std::size_t>(t)] > allocated[static_cast<std::size_t>(best)]))
        best = t;
    return best;
  }
};

std::vector<Cell> cells_of(const ReportRegion& region, std::uint64_t per_cell,
                           std::uint64_t pageblock_pages) {
  const std::string& map = region.pageblock_map;
  std::vector<Cell> cells((map.size() + per_cell - 1) / per_cell);
  const bool known = region.pageblock_allocated.size() == map.size();
  for (std::size_t i = 0; i < map.size(); ++i) {
    Cell& cell = cells[i / per_cell];
    ++cell.types[static_cast<std::size_t>(type_of(map[i]))];
    if (std::isupper(static_cast<unsigned char>(map[i]))) ++cell.mixed;
    cell.pages += pageblock_pages;
    cell.known = known;
    if (known)
      for (std::size_t t = 0; t < 3; ++t) cell.allocated[t] += region.pageblock_allocated[i][t];
  }
  return cells;
}

// How a cell is drawn, in pixels: cells that look alike are merged into one run.
map::RunLook look_of(const Cell& cell, const MapLayout& layout) {
  map::RunLook look{cell.majority(), cell.intruder(), cell.mixed != 0, cell.known, {}};
  if (!cell.known || cell.pages == 0) return look;
  const auto share = [&](std::uint64_t n) {
    return static_cast<double>(n) / static_cast<double>(cell.pages);
  };
  if (layout.dense) {
    const double used = share(cell.allocated[0] + cell.allocated[1] + cell.allocated[2]);
    look.heights[0] = used == 0 ? 0 : static_cast<int>(std::ceil(used * 4)); // levels 1..4
    return look;
  }
  const double area = map::body_height(layout);
  for (std::size_t t = 0; t < 3; ++t)
    look.heights[t] = static_cast<int>(std::lround(share(cell.allocated[t]) * area * 2));
  return look;
}

std::uint64_t map_rectangles(const std::vector<ReportRun>& runs, const MapLayout& layout) {
  std::uint64_t most = 0;
  for (const ReportRun& run : runs) {
    std::uint64_t n = 0;
    const std::uint64_t pb_pages = std::uint64_t{1} << run.pageblock_order;
    for (const ReportRegion& region : run.region_list) {
      const std::vector<Cell> cells = cells_of(region, layout.per_cell, pb_pages);
      for (std::size_t i = 0; i < cells.size(); ++i)
        n += i == 0 || !(look_of(cells[i], layout) == look_of(cells[i - 1], layout));
    }
    most = std::max(most, n);
  }
  return most * (layout.dense ? 2 : 6); // background, band, three segments, stripes
}

std::string composition(const Cell& cell) {
  std::string types;
  for (std::size_t t = 0; t < cell.types.size(); ++t) {
    if (cell.types[t] == 0) continue;
    types += fmt::format("{}{} {}", types.empty() ? "" : ", ", kTypeNames[t], cell.types[t]);
  }
  return types;
}

// The hover text of a run of cells [first, last] pageblocks.
std::string cell_title(const ReportRegion& region, const Cell& total, const MapLayout& layout,
                       const map::Span& span) {
  const std::uint64_t cells = (span.last - span.first) / layout.per_cell + 1;
  std::string out = fmt::format("R{} pageblock{} {}{} (pfn {}-{}): ", region.index,
                                span.first == span.last ? "" : "s", span.first,
                                span.first == span.last ? "" : fmt::format("-{}", span.last),
                                format_pfn(span.pfn), format_pfn(span.pfn_end));
  const int type = total.majority();
  out += layout.per_cell == 1
             ? fmt::format("{} pageblock{}", kTypeNames[static_cast<std::size_t>(type)],
                           span.first == span.last ? "" : "s")
             : fmt::format("{} in {} cell{} of {} pageblocks", composition(total), cells,
                           cells == 1 ? "" : "s", layout.per_cell);
  if (total.known) {
    const std::uint64_t used = total.allocated[0] + total.allocated[1] + total.allocated[2];
    out += fmt::format("; {} of {} pages allocated ({:.0f}%)", format_count(used),
                       format_count(total.pages),
                       100.0 * static_cast<double>(used) / static_cast<double>(total.pages));
    for (std::size_t t = 0; t < 3; ++t)
      if (total.allocated[t] != 0)
        out += fmt::format(", {} {}", kTypeNames[t], format_count(total.allocated[t]));
  }
  if (total.mixed != 0) {
    out += fmt::format("; {} mixed", total.mixed);
    if (total.intruder() >= 0)
      out +=
          fmt::format(" (holds {} pages)", kTypeNames[static_cast<std::size_t>(total.intruder())]);
  }
  return out;
}

void draw_cells(std::string& out, const ReportRegion& region, const MapLayout& layout,
                const map::Row& row) {
  const std::vector<Cell> cells = cells_of(region, layout.per_cell, row.pageblock_pages);
  std::size_t i = 0;
  while (i < cells.size()) {
    const map::RunLook look = look_of(cells[i], layout);
    std::size_t j = i + 1;
    Cell total = cells[i];
    while (j < cells.size() && look_of(cells[j], layout) == look) {
      for (std::size_t t = 0; t < 4; ++t) total.types[t] += cells[j].types[t];
      for (std::size_t t = 0; t < 3; ++t) total.allocated[t] += cells[j].allocated[t];
      total.mixed += cells[j].mixed;
      total.pages += cells[j].pages;
      ++j;
    }
    map::Span span;
    span.first = i * layout.per_cell;
    span.last = std::min<std::uint64_t>(j * layout.per_cell, region.pageblock_map.size()) - 1;
    span.pfn = region.start_pfn + span.first * row.pageblock_pages;
    span.pfn_end = region.start_pfn + (span.last + 1) * row.pageblock_pages - 1;
    span.x = map::kCellsX + static_cast<double>(i) * layout.cell_w;
    span.w = static_cast<double>(j - i) * layout.cell_w;
    map::draw_run(out, look, span, row, layout, cell_title(region, total, layout, span));
    i = j;
  }
}

void draw_flag(std::string& out, const ReportRegion& region, const map::Row& row,
               const MapLayout& layout, bool label) {
  const bool free = region.free_pages == region.pages;
  const char* state = region.in_region_allocator ? "ra" : free ? "free" : "used";
  const std::uint64_t allocated = region.allocated[0] + region.allocated[1] + region.allocated[2];
  out += fmt::format(
      R"(<rect class="region-flag {}" x="{}" y="{:.2f}" width="{}" height="{:.2f}" fill="{}">)"
      R"(<title>R{}: pfn {}-{}, {} pages; free {}, per-CPU {}, allocated {} (unmovable {}, )"
      R"(reclaimable {}, movable {}); homogeneity {}; {} mixed pageblocks{}</title></rect>)",
      state, map::kFlagX, row.y, map::kFlagW, layout.cell_h, map::flag_colour(state), region.index,
      format_pfn(region.start_pfn), format_pfn(region.start_pfn + region.pages - 1),
      format_count(region.pages), format_count(region.free_pages), format_count(region.pcp_pages),
      format_count(allocated), format_count(region.allocated[0]), format_count(region.allocated[1]),
      format_count(region.allocated[2]), format_percent_cell(region.homogeneity),
      region.mixed_pageblocks,
      region.in_region_allocator ? "; held by the region allocator"
      : free                     ? "; completely free"
                                 : "");
  if (label) {
    out += fmt::format(R"(<text x="{}" y="{:.2f}" text-anchor="end" class="row-label">R{} )"
                       R"(<tspan class="pfn">{}</tspan></text>)",
                       map::kFlagX - 4, row.y + std::min(layout.cell_h, 14.0) / 2 + 3.5,
                       region.index, format_pfn(region.start_pfn));
  }
}

void draw_usage(std::string& out, const ReportRegion& region, const map::Row& row,
                const MapLayout& layout) {
  double x = map::usage_x(layout);
  out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{}" height="{:.2f}" fill="#f1f1f1"/>)",
                     x, row.y, map::kBarW, layout.cell_h);
  for (std::size_t t = 0; t < 3; ++t) {
    if (region.allocated[t] == 0 || region.pages == 0) continue;
    const double share =
        static_cast<double>(region.allocated[t]) / static_cast<double>(region.pages);
    out +=
        fmt::format(R"(<rect class="usage" x="{:.2f}" y="{:.2f}" width="{:.2f}" )"
                    R"(height="{:.2f}" fill="{}"><title>R{}: {} {} pages allocated )"
                    R"(({:.1f}% of the region)</title></rect>)",
                    x, row.y, map::kBarW * share, layout.cell_h, pageblock_colour("urm"[t]),
                    region.index, format_count(region.allocated[t]), kTypeNames[t], 100.0 * share);
    x += map::kBarW * share;
  }
}

} // namespace

MapLayout memory_map_layout(const std::vector<ReportRun>& runs) {
  MapLayout layout;
  std::uint64_t longest = 1;
  for (const ReportRun& run : runs) {
    layout.rows = std::max<std::uint64_t>(layout.rows, run.region_list.size());
    for (const ReportRegion& region : run.region_list)
      longest = std::max<std::uint64_t>(longest, region.pageblock_map.size());
  }
  const std::uint64_t rows = std::max<std::uint64_t>(layout.rows, 1);
  layout.cell_h = std::clamp(640.0 / static_cast<double>(rows), 2.5, 36.0);
  layout.dense = layout.cell_h < 8;
  const std::uint64_t max_columns =
      std::max<std::uint64_t>(16, std::min(kMaxMapColumns, kMaxMapCells / rows));
  while ((longest + layout.per_cell - 1) / layout.per_cell > max_columns) layout.per_cell *= 2;
  // Keep the file small when pageblocks differ one by one: coarser cells merge again.
  while (layout.per_cell < longest && map_rectangles(runs, layout) > kMaxMapRectangles)
    layout.per_cell *= 2;
  layout.columns = (longest + layout.per_cell - 1) / layout.per_cell;
  layout.cell_w = std::clamp(900.0 / static_cast<double>(layout.columns), 1.5, 40.0);
  return layout;
}

std::string memory_map_svg(const ReportRun& run, std::size_t run_index, const MapLayout& layout,
                           bool legend) {
  const double pitch = layout.cell_h + (layout.cell_h >= 6 ? 2.0 : 0.0);
  const double rows_h = pitch * static_cast<double>(run.region_list.size());
  const double width = map::usage_x(layout) + map::kBarW + 8;
  const double axis_h = 34;
  const double legend_h = legend ? map::kLegendHeight : 0;
  const double caption_h = legend ? map::kCaptionHeight : 0;
  const double height = caption_h + rows_h + 2 + axis_h + legend_h;
  const std::uint64_t label_every =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(12.0 / pitch)));
  std::string out = fmt::format(
      R"(<svg class="memory-map" data-run="{}" xmlns="http://www.w3.org/2000/svg" width="{:.0f}" )"
      R"(height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}" role="img">)",
      run_index, std::max(width, legend ? map::kLegendWidth : 0.0), height,
      std::max(width, legend ? map::kLegendWidth : 0.0), height);
  out += map::hatch_patterns(run_index);
  if (legend) {
    out += fmt::format(R"(<text x="4" y="14" class="chart-title">{}: memory map at the end of )"
                       R"(the replay</text>)",
                       html_escape(display_name(run)));
    out += fmt::format(R"svg(<g transform="translate(0,{:.0f})">)svg", caption_h);
  }
  const std::uint64_t pageblock_pages = std::uint64_t{1} << run.pageblock_order;
  for (std::size_t r = 0; r < run.region_list.size(); ++r) {
    const ReportRegion& region = run.region_list[r];
    const map::Row row{1 + pitch * static_cast<double>(r), pageblock_pages, run_index};
    const bool free = region.free_pages == region.pages;
    out += fmt::format(R"(<g class="region" data-region="{}"{}>)", region.index,
                       free ? R"( opacity="0.45")" : "");
    draw_cells(out, region, layout, row);
    out += "</g>";
    draw_flag(out, region, row, layout, r % label_every == 0);
    draw_usage(out, region, row, layout);
  }
  out += map::pfn_axis(run, layout, rows_h + 2);
  if (legend) out += map::svg_legend(rows_h + 2 + axis_h, run_index) + "</g>";
  return out + "</svg>";
}

std::string_view pageblock_colour(char letter) {
  static constexpr std::array<std::string_view, 4> colours = {"#e15759", "#f28e2b", "#4e79a7",
                                                              "#9c755f"};
  return colours[static_cast<std::size_t>(type_of(letter))];
}

} // namespace memsim
