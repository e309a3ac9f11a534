// The stats document of docs/spec.md §5 (schema version 1) and the compare document, built from
// RunStats: the last stage of reader -> engine -> stats -> exporter. Keys come out in docs/spec.md
// order so that the output is byte-identical from run to run.
#pragma once

#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/run_stats.hpp"

namespace memsim {

// {"memsim_stats": 1, "memsim_version": ..., "policy": ..., ..., "timeline": [...]}.
nlohmann::ordered_json stats_to_json(const RunStats& stats);
// {"memsim_compare": 1, "runs": [stats, ...]}.
nlohmann::ordered_json compare_to_json(const std::vector<RunStats>& runs);
// Indent 1, a final newline; invalid UTF-8 in strings (paths, labels) is replaced, not fatal.
void write_json(std::ostream& out, const nlohmann::ordered_json& document);

} // namespace memsim
