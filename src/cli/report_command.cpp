// `memsim report STATS.json... -o OUT.html` (docs/spec.md §1): reads stats and compare documents,
// checks them, and writes the self-contained HTML page of report/html_report.hpp. The runs of every
// document are put side by side, in the order given.
#include <memory>

#include "cli/commands.hpp"
#include "report/html_report.hpp"

namespace memsim::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string output;
};

void run_report(const ReportArgs& args) {
  std::vector<ReportRun> runs;
  for (const std::string& path : args.inputs) {
    std::vector<ReportRun> more = load_report_runs(path);
    runs.insert(runs.end(), std::make_move_iterator(more.begin()),
                std::make_move_iterator(more.end()));
  }
  write_html_report_file(args.output, runs);
}

} // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "render stats documents (one run or a comparison) as a self-contained HTML page");
  cmd->add_option("STATS", args->inputs,
                  "stats documents of replay --json or compare --json (- for stdin)")
      ->required();
  cmd->add_option("-o,--output", args->output, "the HTML file to write (- for stdout)")->required();
  cmd->callback([args] { run_report(*args); });
}

} // namespace memsim::cli
