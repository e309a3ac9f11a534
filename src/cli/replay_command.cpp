// `memsim replay TRACE` and `memsim policies`: option wiring, the read-apply loop with its
// progress line, and the outputs (summary, --json, --placements), each written atomically.
#include <array>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "policy/policy.hpp"
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
  std::string policy = "stock";
  ConfigOptions config;
  TraceOptions input;
  std::string json;
  std::string placements;
  std::string report;
  std::string proc_out;
  std::string timeline_csv;
  std::string proc_expect;
  std::uint64_t interval = 0;
  bool strict = false;
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
      create_proc_dir(args.proc_out);
      for (const char* name : kProcFiles)
        proc.push_back(std::make_unique<OutputFile>(args.proc_out + "/" + name));
    }
  }

  void write(const ReplayArgs& args, const RunStats& stats, const Simulator& sim) {
    if (placement_writer) placement_writer->flush();
    if (json || report) {
      const nlohmann::ordered_json document = stats_to_json(stats);
      if (json) write_json(json->stream(), document);
      if (report) write_html_report(report->stream(), report_runs_as_written(document, args.trace));
    }
    if (timeline_csv) write_timeline_csv(timeline_csv->stream(), stats.timeline);
    if (!proc.empty()) {
      const ZoneDetail detail = snapshot_zone_detail(sim.zone());
      write_buddyinfo(proc[0]->stream(), stats);
      write_pagetypeinfo(proc[1]->stream(), stats, detail);
      write_zoneinfo(proc[2]->stream(), stats, detail);
      write_extfrag_index(proc[3]->stream(), stats);
      write_unusable_index(proc[4]->stream(), stats);
    }
    for (OutputFile* file : files()) file->finish();
    for (OutputFile* file : files()) file->commit();
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
  std::optional<EndSnapshot> expect;
  if (!args.proc_expect.empty()) expect = read_end_snapshot(args.proc_expect);
  std::uint64_t total = 0;
  std::uint64_t interval = 0;
  const std::unique_ptr<TraceReader> reader =
      open_replay_trace(args.trace, args.input, args.interval, interval, total);
  const Config config = build_config(args.config, reader->header(), args.trace,
                                     args.policy.rfind("region-aware", 0) == 0);
  Simulator sim(config, args.policy, args.policy, *reader, args.trace,
                {args.strict, args.check, interval});
  ReplayOutputs outputs(args);
  if (outputs.placement_writer) sim.set_placement_sink(outputs.placement_writer.get());
  {
    Progress progress(total);
    sim.run(*reader, [&] { progress.update(sim.events_applied()); });
  }
  RunStats stats = sim.finish();
  std::optional<RealEndState> end;
  if (expect) end = read_end_state(*expect, args.input.zone, reader->header(), stats);
  add_ground_truth(stats, reader->header(), end);
  outputs.write(args, stats, sim);
}

} // namespace

void add_replay_command(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "replay one trace under one policy");
  cmd->add_option("TRACE", args->trace,
                  "memsim trace or kmem ftrace text (may be compressed); - for stdin")
      ->required();
  cmd->add_option("--policy", args->policy, "policy name (see `memsim policies`)")
      ->capture_default_str();
  add_config_options(*cmd, args->config);
  add_trace_options(*cmd, args->input);
  cmd->add_option("--json", args->json, "write the stats document to FILE (- for stdout)");
  cmd->add_option("--placements", args->placements, "write one JSON line per allocation to FILE");
  cmd->add_option("--report", args->report, "write the HTML report to FILE");
  cmd->add_option("--proc-out", args->proc_out,
                  "write buddyinfo, pagetypeinfo, zoneinfo, extfrag_index, unusable_index to DIR");
  cmd->add_option("--timeline-csv", args->timeline_csv, "write the timeline as CSV to FILE");
  add_proc_expect_option(*cmd, args->proc_expect);
  cmd->add_option("--interval", args->interval, "timeline sample every N events")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--strict", args->strict, "recoverable trace problems are errors");
  cmd->add_flag("--check", args->check, "verify allocator invariants after every event (slow)");
  cmd->callback([args] { run_replay(*args); });
}

void add_policies_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("policies", "list policies, their switches and descriptions");
  cmd->callback([] {
    for (const PolicyInfo& info : policy_registry()) {
      fmt::print("{:<14} {}\n", info.name, info.description);
      for (const PolicySwitch& sw : info.switches)
        fmt::print("  {:<40} {}\n", sw.key, sw.description);
    }
  });
}

} // namespace memsim::cli
