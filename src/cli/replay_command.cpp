// `memsim replay TRACE` and `memsim policies`: option wiring, the read-apply loop with its
// progress line, and the outputs (summary, --json, --placements), each written atomically.
#include <array>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "memsim/error.hpp"
#include "policy/registry.hpp"
#include "report/html_report.hpp"
#include "report/output_file.hpp"
#include "report/proc_files.hpp"
#include "report/stats_json.hpp"
#include "report/summary.hpp"
#include "report/timeline_csv.hpp"
#include "sim/simulator.hpp"

namespace memsim::cli {

namespace {

struct ReplayArgs {
  std::string trace;
  std::string policy = default_policy();
  ConfigOptions config;
  TraceOptions input;
  std::string json;
  std::string placements;
  std::string report;
  std::string proc_out;
  std::string timeline_csv;
  std::string label;
  std::string proc_expect;
  std::string predict; // --predict POLICY (docs/spec.md §7.4)
  std::uint64_t interval = 0;
  bool strict = false;
  std::string probe;
  bool check = false;
};

// --placements: one JSON line per allocation event, buffered.
class PlacementWriter : public PlacementSink {
public:
  explicit PlacementWriter(std::ostream& out) : out_(out) {}
  ~PlacementWriter() override { flush(); }
  void place(const Placement& p) override {
    auto it = std::back_inserter(buffer_);
    if (p.pfn) {
      fmt::format_to(it,
                     R"({{"i":{},"id":{},"pfn":{},"order":{},"mt":"{}","fallback":{}}})"
                     "\n",
                     p.i, p.id, *p.pfn, p.order, to_string(p.mt), p.fallback);
    } else {
      fmt::format_to(it,
                     R"({{"i":{},"id":{},"pfn":null,"order":{},"mt":"{}","fallback":false}})"
                     "\n",
                     p.i, p.id, p.order, to_string(p.mt));
    }
    if (buffer_.size() > (1u << 20)) flush();
  }
  void flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

private:
  std::ostream& out_;
  fmt::memory_buffer buffer_;
};

// The output files of a replay. All are created before the replay (an unwritable path fails at
// once, not after minutes of it) and written, flushed and checked before any is renamed, so a
// full disk under one of them leaves none behind; the summary (no --json) comes last.
struct ReplayOutputs {
  std::unique_ptr<OutputFile> json;
  std::unique_ptr<OutputFile> report;
  std::unique_ptr<OutputFile> timeline_csv;
  std::unique_ptr<OutputFile> placements;
  std::unique_ptr<PlacementWriter> placement_writer;
  std::unique_ptr<OutputDir> proc_dir;           // before `proc`: removed after its files
  std::vector<std::unique_ptr<OutputFile>> proc; // kProcFiles, in order

  static constexpr std::array<const char*, 5> kProcFiles = {"buddyinfo", "pagetypeinfo", "zoneinfo",
                                                            "extfrag_index", "unusable_index"};

  explicit ReplayOutputs(const ReplayArgs& args) {
    const auto open = [](const std::string& path) {
      return path.empty() ? nullptr : std::make_unique<OutputFile>(path);
    };
    json = open(args.json);
    report = open(args.report);
    timeline_csv = open(args.timeline_csv);
    placements = open(args.placements);
    if (placements) placement_writer = std::make_unique<PlacementWriter>(placements->stream());
    if (!args.proc_out.empty()) {
      proc_dir = std::make_unique<OutputDir>(args.proc_out);
      for (const char* name : kProcFiles)
        proc.push_back(std::make_unique<OutputFile>(args.proc_out + "/" + name));
    }
  }

