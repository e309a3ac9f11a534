// `memsim replay TRACE` and `memsim policies`: option wiring, the read-apply loop with its
// progress line, and the outputs (summary, --json, --placements), each written atomically.
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
  std::string json;
  std::string placements;
  std::string report;
  std::string proc_out;
  std::string timeline_csv;
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

// --json, --report, --proc-out and --timeline-csv (or the summary when --json is not given).
void write_outputs(const ReplayArgs& args, const RunStats& stats, const Simulator& sim) {
  if (args.json.empty()) {
    write_summary(std::cout, stats);
    std::cout.flush();
  }
  if (!args.json.empty() || !args.report.empty()) {
    const nlohmann::ordered_json document = stats_to_json(stats);
    if (!args.json.empty()) {
      OutputFile json(args.json);
      write_json(json.stream(), document);
      json.commit();
    }
    if (!args.report.empty())
      write_html_report_file(args.report, report_runs_as_written(document, args.trace));
  }
  if (!args.proc_out.empty())
    write_proc_files(args.proc_out, stats, snapshot_zone_detail(sim.zone()));
  if (!args.timeline_csv.empty()) {
    OutputFile csv(args.timeline_csv);
    write_timeline_csv(csv.stream(), stats.timeline);
    csv.commit();
  }
}

void run_replay(const ReplayArgs& args) {
  std::uint64_t total = 0;
  const std::uint64_t interval = timeline_interval(args.trace, args.interval, total);
  const std::unique_ptr<TraceReader> reader = open_trace(args.trace);
  const Config config = build_config(args.config, reader->header(), args.trace,
                                     args.policy.rfind("region-aware", 0) == 0);
  Simulator sim(config, args.policy, args.policy, *reader, args.trace,
                {args.strict, args.check, interval});
  if (!args.proc_out.empty()) create_proc_dir(args.proc_out); // fail before a long replay
  std::unique_ptr<OutputFile> placements_file;
  std::unique_ptr<PlacementWriter> placements;
  if (!args.placements.empty()) {
    placements_file = std::make_unique<OutputFile>(args.placements);
    placements = std::make_unique<PlacementWriter>(placements_file->stream());
    sim.set_placement_sink(placements.get());
  }
  {
    Progress progress(total);
    sim.run(*reader, [&] { progress.update(sim.events_applied()); });
  }
  const RunStats stats = sim.finish();
  if (placements) {
    placements->flush();
    placements_file->commit();
  }
  write_outputs(args, stats, sim);
}

} // namespace

void add_replay_command(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "replay one trace under one policy");
  cmd->add_option("TRACE", args->trace,
                  "memsim trace (JSON or JSON Lines, may be compressed); - for stdin")
      ->required();
  cmd->add_option("--policy", args->policy, "policy name (see `memsim policies`)")
      ->capture_default_str();
  add_config_options(*cmd, args->config);
  cmd->add_option("--json", args->json, "write the stats document to FILE (- for stdout)");
  cmd->add_option("--placements", args->placements, "write one JSON line per allocation to FILE");
  cmd->add_option("--report", args->report, "write the HTML report to FILE");
  cmd->add_option("--proc-out", args->proc_out,
                  "write buddyinfo, pagetypeinfo, zoneinfo, extfrag_index, unusable_index to DIR");
  cmd->add_option("--timeline-csv", args->timeline_csv, "write the timeline as CSV to FILE");
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
