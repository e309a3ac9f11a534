// Small text formatting pieces shared by the summaries of report/ (one run and compare):
// byte sizes in binary units, percentages, config look-ups and the one-line zone description.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stats/run_stats.hpp"

namespace memsim {

// "4 KiB", "1 GiB", "1.5 GiB", "100 B": the largest binary unit, one decimal when not whole.
std::string format_bytes(std::uint64_t bytes);
// "99.50%", or "n/a" when there is nothing to measure.
std::string format_percent(std::optional<double> fraction);
// config[section][key] when it is an unsigned number.
std::optional<std::uint64_t> config_u64(const nlohmann::ordered_json& config,
                                        std::string_view section, std::string_view key);
// "1 GiB: 262144 pages of 4 KiB, pfns 0x0-0x3ffff, 2 regions of 512 MiB".
std::string zone_description(const RunStats& stats);
// A probe's answer as the stats document writes it: "own", "fallback", "none" (docs/spec.md §9).
const char* probe_answer_name(ProbeAnswer answer);
// The JSON name of the migratetype of glossary index `index` ("unmovable", ...).
std::string migratetype_name(int index);
// The MEMSIM_VERSION the library was built with.
std::string_view memsim_version();
// The git revision of the build (`git describe` when configured), "unknown" outside git.
std::string_view memsim_revision();

} // namespace memsim
