// The subcommands' CLI11 wiring (cli/ only; nothing includes it outside cli/).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "memsim/config.hpp"
#include "memsim/trace.hpp"

namespace memsim::cli {

// Options shared by replay and compare: config layering.
struct ConfigOptions {
  std::string config_file;
  std::vector<std::string> sets;
};
void add_config_options(CLI::App& command, ConfigOptions& options);
// The layers defaults < trace header < --config < --set (SPEC §1), before any check.
ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path);
// The layered config. `region_aware_allowed`: some run uses the region-aware policy.
Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, bool region_aware_allowed);

// Timeline interval: `requested` when non-zero, else max(1, E / 200) with E from a counting
// pass over the file (100000 on stdin, SEMANTICS D10). `events` gets E when it was counted.
std::uint64_t timeline_interval(const std::string& trace_path, std::uint64_t requested,
                                std::uint64_t& events);

void add_replay_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_policies_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_gen_command(CLI::App& app);

} // namespace memsim::cli
