// `memsim sweep` (docs/sweep.md, docs/spec.md §10): option wiring for the four modes (run the
// spec locally; --emit a GNU parallel job list or a Slurm array script; a task's hidden
// --run N; --merge DIR), the sweep directory (DIR/plan.json, DIR/runs/NNNN.json written
// atomically, so a killed sweep resumes where it stopped) and the merged sweep.csv / sweep.html.
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "report/output_file.hpp"
#include "report/stats_json.hpp"
#include "report/sweep_csv.hpp"
#include "report/sweep_html.hpp"
#include "sim/sweep_emit.hpp"
#include "sim/sweep_merge.hpp"
#include "sim/sweep_run.hpp"

namespace memsim::cli {

namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string spec;
  std::string dir;
  std::string emit;
  std::string merge;
  unsigned jobs = 0;
  std::uint64_t run = 0;
  bool has_run = false;
};

fs::path run_file(const fs::path& dir, std::uint64_t id) {
  return dir / "runs" / sweep_run_file_name(id);
}

// Creates DIR/runs and DIR/plan.json; a DIR holding another sweep's plan is refused.
void prepare_dir(const SweepPlan& plan, const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir / "runs", error);
  if (error)
    throw InputError(
        fmt::format("{}: cannot create: {}", (dir / "runs").string(), error.message()));
  const fs::path plan_file = dir / "plan.json";
  if (fs::exists(plan_file)) {
    if (!same_sweep(read_sweep_plan(plan_file.string()), plan))
      throw InputError(
          fmt::format("{}: holds another sweep (its plan.json has other runs than {}); "
                      "give another -o DIR",
                      dir.string(), plan.spec_file));
    return;
  }
  OutputFile out(plan_file.string());
  write_json(out.stream(), sweep_plan_to_json(plan));
  out.commit();
}

// --proc-expect (docs/spec.md §7.3) is not in this memsim yet: say so before anything runs.
void check_supported(const SweepPlan& plan) {
  for (const SweepTrace& trace : plan.traces) {
    if (!trace.proc_expect.empty())
      throw InputError(fmt::format("{}: trace {}: proc_expect needs --proc-expect (docs/spec.md "
                                   "§7.3), which this memsim does not have yet",
                                   plan.spec_file, trace.name));
  }
}

OpenedTrace open_sweep_trace(const SweepTrace& trace) {
  TraceOptions options;
  options.proc_in = trace.proc_in;
  OpenedTrace opened;
  std::uint64_t events = 0;
  opened.reader = open_replay_trace(trace.path, options, 0, opened.interval, events);
  return opened;
}

void write_run_file(const SweepPlan& plan, const fs::path& dir, const SweepRun& run,
                    const RunStats& stats) {
  nlohmann::ordered_json document = stats_to_json(stats);
  document["sweep"] = sweep_run_object(plan, run);
  OutputFile out(run_file(dir, run.id).string());
  write_json(out.stream(), document);
  out.commit();
}

// Runs `pending` on `slots` run slots, each finished run written at once.
void run_pending(const SweepPlan& plan, const fs::path& dir,
                 const std::vector<std::uint64_t>& pending, unsigned slots) {
  std::size_t done = 0;
  SweepExecution execution;
  execution.slots = slots;
  execution.open = open_sweep_trace;
  execution.finished = [&](const SweepRun& run, RunStats&& stats) {
    write_run_file(plan, dir, run, stats);
    fmt::print(stderr, "memsim sweep: run {:04} done ({} of {})\n", run.id, ++done, pending.size());
  };
  execute_sweep(plan, plan_sweep_jobs(plan, pending, slots), execution);
}