  void write(const ReplayArgs& args, const RunStats& stats, const Simulator& sim) {
    if (placement_writer) placement_writer->flush();
    if (json || report || timeline_csv) {
      const nlohmann::ordered_json document = stats_to_json(stats);
      if (json) write_json(json->stream(), document);
      // The page and the CSV read the document back: its timeline ends at the trace's end.
      const std::vector<ReportRun> runs = report_runs_as_written(document, args.trace);
      if (report) write_html_report(report->stream(), runs);
      if (timeline_csv) write_timeline_csv(timeline_csv->stream(), runs.front().timeline);
    }
    if (!proc.empty()) {
      const ZoneDetail detail = snapshot_zone_detail(sim.zone(), sim.policy());
      write_buddyinfo(proc[0]->stream(), stats);
      write_pagetypeinfo(proc[1]->stream(), stats, detail);
      write_zoneinfo(proc[2]->stream(), stats, detail);
      write_extfrag_index(proc[3]->stream(), stats);
      write_unusable_index(proc[4]->stream(), stats);
    }
    for (OutputFile* file : files()) file->finish();
    for (OutputFile* file : files()) file->commit();
    if (proc_dir) proc_dir->commit();
    if (!json) {
      write_summary(std::cout, stats);
      std::cout.flush();
    }
  }

private:
  std::vector<OutputFile*> files() const {
    std::vector<OutputFile*> all;
    for (const auto* file : {&json, &report, &timeline_csv, &placements})
      if (*file) all.push_back(file->get());
    for (const auto& file : proc) all.push_back(file.get());
    return all;
  }
};

void run_replay(const ReplayArgs& args) {
  check_outputs("replay", {{"--json", &args.json},
                           {"--placements", &args.placements},
                           {"--report", &args.report},
                           {"--timeline-csv", &args.timeline_csv},
                           {"--proc-out", &args.proc_out, true}});
  if (!args.predict.empty()) {
    if (!find_policy(args.predict, "--predict").predicts)
      throw InputError(fmt::format("--predict {}: this policy cannot answer without changing the "
                                   "state; policies that can: {}",
                                   args.predict, predicting_policy_names()));
    if (!policy_follows_trace(args.policy))
      throw InputError(fmt::format("--predict needs --policy recorded (the kernel's own decisions "
                                   "to score {} against), not {}",
                                   args.predict, args.policy));
  }
  std::optional<EndSnapshot> expect;
  if (!args.proc_expect.empty()) expect = read_end_snapshot(args.proc_expect);
  std::uint64_t total = 0;
  std::uint64_t interval = 0;
  Progress progress(args.trace);
  TraceOptions input = args.input;
  input.free_hints = policy_follows_trace(args.policy);
  const std::unique_ptr<TraceReader> reader =
      open_replay_trace(args.trace, input, args.interval, interval, total);
  std::unique_ptr<Simulator> sim;
  try {
    const Config config = build_config(args.config, reader->header(), args.trace, args.policy);
    sim = std::make_unique<Simulator>(config, args.policy, args.policy, *reader, args.trace,
                                      ReplayOptions{args.strict, args.check, interval,
                                                    parse_probe_orders(args.probe), args.predict});
  } catch (const InputError& e) {
    name_config_origin(e, args.config, reader->header(), args.trace);
  }
  ReplayOutputs outputs(args);
  if (outputs.placement_writer) sim->set_placement_sink(outputs.placement_writer.get());
  progress.start_replay(total);
  sim->run(*reader, [&] { progress.update(sim->events_applied()); });
  progress.finish();
  RunStats stats = sim->finish();
  stats.provenance =
      make_provenance(reader->header(), args.input,
                      args.label.empty() ? std::nullopt : std::optional<std::string>(args.label));
  std::optional<RealEndState> end;
  if (expect) end = read_end_state(*expect, args.input.zone, reader->header(), stats);
  add_ground_truth(stats, reader->header(), end);
  outputs.write(args, stats, *sim);
  print_region_guidance(sim->zone().config()); // after the outputs: an error stays one line
}

} // namespace

void add_replay_command(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "replay one trace under one policy");
  cmd->add_option("TRACE", args->trace,
                  "memsim trace, kmem ftrace text, trace.dat, Perfetto trace (may be compressed), "
                  "a memsim record bundle directory; - for stdin")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--policy", args->policy, "policy name (see `memsim policies`)")
      ->type_name("NAME")
      ->capture_default_str();
  add_config_options(*cmd, args->config);
  add_trace_options(*cmd, args->input);
  cmd->add_option("--json", args->json, "write the stats document to FILE (- for stdout)")
      ->type_name("FILE");
  cmd->add_option("--placements", args->placements, "write one JSON line per allocation to FILE")
      ->type_name("FILE");
  cmd->add_option("--report", args->report, "write the HTML report to FILE")->type_name("FILE");
  cmd->add_option("--proc-out", args->proc_out,
                  "write buddyinfo, pagetypeinfo, zoneinfo, extfrag_index, unusable_index to DIR")
      ->type_name("DIR");
  cmd->add_option("--timeline-csv", args->timeline_csv, "write the timeline as CSV to FILE")
      ->type_name("FILE");
  cmd->add_option("--label", args->label, "a short name for the run in reports (stats provenance)")
      ->type_name("NAME");
  add_proc_expect_option(*cmd, args->proc_expect);
  cmd->add_option("--predict", args->predict,
                  "with --policy recorded: score POLICY's decisions against the kernel's, take by "
                  "take (validation.decision_agreement)")
      ->type_name("POLICY");
  cmd->add_option("--interval", args->interval, "timeline sample every N events")
      ->type_name("N")
      ->check(positive_integer());
  cmd->add_flag("--strict", args->strict, "recoverable trace problems are errors");
  add_probe_option(*cmd, args->probe);
  cmd->add_flag("--check", args->check, "verify allocator invariants after every event (slow)");
  cmd->callback([args] {
    use_recording_bundle(args->trace, args->input);
    run_replay(*args);
  });
}

void add_policies_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("policies", "list policies, their switches and descriptions");
  auto names_only = std::make_shared<bool>(false);
  cmd->add_flag("--names", *names_only, "print only the policy names, one a line (for scripts)");
  auto simulated = std::make_shared<bool>(false);
  cmd->add_flag("--simulated", *simulated,
                "only the policies that decide placements (not those that follow a trace's own, "
                "such as recorded)");
  cmd->callback([names_only, simulated] {
    for (const PolicyInfo& info : policy_registry()) {
      if (*simulated && info.follows_trace) continue;
      if (*names_only) {
        fmt::print("{}\n", info.name);
        continue;
      }
      fmt::print("{:<14} {}\n", info.name, info.description);
      for (const PolicyKey& key : info.keys)
        fmt::print("  {:<40} {}{}\n", key.key, key.description,
                   key.kind != KeyKind::flag ? ""
                   : key.default_flag        ? " (default true)"
                                             : " (default false)");
      for (const ConfigDefault& d : info.zone_defaults)
        fmt::print("  {:<40} default {} for this policy\n", d.key, d.value.dump());
    }
  });
}

} // namespace memsim::cli
