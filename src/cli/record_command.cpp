// `memsim record -o DIR [--events buddy] [--seconds N] [--allow-lost] [-- COMMAND...]`: CLI wiring
// of src/record/recorder.hpp. SIGINT and SIGTERM end the recording (not memsim) while it runs, so
// the bundle is finished and tracefs restored; the summary goes to stderr.
#include <atomic>
#include <csignal>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "record/recorder.hpp"

namespace memsim::cli {

namespace {

std::atomic<bool> g_interrupted = false; // set by the signal handler only

extern "C" void on_record_signal(int) {
  g_interrupted = true;
}

struct RecordArgs {
  record::RecordOptions options;
  std::string events = "page";
};

void run_record(RecordArgs& args) {
  if (args.events != "page" && args.events != "buddy")
    throw InputError(fmt::format("--events: expected page or buddy, got '{}'", args.events));
  args.options.buddy_events = args.events == "buddy";
  auto* old_int = std::signal(SIGINT, on_record_signal);
  auto* old_term = std::signal(SIGTERM, on_record_signal);
  struct Restore {
    decltype(old_int) i, t;
    ~Restore() {
      std::signal(SIGINT, i);
      std::signal(SIGTERM, t);
    }
  } restore{old_int, old_term};
  const record::RecordResult result = record::record(args.options, g_interrupted);
  const std::string ending =
      result.interrupted ? "stopped by a signal"
      : result.timed_out ? fmt::format("stopped after --seconds {}", args.options.seconds)
      : result.command_status >= 0
          ? fmt::format("the command exited with status {}", result.command_status)
          : "stopped";
  fmt::print(stderr, "memsim record: {}: {:.1f} s, {} bytes of trace text, {} events lost; {}\n",
             args.options.out_dir, result.duration_s, result.trace_bytes, result.lost_events,
             ending);
  fmt::print(stderr, "  replay it with: memsim replay {}\n", args.options.out_dir);
}

} // namespace

void add_record_command(CLI::App& app) {
  auto args = std::make_shared<RecordArgs>();
  CLI::App* cmd = app.add_subcommand(
      "record", "record the kernel's page-allocator events while COMMAND runs (root, tracefs)");
  cmd->add_option("-o,--output", args->options.out_dir,
                  "bundle directory to write (new or empty): trace.txt.zst, begin/, end/, "
                  "meta.json")
      ->required();
  cmd->add_option("--events", args->events,
                  "page: mm_page_alloc and mm_page_free (default); buddy: also the buddy-level, "
                  "compaction and migration events");
  cmd->add_option("--seconds", args->options.seconds, "stop after N seconds")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--buffer-kb", args->options.buffer_kb, "ring buffer per CPU, in KiB")
      ->check(CLI::Range(64u, 4u << 20))
      ->capture_default_str();
  cmd->add_flag("--allow-lost", args->options.allow_lost,
                "keep a recording whose ring buffer lost events (else an error)");
  cmd->add_option("COMMAND", args->options.command,
                  "the command to run while recording (after --); none: until SIGINT or "
                  "--seconds");
  cmd->callback([args] { run_record(*args); });
}

} // namespace memsim::cli
