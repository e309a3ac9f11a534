// The text formatting helpers of report/text_format.hpp (sizes, percentages, the zone line),
// used by both text summaries so that a run and a comparison describe the zone alike.
#include "report/text_format.hpp"

#include <array>

#include <fmt/format.h>

#ifndef MEMSIM_VERSION
#error "MEMSIM_VERSION must be defined by the build (CMake sets it on memsim_lib)"
#endif
#ifndef MEMSIM_REVISION
#error "MEMSIM_REVISION must be defined by the build (CMake sets it on this file)"
#endif

namespace memsim {

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::array<std::string_view, 7> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t unit = 0;
  while (unit + 1 < units.size() && bytes >> (10 * (unit + 1)) != 0) ++unit;
  const std::uint64_t size = std::uint64_t{1} << (10 * unit);
  if (bytes % size == 0) return fmt::format("{} {}", bytes / size, units[unit]);
  return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(size),
                     units[unit]);
}

std::string format_percent(std::optional<double> fraction) {
  return fraction ? fmt::format("{:.2f}%", *fraction * 100.0) : std::string("n/a");
}

std::optional<std::uint64_t> config_u64(const nlohmann::ordered_json& config,
                                        std::string_view section, std::string_view key) {
  if (!config.is_object()) return std::nullopt;
  const auto outer = config.find(section);
  if (outer == config.end() || !outer->is_object()) return std::nullopt;
  const auto inner = outer->find(key);
  if (inner == outer->end() || !inner->is_number_unsigned()) return std::nullopt;
  return inner->get<std::uint64_t>();
}

std::string zone_description(const RunStats& stats) {
  std::string out =
      fmt::format("{}: {} pages of {}", format_bytes(stats.zone_pages * stats.page_size),
                  stats.zone_pages, format_bytes(stats.page_size));
  if (stats.zone_pages > 0) {
    out +=
        fmt::format(", pfns {:#x}-{:#x}", stats.start_pfn, stats.start_pfn + stats.zone_pages - 1);
  }
  out += fmt::format(", {} region{}", stats.regions.size(), stats.regions.size() == 1 ? "" : "s");
  if (const auto region = config_u64(stats.config, "zone", "region_size")) {
    out += fmt::format(" of {}", format_bytes(*region));
  }
  return out;
}

const char* probe_answer_name(ProbeAnswer answer) {
  switch (answer) {
  case ProbeAnswer::own:
    return "own";
  case ProbeAnswer::fallback:
    return "fallback";
  case ProbeAnswer::none:
    break;
  }
  return "none";
}

std::string migratetype_name(int index) {
  return std::string(to_string(migratetype_at(index)));
}

std::string_view memsim_version() {
  return MEMSIM_VERSION;
}

std::string_view memsim_revision() {
  return MEMSIM_REVISION;
}

} // namespace memsim
