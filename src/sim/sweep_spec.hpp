// The spec file of `memsim sweep` (docs/sweep.md, docs/spec.md §10): traces, policy entries with
// their switch grids, a grid of --set keys and the Slurm resources. Reading checks everything
// that needs no file: policies against the registry, keys and values against the config.
// sweep_plan.hpp then resolves the paths and numbers the runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace memsim {

struct SweepTraceSpec {
  std::string path;        // as written: relative to the spec file; may be a glob
  std::string proc_in;     // "" when absent
  std::string proc_expect; // "" when absent
};

// One key of a grid and its values in the order written (numbers, strings or booleans).
struct SweepGrid {
  std::string key;
  std::vector<nlohmann::json> values;
};

// What --emit slurm asks for each array task; "" / nullopt when the spec does not say.
struct SweepResources {
  std::optional<std::uint64_t> cpus;
  std::string mem, time, partition;
};

struct SweepSpec {
  std::vector<SweepTraceSpec> traces;
  std::vector<std::string> policies; // entries NAME or NAME:key=value+key=value, grids expanded
  std::vector<SweepGrid> set;        // sorted by key
  SweepResources resources;
};

// Parses and checks spec text. `origin` names it in errors: "ORIGIN: not valid JSON: ...",
// "ORIGIN: policies[1].grid.ra_cache: ...". Comments (// and /* */) are allowed.
SweepSpec parse_sweep_spec(std::string_view text, const std::string& origin);
// Reads and parses a spec file.
SweepSpec read_sweep_spec(const std::string& path);

// The spec as a document parse_sweep_spec reads back to the same spec (grids already expanded
// into the policy entries).
nlohmann::ordered_json sweep_spec_to_json(const SweepSpec& spec);

// A grid value as an entry or a table cell writes it: a string as is, else its JSON text.
std::string grid_value_text(const nlohmann::json& value);

// The most runs a sweep may have (a Slurm array or a job list of this size is already large).
inline constexpr std::uint64_t kMaxSweepRuns = 100000;

// The number of combinations of the grids' values, saturated at kMaxSweepRuns + 1.
std::uint64_t combination_count(const std::vector<SweepGrid>& grids);

// Every combination of the grids' values, the last grid innermost; one empty combination when
// there is no grid. Each combination holds one value index per grid.
std::vector<std::vector<std::size_t>> grid_combinations(const std::vector<SweepGrid>& grids);

} // namespace memsim
