// `memsim report STATS.json... -o OUT.html` (docs/spec.md §1): reads stats and compare documents,
// checks them, and writes the self-contained HTML page of report/html_report.hpp. The runs of every
// document are put side by side, in the order given; documents of different traces or zones are
// refused unless --allow-mixed (the page then says so). --label gives runs short names,
// --export DIR writes every chart as SVG and every table as CSV.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "report/html_report.hpp"
#include "report/report_export.hpp"

namespace memsim::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string output;
  std::vector<std::string> labels;
  std::string export_dir;
  bool allow_mixed = false;
};

void run_report(const ReportArgs& args) {
  if (std::count(args.inputs.begin(), args.inputs.end(), "-") > 1)
    throw InputError("memsim: report: - (standard input) can be given once");
  check_outputs("report", {{"-o", &args.output}, {"--export", &args.export_dir, true}});
  std::vector<ReportRun> runs;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    std::vector<ReportRun> more = load_report_runs(args.inputs[i]);
    for (ReportRun& run : more) run.document = i;
    runs.insert(runs.end(), std::make_move_iterator(more.begin()),
                std::make_move_iterator(more.end()));
  }
  std::vector<std::string> names;
  for (const ReportRun& run : runs) names.push_back(run.policy);
  const std::vector<std::optional<std::string>> labels = run_labels(names, args.labels);
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (labels[i]) runs[i].label = *labels[i];
  if (const auto mismatch = mixed_inputs(runs); mismatch && !args.allow_mixed)
    throw InputError(fmt::format("memsim: report: {}; --allow-mixed puts them side by side "
                                 "anyway (the page then says so)",
                                 *mismatch));
  write_html_report_file(args.output, runs);
  if (!args.export_dir.empty()) export_report(args.export_dir, runs);
}

} // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "render stats documents (one run or a comparison) as a self-contained HTML page");
  cmd->add_option("STATS", args->inputs,
                  "stats documents of replay --json or compare --json (- for stdin)")
      ->type_name("FILE")
      ->required();
  cmd->add_option("-o,--output", args->output, "the HTML file to write (- for stdout)")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--label", args->labels,
                  "a short name for a run: RUN=TEXT, RUN its policy entry or its position "
                  "(1=TEXT); repeatable")
      ->type_name("RUN=TEXT")
      ->allow_extra_args(false);
  cmd->add_flag("--allow-mixed", args->allow_mixed,
                "put runs of different traces or zones side by side (the page says so)");
  cmd->add_option("--export", args->export_dir,
                  "also write every chart as a standalone SVG and every table as CSV to DIR")
      ->type_name("DIR");
  cmd->callback([args] { run_report(*args); });
}

} // namespace memsim::cli
