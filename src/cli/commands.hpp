// The subcommands' CLI11 wiring (cli/ only; nothing includes it outside cli/).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "stats/run_stats.hpp"
#include "trace/proc_snapshot.hpp"

namespace memsim::cli {

// Options shared by replay and compare: config layering.
struct ConfigOptions {
  std::string config_file;
  std::vector<std::string> sets;
  std::string power; // --power PRESET|FILE.json (docs/power.md)
};
void add_config_options(CLI::App& command, ConfigOptions& options);
// The layers defaults < trace header < --config < --set (docs/spec.md §1), before any check.
ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path);
// The layered config of a run under `policy` (a registry name, checked): keys of other
// policies' namespaces are errors.
Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, const std::string& policy);

// Rethrows a config error of the zone (`zone.memory: must not be zero`) with the place its key
// was set: "--set zone.memory=0: ...", "CONFIG.json: ...", "TRACE: header: ...".
[[noreturn]] void name_config_origin(const InputError& error, const ConfigOptions& options,
                                     const TraceHeader& header, const std::string& trace_path);

// Options of replay and compare for kmem tracepoint text read directly (docs/spec.md §4.5).
struct TraceOptions {
  std::string proc_in;
  std::string zone;   // --zone NAME: the snapshots' zone
  std::string kernel; // --kernel X.Y
  std::string gfp_bits = "4.4";
  bool skip_bad_lines = false;
  bool free_hints = false; // set by the command when a run follows the trace (recorded)
};
void add_trace_options(CLI::App& command, TraceOptions& options);
FtraceOptions ftrace_options(const TraceOptions& options); // checks --gfp-bits
// A `memsim record` bundle directory given as the trace: its trace file, and its begin snapshot
// as --proc-in unless one was given (src/trace/bundle.hpp). Anything else is left as it is.
void use_recording_bundle(std::string& trace_path, TraceOptions& options);

// --probe ORDER[,ORDER...] (docs/spec.md §9): the orders asked at every timeline sample.
void add_probe_option(CLI::App& command, std::string& orders);
std::vector<unsigned> parse_probe_orders(const std::string& orders);

// Opens the trace (format by content) and finds the timeline interval: `requested` when non-zero,
// else max(1, E / 200) with E known from the reader (ftrace text) or a counting pass over the
// file (100000 on stdin, docs/semantics.md D10); `events` gets E when it is known. For ftrace text
// it prints the geometry notice on stderr.
std::unique_ptr<TraceReader> open_replay_trace(const std::string& trace_path,
                                               const TraceOptions& options, std::uint64_t requested,
                                               std::uint64_t& interval, std::uint64_t& events);
// The notice on where an ftrace trace's geometry came from, and what its import skipped.
void print_ftrace_notice(const TraceHeader& header, bool skipped_lines);

// docs/power.md: a notice on stderr when the zone has fewer than 8 regions, naming a region
// size (a power of two of max-order blocks) that gives 8 to 64.
void print_region_guidance(const Config& config);

// The provenance of a run of `trace_path` (docs/spec.md §5 "provenance"): the command line, the
// trace header's meta, the --proc-in directory and the run's label.
Provenance make_provenance(const TraceHeader& header, const TraceOptions& options,
                           std::optional<std::string> label);

// --label ENTRY=TEXT values matched to runs named `names`: ENTRY is a run's name as written (the
// longest that matches) or its 1-based position. Throws InputError for an ENTRY that names no
// run, or several.
std::vector<std::optional<std::string>> run_labels(const std::vector<std::string>& names,
                                                   const std::vector<std::string>& labels);

// usage.cpp: the argv (recorded by main) and the one-line messages of the command line.
void record_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();
// CLI11's parse error as one line "memsim: ...", naming the option and, when the option belongs
// to another command, that command ("memsim: --timeline-csv is an option of replay, not compare").
std::string usage_message(CLI::App& app, const CLI::ParseError& error);
// An InputError's message as printed: "memsim: " before one that starts with an option name.
std::string error_line(const std::string& message);
CLI::Validator positive_integer();
CLI::Validator unsigned_integer();
// An output option and its value, for check_outputs.
struct NamedOutput {
  const char* option;
  const std::string* path;
  bool directory = false;
};
// At most one output may be "-" (standard output), and never a directory output.
void check_outputs(std::string_view command, const std::vector<NamedOutput>& outputs);
// `memsim --version`: version, git revision and the libraries' versions.
std::string version_text();
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
void add_record_command(CLI::App& app);
void add_sweep_command(CLI::App& app);

} // namespace memsim::cli
