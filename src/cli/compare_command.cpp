// `memsim compare TRACE` (docs/spec.md §1): option wiring, the runs planned from --policies, the
// concurrent replay of sim/compare.hpp with its progress line, and the output: the side-by-side
// summary, or --json's {"memsim_compare":1,"runs":[...]} written atomically.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "report/html_report.hpp"
#include "report/output_file.hpp"
#include "report/stats_json.hpp"
#include "report/summary.hpp"
#include "sim/compare.hpp"

namespace memsim::cli {

namespace {

struct CompareArgs {
  std::string trace;
  std::string policies = "stock,region-aware";
  ConfigOptions config;
  TraceOptions input;
  std::string json;
  std::string report;
  std::string proc_expect;
  std::uint64_t interval = 0;
  bool strict = false;
  bool check = false;
};

void run_compare_command(const CompareArgs& args) {
  const std::vector<PolicyEntry> entries = parse_policy_entries(args.policies);
  std::optional<EndSnapshot> expect;
  if (!args.proc_expect.empty()) expect = read_end_snapshot(args.proc_expect);
  std::uint64_t total = 0;
  std::uint64_t interval = 0;
  const std::unique_ptr<TraceReader> reader =
      open_replay_trace(args.trace, args.input, args.interval, interval, total);
  const std::vector<CompareRun> runs =
      plan_compare_runs(entries, config_layers(args.config, reader->header(), args.trace));
  CompareOptions options;
  options.replay = {args.strict, args.check, interval};
  // Created before the replay: an unwritable path fails at once, not after minutes of it.
  std::unique_ptr<OutputFile> json;
  if (!args.json.empty()) json = std::make_unique<OutputFile>(args.json);
  std::unique_ptr<OutputFile> report;
  if (!args.report.empty()) report = std::make_unique<OutputFile>(args.report);
  std::vector<RunStats> stats;
  {
    Progress progress(total);
    stats = run_compare(*reader, args.trace, runs, options,
                        [&](std::uint64_t done) { progress.show(done); });
  }
  std::optional<RealEndState> end;
  if (expect && !stats.empty())
    end = read_end_state(*expect, args.input.zone, reader->header(), stats.front());
  for (RunStats& run : stats) add_ground_truth(run, reader->header(), end);
  if (!json) {
    write_compare_summary(std::cout, stats);
    std::cout.flush();
  }
  if (!json && !report) return;
  const nlohmann::ordered_json document = compare_to_json(stats);
  if (json) write_json(json->stream(), document);
  if (report) write_html_report(report->stream(), report_runs_as_written(document, args.trace));
  // Both whole before either is renamed (a full disk leaves neither).
  if (json) json->finish();
  if (report) report->finish();
  if (json) json->commit();
  if (report) report->commit();
}

} // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "replay the same trace under several policies at once, side by side");
  cmd->add_option("TRACE", args->trace,
                  "memsim trace or kmem ftrace text (may be compressed); - for stdin")
      ->required();
  cmd->add_option("--policies", args->policies,
                  "comma-separated entries NAME or NAME:key=value+key=value (switch overrides)")
      ->capture_default_str();
  add_config_options(*cmd, args->config);
  add_trace_options(*cmd, args->input);
  cmd->add_option("--json", args->json, "write the compare document to FILE (- for stdout)");
  cmd->add_option("--report", args->report, "write the HTML report of the comparison to FILE");
  add_proc_expect_option(*cmd, args->proc_expect);
  cmd->add_option("--interval", args->interval, "timeline sample every N events")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--strict", args->strict, "recoverable trace problems are errors");
  cmd->add_flag("--check", args->check, "verify allocator invariants after every event (slow)");
  cmd->callback([args] { run_compare_command(*args); });
}

} // namespace memsim::cli
