// Options shared by the replay-like commands: the config layers and the timeline interval.
#include <algorithm>

#include "cli/commands.hpp"
#include "memsim/error.hpp"

namespace memsim::cli {

void add_config_options(CLI::App& command, ConfigOptions& options) {
  command.add_option("--config", options.config_file,
                     "JSON file of config keys (nested or dotted)");
  command.add_option("--set", options.sets, "override one config key: --set zone.memory=16GiB")
      ->take_all();
}

ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path) {
  ConfigBuilder builder;
  builder.apply_header_zone(header.zone, (trace_path == "-" ? "<stdin>" : trace_path) + ": header");
  if (!options.config_file.empty()) builder.apply_file(options.config_file);
  for (const std::string& assignment : options.sets) builder.set_assignment(assignment, "--set");
  return builder;
}

Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, bool region_aware_allowed) {
  const ConfigBuilder builder = config_layers(options, header, trace_path);
  if (builder.touched_region_aware() && !region_aware_allowed)
    throw InputError("region_aware.* keys need the region-aware policy, which no run here uses");
  return builder.config();
}

std::uint64_t timeline_interval(const std::string& trace_path, std::uint64_t requested,
                                std::uint64_t& events) {
  if (requested != 0) return requested;
  if (trace_path == "-") return 100000;
  events = count_trace_events(trace_path);
  return std::max<std::uint64_t>(1, events / 200);
}

} // namespace memsim::cli