// sweep.csv and sweep.html from DIR/plan.json and DIR/runs, both whole before either is renamed.
void merge_dir(const fs::path& dir) {
  const SweepPlan plan = read_sweep_plan((dir / "plan.json").string());
  const SweepTable table = merge_sweep_runs(plan, dir.string());
  OutputFile csv((dir / "sweep.csv").string());
  OutputFile html((dir / "sweep.html").string());
  write_sweep_csv(csv.stream(), table);
  write_sweep_html(html.stream(), table, plan.spec_file);
  csv.finish();
  html.finish();
  csv.commit();
  html.commit();
  fmt::print(stderr, "memsim sweep: {} runs merged into {} and {}\n", table.rows.size(), csv.path(),
             html.path());
}

void emit(const SweepPlan& plan, const fs::path& dir, const std::string& engine) {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw InputError("--emit: cannot find the memsim executable: " + error.message());
  const SweepCommandPaths paths{self.string(), plan.spec_file,
                                fs::absolute(dir).lexically_normal().string()};
  if (engine == "slurm") {
    fs::create_directories(dir / "logs", error);
    if (error)
      throw InputError(
          fmt::format("{}: cannot create: {}", (dir / "logs").string(), error.message()));
  }
  std::cout << (engine == "parallel" ? parallel_job_list(plan, paths) : slurm_script(plan, paths));
  std::cout.flush();
}

void run_sweep_command(const SweepArgs& args) {
  if (!args.merge.empty()) {
    if (!args.spec.empty() || !args.dir.empty() || !args.emit.empty() || args.has_run)
      throw InputError("sweep --merge DIR: takes no SPEC, -o, --emit or --run");
    merge_dir(args.merge);
    return;
  }
  if (args.spec.empty()) throw InputError("sweep: give SPEC.json (or --merge DIR)");
  if (args.dir.empty()) throw InputError("sweep: give -o DIR, the sweep directory");
  if (!args.emit.empty() && args.has_run)
    throw InputError("sweep: --emit and --run exclude each other");
  const SweepPlan plan = load_sweep_plan(args.spec);
  check_supported(plan);
  const fs::path dir = args.dir;
  prepare_dir(plan, dir);
  if (!args.emit.empty()) return emit(plan, dir, args.emit);
  if (args.has_run) {
    if (args.run >= plan.runs.size())
      throw InputError(
          fmt::format("--run {}: {} has runs 0..{}", args.run, args.spec, plan.runs.size() - 1));
    if (fs::exists(run_file(dir, args.run))) {
      fmt::print(stderr, "memsim sweep: run {:04} already done ({})\n", args.run,
                 run_file(dir, args.run).string());
      return;
    }
    return run_pending(plan, dir, {args.run}, 1);
  }
  std::vector<std::uint64_t> pending;
  for (const SweepRun& run : plan.runs)
    if (!fs::exists(run_file(dir, run.id))) pending.push_back(run.id);
  const unsigned slots =
      args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  fmt::print(stderr, "memsim sweep: {} runs, {} already done, {} to run, {} at a time\n",
             plan.runs.size(), plan.runs.size() - pending.size(), pending.size(), slots);
  run_pending(plan, dir, pending, slots);
  merge_dir(dir);
}

} // namespace

void add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "run a spec's traces x policies x settings here, or emit them for GNU parallel or "
               "Slurm, and merge the results (docs/sweep.md)");
  cmd->add_option("SPEC", args->spec, "sweep spec (JSON): traces, policies with grids, set grid");
  cmd->add_option("-o,--output", args->dir,
                  "sweep directory: plan.json, runs/NNNN.json, sweep.csv, sweep.html");
  cmd->add_option("--jobs", args->jobs, "runs replaying at once (default: the CPU count)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--emit", args->emit,
                  "print a GNU parallel job list or a Slurm array script instead of running")
      ->check(CLI::IsMember({"parallel", "slurm"}));
  cmd->add_option("--merge", args->merge, "merge the run files of DIR into sweep.csv, sweep.html");
  CLI::Option* run = cmd->add_option("--run", args->run, "run one run (the emitted tasks' mode)");
  run->group("");
  cmd->callback([args, run] {
    args->has_run = run->count() > 0;
    run_sweep_command(*args);
  });
}

} // namespace memsim::cli
