// `memsim import ftrace IN -o OUT`: converts kmem tracepoint events (docs/spec.md §4.5: text, or a
// trace.dat or Perfetto trace read as text, docs/formats.md) into a memsim JSON Lines trace,
// written atomically, and prints what it skipped and why.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "report/compressed_output.hpp"
#include "report/trace_writer.hpp"

namespace memsim::cli {

namespace {

struct ImportArgs {
  std::string input;
  std::string output;
  TraceOptions options;
};

// The input as ftrace text (standard input spooled); a memsim trace is not imported.
std::unique_ptr<TraceReader> open_trace_ftrace_only(const std::string& path,
                                                    const TraceOptions& options) {
  std::unique_ptr<TraceReader> reader = open_trace(path, ftrace_options(options));
  if (!reader->header().ftrace)
    throw InputError(fmt::format("{}: not kmem ftrace text (no trace event line in its first 32 "
                                 "lines); it reads as a memsim trace: replay it directly",
                                 path == "-" ? "<stdin>" : path));
  return reader;
}

void run_import(const ImportArgs& args) {
  const std::unique_ptr<TraceReader> reader = open_trace_ftrace_only(args.input, args.options);
  const TraceHeader& header = reader->header();
  CompressedOutputFile out(args.output);
  const std::uint64_t events = write_trace(out.stream(), *reader);
  out.commit();

  fmt::print(stderr, "memsim import: {}: {} lines, {} events written to {}\n",
             header.meta["source"].get<std::string>(), header.meta["lines"].get<std::uint64_t>(),
             events, args.output);
  print_ftrace_notice(header, true);
}

} // namespace

void add_import_command(CLI::App& app) {
  CLI::App* import = app.add_subcommand("import", "convert a foreign trace to memsim JSON Lines");
  import->require_subcommand(1);
  CLI::App* cmd = import->add_subcommand(
      "ftrace", "kmem tracepoint events: text (tracefs trace / trace_pipe, trace-cmd report, perf "
                "script), trace.dat, Perfetto, a memsim record bundle");
  auto args = std::make_shared<ImportArgs>();
  cmd->add_option("IN", args->input,
                  "the trace (format and .gz, .zst or .xz told by content), or a bundle directory")
      ->type_name("FILE")
      ->required();
  cmd->add_option("-o,--output", args->output,
                  "the memsim JSON Lines trace to write (.gz, .zst, .xz compress)")
      ->type_name("FILE")
      ->required();
  add_trace_options(*cmd, args->options);
  cmd->callback([args] {
    use_recording_bundle(args->input, args->options);
    run_import(*args);
  });
}

} // namespace memsim::cli
