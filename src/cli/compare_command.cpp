// `memsim compare TRACE` (docs/spec.md §1): option wiring, the runs planned from --policies, the
// concurrent replay of sim/compare.hpp with its progress line, and the output: the side-by-side
// summary, or --json's {"memsim_compare":1,"runs":[...]} written atomically.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "policy/registry.hpp"
#include "report/html_report.hpp"
#include "report/output_file.hpp"
#include "report/stats_json.hpp"
#include "report/summary.hpp"
#include "sim/compare.hpp"

namespace memsim::cli {

namespace {

struct CompareArgs {
  std::string trace;
  std::string policies = default_compare_policies();
  ConfigOptions config;
  TraceOptions input;
  std::string json;
  std::string report;
  std::vector<std::string> labels;
  std::string proc_expect;
  std::uint64_t interval = 0;
  bool strict = false;
  std::string probe;
  bool check = false;
};

void run_compare_command(const CompareArgs& args) {
  check_outputs("compare", {{"--json", &args.json}, {"--report", &args.report}});
  const std::vector<PolicyEntry> entries = parse_policy_entries(args.policies);
  std::vector<std::string> names;
  for (const PolicyEntry& entry : entries) names.push_back(entry.entry);
  const std::vector<std::optional<std::string>> labels = run_labels(names, args.labels);
  std::optional<EndSnapshot> expect;
  if (!args.proc_expect.empty()) expect = read_end_snapshot(args.proc_expect);
  std::uint64_t total = 0;
  std::uint64_t interval = 0;
  Progress progress(args.trace);
  TraceOptions input = args.input;
  for (const PolicyEntry& entry : entries)
    input.free_hints = input.free_hints || policy_follows_trace(entry.policy);
  const std::unique_ptr<TraceReader> reader =
      open_replay_trace(args.trace, input, args.interval, interval, total);
  std::vector<CompareRun> runs;
  try {
    runs = plan_compare_runs(entries, config_layers(args.config, reader->header(), args.trace));
  } catch (const InputError& e) {
    name_config_origin(e, args.config, reader->header(), args.trace);
  }
  CompareOptions options;
  options.replay = {args.strict, args.check, interval, parse_probe_orders(args.probe)};
  // Created before the replay: an unwritable path fails at once, not after minutes of it.
  std::unique_ptr<OutputFile> json;
  if (!args.json.empty()) json = std::make_unique<OutputFile>(args.json);
  std::unique_ptr<OutputFile> report;
  if (!args.report.empty()) report = std::make_unique<OutputFile>(args.report);
  progress.start_replay(total);
  std::vector<RunStats> stats = run_compare(*reader, args.trace, runs, options,
                                            [&](std::uint64_t done) { progress.update(done); });
  progress.finish();
  std::optional<RealEndState> end;
  if (expect && !stats.empty())
    end = read_end_state(*expect, args.input.zone, reader->header(), stats.front());
  for (std::size_t i = 0; i < stats.size(); ++i) {
    stats[i].provenance = make_provenance(reader->header(), args.input, labels[i]);
    add_ground_truth(stats[i], reader->header(), end);
  }
  if (!json) {
    write_compare_summary(std::cout, stats);
    std::cout.flush();
  }
  if (!json && !report) return print_region_guidance(runs.front().config);
  const nlohmann::ordered_json document = compare_to_json(stats);
  if (json) write_json(json->stream(), document);
  if (report) write_html_report(report->stream(), report_runs_as_written(document, args.trace));
  // Both whole before either is renamed (a full disk leaves neither).
  if (json) json->finish();
  if (report) report->finish();
  if (json) json->commit();
  if (report) report->commit();
  print_region_guidance(runs.front().config); // after the outputs: an error stays one line
}

} // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "replay the same trace under several policies at once, side by side");
  cmd->add_option("TRACE", args->trace,
                  "memsim trace, kmem ftrace text, trace.dat, Perfetto trace (may be compressed), "
                  "a memsim record bundle directory; - for stdin")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--policies", args->policies,
                  "comma-separated entries NAME or NAME:key=value+key=value (switch overrides)")
      ->type_name("LIST")
      ->capture_default_str();
  add_config_options(*cmd, args->config);
  add_trace_options(*cmd, args->input);
  cmd->add_option("--json", args->json, "write the compare document to FILE (- for stdout)")
      ->type_name("FILE");
  cmd->add_option("--report", args->report, "write the HTML report of the comparison to FILE")
      ->type_name("FILE");
  cmd->add_option("--label", args->labels,
                  "a short name for one run in reports: ENTRY=TEXT (the entry as written in "
                  "--policies, or its position: 2=TEXT); repeatable")
      ->type_name("ENTRY=TEXT")
      ->allow_extra_args(false);
  add_proc_expect_option(*cmd, args->proc_expect);
  cmd->add_option("--interval", args->interval, "timeline sample every N events")
      ->type_name("N")
      ->check(positive_integer());
  cmd->add_flag("--strict", args->strict, "recoverable trace problems are errors");
  add_probe_option(*cmd, args->probe);
  cmd->add_flag("--check", args->check, "verify allocator invariants after every event (slow)");
  cmd->callback([args] {
    use_recording_bundle(args->trace, args->input);
    run_compare_command(*args);
  });
}

} // namespace memsim::cli
