// `memsim gen WORKLOAD -o OUT [--seed S] [--set param=value ...]` (docs/spec.md §1, §4.6): streams
// a workload model's events to a JSON Lines trace, compressed by the output's extension (.gz, .zst,
// .xz), in constant memory whatever the trace length.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "report/compressed_output.hpp"
#include "report/trace_writer.hpp"
#include "workload/workload.hpp"

namespace memsim::cli {

namespace {

struct GenArgs {
  std::string workload;
  std::string output;
  std::uint64_t seed = 1;
  std::vector<std::string> sets;
};

std::string models_help() {
  std::string text = "\nWorkloads (parameters: --set NAME=VALUE; docs/workloads.md):\n";
  for (const workload::ModelInfo& m : workload::models()) {
    text += fmt::format("\n{} - {}\n  {}\n", m.name, m.summary, m.description);
    for (const workload::ParamSpec& p : m.params)
      text += fmt::format("    {:<22} {:>8}  {}\n", p.name, p.default_value, p.help);
  }
  return text;
}

void run_gen(const GenArgs& args) {
  const std::unique_ptr<TraceReader> gen =
      workload::make_generator(args.workload, args.seed, args.sets);
  CompressedOutputFile out(args.output);
  const std::uint64_t events = write_trace(out.stream(), *gen);
  out.commit();
  fmt::print(stderr, "memsim gen {}: {} events written to {}\n", args.workload, events,
             args.output);
}

} // namespace

void add_gen_command(CLI::App& app) {
  auto args = std::make_shared<GenArgs>();
  CLI::App* cmd = app.add_subcommand("gen", "write a synthetic trace from a workload model");
  cmd->add_option("workload", args->workload, "ebizzy, kbuild, pagecache or random")
      ->type_name("WORKLOAD")
      ->required();
  cmd->add_option("-o,--output", args->output, "output trace (JSON Lines; .gz, .zst, .xz compress)")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--seed", args->seed, "random seed (default 1)")
      ->type_name("N")
      ->check(unsigned_integer());
  cmd->add_option("--set", args->sets,
                  "model parameter NAME=VALUE, repeatable (sizes: 4G, 4GiB or bytes with B)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  cmd->footer(models_help());
  cmd->callback([args] { run_gen(*args); });
}

} // namespace memsim::cli
