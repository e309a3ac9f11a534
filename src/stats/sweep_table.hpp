// The merged results of a sweep (docs/sweep.md): one row per run with its parameters (trace,
// policy entry, each set key) and its key metrics as the run's stats document gave them. Filled
// by sim/sweep_merge.cpp from DIR/runs, drawn by report/sweep_csv.cpp and report/sweep_html.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memsim {

// One axis of the sweep and its values (levels) in the spec's order, as table text.
struct SweepParameter {
  std::string name; // "trace", "policy", or a set key
  std::vector<std::string> values;
};

struct SweepRow {
  std::uint64_t run = 0;
  std::vector<std::size_t> levels;   // per parameter: the index of this run's value
  std::vector<nlohmann::json> cells; // per metric: the stats number, null when absent
};

struct SweepTable {
  std::vector<SweepParameter> parameters; // trace, policy, then the set keys in key order
  std::vector<std::string> metrics;       // column names, docs/spec.md §10 order
  std::vector<SweepRow> rows;             // in run order
};

} // namespace memsim
