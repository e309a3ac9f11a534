// The memory map's cell runs, stripes, pfn axis and legends (report/memory_map_parts.hpp): how a
// run of pageblocks looks, and the two legends that say so (the page's HTML one and the SVG one
// of an exported map).
#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/memory_map_parts.hpp"

namespace memsim::map {

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

double band_height(const MapLayout& layout) {
  return std::max(2.0, std::round(layout.cell_h * 0.22));
}

double body_height(const MapLayout& layout) {
  return layout.cell_h - band_height(layout);
}

const char* flag_colour(std::string_view state) {
  return state == "ra" ? "#b07aa1" : state == "free" ? "#59a14f" : "#bab0ac";
}

namespace {

std::string colour_of(int type) {
  return std::string(pageblock_colour("urmv"[type]));
}

std::string stripes(const RunLook& look, const Row& row, double x, double y, double w, double h) {
  const char letter = look.intruder >= 0 ? "urm"[look.intruder] : 'x';
  return fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" )"
                     R"svg(fill="url(#hatch-{}-{})" pointer-events="none"/>)svg",
                     x, y, w, h, row.run_index, letter);
}

} // namespace

void draw_run(std::string& out, const RunLook& look, const Span& span, const Row& row,
              const MapLayout& layout, const std::string& title) {
  const std::string colour = colour_of(look.type);
  const double h = layout.cell_h;
  // The cell: solid without occupancy; else a pale tint (band mode) or the occupancy as opacity.
  double opacity = 1.0;
  if (look.known) opacity = layout.dense ? 0.2 + 0.2 * look.heights[0] : 0.16;
  out += fmt::format(R"(<rect class="pb{}" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" )"
                     R"(fill="{}"{}><title>{}</title></rect>)",
                     look.mixed ? " mixed" : "", span.x, row.y, span.w, h, colour,
                     opacity < 1 ? fmt::format(R"( fill-opacity="{:.2f}")", opacity) : "",
                     html_escape(title));
  if (!look.known || layout.dense) {
    if (look.mixed) out += stripes(look, row, span.x, row.y, span.w, h);
    return;
  }
  const double band = band_height(layout);
  out += fmt::format(R"(<rect x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}" )"
                     R"(pointer-events="none"/>)",
                     span.x, row.y, span.w, band, colour);
  if (look.mixed) out += stripes(look, row, span.x, row.y, span.w, band);
  double bottom = row.y + h;
  for (int t = 0; t < 3; ++t) {
    const double seg = look.heights[static_cast<std::size_t>(t)] / 2.0;
    if (seg <= 0) continue;
    bottom -= seg;
    out += fmt::format(R"(<rect class="used" x="{:.2f}" y="{:.2f}" width="{:.2f}" )"
                       R"(height="{:.2f}" fill="{}" pointer-events="none"/>)",
                       span.x, bottom, span.w, seg, colour_of(t));
  }
}

std::string hatch_patterns(std::size_t run_index) {
  std::string out = "<defs>";
  for (const char letter : std::string_view("urmx")) {
    const std::string colour = letter == 'x' ? "#1d1d1d" : colour_of(type_of(letter));
    out += fmt::format(R"(<pattern id="hatch-{}-{}" width="4" height="4" )"
                       R"svg(patternUnits="userSpaceOnUse" patternTransform="rotate(45)">)svg"
                       R"(<rect width="2" height="4" fill="{}"/></pattern>)",
                       run_index, letter, colour);
  }
  return out + "</defs>";
}

