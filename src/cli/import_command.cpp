// `memsim import ftrace IN -o OUT`: converts kmem tracepoint text (SPEC §4.5) into a memsim JSON
// Lines trace, written atomically, and prints what it skipped and why.
#include <memory>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "report/output_file.hpp"

namespace memsim::cli {

namespace {

struct ImportArgs {
  std::string input;
  std::string output;
  std::string gfp_bits = "4.4";
  bool skip_bad_lines = false;
};

// One event as a memsim JSON Lines line (SPEC §4.2).
void write_event(fmt::memory_buffer& buffer, const Event& e) {
  auto it = std::back_inserter(buffer);
  switch (e.op) {
  case EventOp::alloc:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"alloc","id":{},"order":{},"mt":"{}")"), e.id, e.order,
                   to_string(e.mt));
    break;
  case EventOp::free:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"free","id":{},"order":{})"), e.id, e.order);
    break;
  case EventOp::split:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"split","id":{})"), e.id);
    break;
  case EventOp::mark:
    fmt::format_to(
        it, FMT_COMPILE(R"({{"op":"mark","label":{})"),
        nlohmann::json(e.label).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    break;
  }
  fmt::format_to(it, FMT_COMPILE(R"(,"cpu":{})"), e.cpu);
  if (e.has_t) fmt::format_to(it, FMT_COMPILE(R"(,"t":{})"), e.t);
  buffer.append(std::string_view("}\n"));
}

void run_import(const ImportArgs& args) {
  if (args.gfp_bits != "4.4" && args.gfp_bits != "pre-4.4")
    throw InputError(fmt::format("--gfp-bits: expected 4.4 or pre-4.4, got '{}'", args.gfp_bits));
  const auto& ext = args.output;
  for (const char* suffix : {".gz", ".zst", ".xz"})
    if (ext.size() > std::string_view(suffix).size() &&
        ext.compare(ext.size() - std::string_view(suffix).size(), std::string::npos, suffix) == 0)
      throw InputError(fmt::format(
          "{}: compressed output is not supported yet; write plain .jsonl and compress it",
          args.output));
  FtraceOptions options;
  options.skip_bad_lines = args.skip_bad_lines;
  options.gfp_pre_4_4 = args.gfp_bits == "pre-4.4";
  const std::unique_ptr<TraceReader> reader = open_ftrace(args.input, options);
  const TraceHeader& header = reader->header();
  OutputFile out(args.output);
  nlohmann::json head = {{"memsim_trace", 1}, {"zone", header.zone}, {"meta", header.meta}};
  // Event kinds and marks come from the text as they are: invalid UTF-8 is replaced, not fatal.
  out.stream() << head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  fmt::memory_buffer buffer;
  Event event;
  std::uint64_t events = 0;
  while (reader->next(event)) {
    write_event(buffer, event);
    ++events;
    if (buffer.size() > (std::size_t{1} << 20)) {
      out.stream().write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.stream().write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.commit();

  const nlohmann::json& meta = header.meta;
  fmt::print(stderr, "memsim import: {}: {} lines, {} events written to {}\n",
             meta["source"].get<std::string>(), meta["lines"].get<std::uint64_t>(), events,
             args.output);
  fmt::print(stderr,
             "notice: geometry from the trace: zone.memory {} (highest page allocated {:#x}, "
             "rounded up to a 512 MiB region), zone.start_pfn 0, zone.cpus {}\n",
             header.zone["memory"].get<std::string>(),
             meta["highest_page_end"].get<std::uint64_t>(),
             header.zone["cpus"].get<std::uint64_t>());
  if (meta["failed_in_trace"].get<std::uint64_t>() != 0)
    fmt::print(stderr, "  {} failed allocations (pfn=0) not replayed (meta.failed_in_trace)\n",
               meta["failed_in_trace"].get<std::uint64_t>());
  for (const auto& [kind, count] : meta["skipped"].items()) {
    const char* why = kind == "unparsed" ? "not a trace event line"
                      : kind == "mm_page_free_batched" || kind == "mm_pagevec_free"
                          ? "the page's mm_page_free is the free"
                          : "not a page allocation event";
    fmt::print(stderr, "  skipped {} {} lines: {}\n", count.get<std::uint64_t>(), kind, why);
  }
  if (meta["bad_lines"].get<std::uint64_t>() != 0)
    fmt::print(stderr, "  skipped {} malformed lines (--skip-bad-lines)\n",
               meta["bad_lines"].get<std::uint64_t>());
}

} // namespace

void add_import_command(CLI::App& app) {
  CLI::App* import = app.add_subcommand("import", "convert a foreign trace to memsim JSON Lines");
  import->require_subcommand(1);
  CLI::App* cmd = import->add_subcommand(
      "ftrace", "kmem tracepoint text (tracefs trace / trace_pipe, trace-cmd report, perf script)");
  auto args = std::make_shared<ImportArgs>();
  cmd->add_option("IN", args->input, "the trace text (plain, .gz, .zst or .xz by content)")
      ->required();
  cmd->add_option("-o,--output", args->output, "the memsim JSON Lines trace to write")->required();
  cmd->add_option("--gfp-bits", args->gfp_bits,
                  "bit layout of hex gfp_flags: 4.4 (default) or pre-4.4");
  cmd->add_flag("--skip-bad-lines", args->skip_bad_lines,
                "count malformed known events in meta.bad_lines instead of failing");
  cmd->callback([args] { run_import(*args); });
}

} // namespace memsim::cli
