// The subcommands' CLI11 wiring (cli/ only; nothing includes it outside cli/).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "memsim/config.hpp"
#include "memsim/trace.hpp"
#include "stats/run_stats.hpp"
#include "trace/proc_snapshot.hpp"

namespace memsim::cli {

// Options shared by replay and compare: config layering.
struct ConfigOptions {
  std::string config_file;
  std::vector<std::string> sets;
};
void add_config_options(CLI::App& command, ConfigOptions& options);
// The layers defaults < trace header < --config < --set (docs/spec.md §1), before any check.
ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path);
// The layered config. `region_aware_allowed`: some run uses the region-aware policy.
Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, bool region_aware_allowed);

// Options of replay and compare for kmem tracepoint text read directly (docs/spec.md §4.5).
struct TraceOptions {
  std::string proc_in;
  std::string zone;   // --zone NAME: the snapshots' zone
  std::string kernel; // --kernel X.Y
  std::string gfp_bits = "4.4";
  bool skip_bad_lines = false;
};
void add_trace_options(CLI::App& command, TraceOptions& options);
FtraceOptions ftrace_options(const TraceOptions& options); // checks --gfp-bits

// Opens the trace (format by content) and finds the timeline interval: `requested` when non-zero,
// else max(1, E / 200) with E known from the reader (ftrace text) or a counting pass over the
// file (100000 on stdin, docs/semantics.md D10); `events` gets E when it is known. For ftrace text
// it prints the geometry notice on stderr.
std::unique_ptr<TraceReader> open_replay_trace(const std::string& trace_path,
                                               const TraceOptions& options, std::uint64_t requested,
                                               std::uint64_t& interval, std::uint64_t& events);
// The notice on where an ftrace trace's geometry came from, and what its import skipped.
void print_ftrace_notice(const TraceHeader& header, bool skipped_lines);

// --proc-expect DIR (replay and compare, docs/spec.md §7.3).
void add_proc_expect_option(CLI::App& command, std::string& dir);
// The end snapshot's files, read before the replay (an error comes at once); then its state of
// the run's zone (proc_expect.cpp). Throw InputError.
struct EndSnapshot {
  ProcFiles files;
};
EndSnapshot read_end_snapshot(const std::string& dir);
RealEndState read_end_state(const EndSnapshot& snapshot, const std::string& zone,
                            const TraceHeader& header, const RunStats& run);
// The `start_state` (from the header) and `validation` (with an end state) sections of a run.
void add_ground_truth(RunStats& stats, const TraceHeader& header,
                      const std::optional<RealEndState>& end);

void add_replay_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_policies_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_gen_command(CLI::App& app);

} // namespace memsim::cli