std::string pfn_axis(const ReportRun& run, const MapLayout& layout, double y) {
  std::uint64_t longest = 0;
  for (const ReportRegion& region : run.region_list)
    longest = std::max<std::uint64_t>(longest, region.pageblock_map.size());
  const std::uint64_t pages = longest << run.pageblock_order;
  const double x0 = kCellsX;
  const double w = static_cast<double>(layout.columns) * layout.cell_w;
  std::string out = fmt::format(R"(<g class="pfn-axis"><line x1="{}" x2="{:.2f}" y1="{:.1f}" )"
                                R"(y2="{:.1f}" stroke="#999"/>)",
                                x0, x0 + w, y + 2, y + 2);
  for (int k = 0; k <= 4; ++k) {
    const double x = x0 + w * k / 4;
    out += fmt::format(R"(<line x1="{:.2f}" x2="{:.2f}" y1="{:.1f}" y2="{:.1f}" stroke="#999"/>)"
                       R"(<text x="{:.2f}" y="{:.1f}" text-anchor="{}" class="tick">+{}</text>)",
                       x, x, y + 2, y + 6, x, y + 17,
                       k == 0   ? "start"
                       : k == 4 ? "end"
                                : "middle",
                       format_pfn(pages * static_cast<std::uint64_t>(k) / 4));
  }
  out += fmt::format(R"(<text x="{:.2f}" y="{:.1f}" text-anchor="middle" class="axis">pfn offset )"
                     R"(within the region (each row starts at the pfn on its left)</text></g>)",
                     x0 + w / 2, y + 30);
  return out;
}

namespace {

// The small pieces of the SVG legend: a swatch and a label.
struct LegendWriter {
  std::string& out;
  void swatch(double x, double y, const std::string& fill) const {
    out += fmt::format(R"(<rect x="{:.0f}" y="{:.0f}" width="11" height="11" fill="{}" )"
                       R"(stroke="#0002"/>)",
                       x, y, fill);
  }
  void label(double x, double y, const std::string& text) const {
    out += fmt::format(R"(<text x="{:.0f}" y="{:.0f}">{}</text>)", x, y + 9, html_escape(text));
  }
};

} // namespace

std::string svg_legend(double y, std::size_t run_index) {
  std::string out = R"(<g class="map-legend">)";
  const LegendWriter w{out};
  double row = y + 4;
  w.label(4, row, "pageblock type (top band):");
  for (int t = 0; t < 4; ++t) {
    w.swatch(170 + 95 * t, row, colour_of(t));
    w.label(185 + 95 * t, row, kTypeNames[static_cast<std::size_t>(t)]);
  }
  row += 17;
  w.label(4, row, "allocated pages (fill rises");
  w.label(4, row + 10, "from the bottom), by type:");
  for (int t = 0; t < 3; ++t) {
    w.swatch(170 + 95 * t, row, colour_of(t));
    w.label(185 + 95 * t, row, kTypeNames[static_cast<std::size_t>(t)]);
  }
  w.label(455, row, "an empty pageblock shows a pale tint of its type");
  row += 31;
  w.swatch(4, row, colour_of(2));
  out += fmt::format(
      R"svg(<rect x="4" y="{:.0f}" width="11" height="11" fill="url(#hatch-{}-u)"/>)svg", row,
      run_index);
  w.label(19, row,
          "striped band: a mixed pageblock; the stripes have the colour of the type mixed "
          "in (here unmovable pages in a movable pageblock)");
  row += 17;
  double x = 4;
  for (const char* state : {"ra", "free", "used"}) {
    const std::string_view s = state;
    w.swatch(x, row, flag_colour(s));
    w.label(x + 15, row,
            s == "ra"     ? "held by the region allocator"
            : s == "free" ? "completely free region (faded)"
                          : "region in use");
    x += 200;
  }
  w.label(x, row, "right bar: the region's allocated pages by type");
  return out + "</g>";
}

} // namespace memsim::map

namespace memsim {

std::string memory_map_legend() {
  std::string out = R"(<div class="legend map-legend"><span>pageblock type (top band):</span>)";
  for (int t = 0; t < 4; ++t)
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)",
                       pageblock_colour("urmv"[t]), map::kTypeNames[static_cast<std::size_t>(t)]);
  out += "<br><span>the cell fills from the bottom with its allocated pages, coloured by the "
         "type they were requested as; an empty pageblock is a pale tint of its type</span><br>";
  out += R"(<span><i class="hatch"></i>striped band: a mixed pageblock (holds pages of another )"
         R"(type); the stripes have the colour of the type mixed in (here unmovable in )"
         R"(movable)</span><br>)";
  for (const char* state : {"ra", "free", "used"}) {
    const std::string_view s = state;
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span>)", map::flag_colour(s),
                       s == "ra"     ? "region held by the region allocator"
                       : s == "free" ? "completely free region (faded)"
                                     : "region in use");
  }
  out += "<span>right bar: the region's allocated pages by requested type</span></div>";
  return out;
}

} // namespace memsim
