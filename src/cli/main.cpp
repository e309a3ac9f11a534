// memsim's entry point: CLI11 subcommands, and the one place where errors become exit codes
// (0 ok; 1 bad input, usage or unwritable output; 2 internal error; 130 interrupted).
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "report/output_file.hpp"

namespace {

// SIGINT / SIGTERM: unlink the uncommitted outputs, say so with write(2) (stdio is not
// async-signal-safe) and exit 130 (docs/spec.md §1).
extern "C" void on_signal(int signal) {
  memsim::remove_uncommitted_outputs();
  static constexpr char kInt[] = "memsim: interrupted (SIGINT); unfinished outputs removed\n";
  static constexpr char kTerm[] = "memsim: terminated (SIGTERM); unfinished outputs removed\n";
  const bool is_int = signal == SIGINT;
  [[maybe_unused]] const ssize_t n =
      ::write(STDERR_FILENO, is_int ? kInt : kTerm, (is_int ? sizeof kInt : sizeof kTerm) - 1);
  _exit(130);
}

void print_error(const char* message) {
  fmt::print(stderr, "{}\n", message);
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  memsim::cli::record_command_line(argc, argv);
  CLI::App app{"memsim: replay page-allocation traces through a simulated Linux zone"};
  app.require_subcommand(1);
  app.set_version_flag("--version", memsim::cli::version_text());
  memsim::cli::add_replay_command(app);
  memsim::cli::add_compare_command(app);
  memsim::cli::add_policies_command(app);
  memsim::cli::add_import_command(app);
  memsim::cli::add_report_command(app);
  memsim::cli::add_gen_command(app);
  memsim::cli::add_record_command(app);
  memsim::cli::add_sweep_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(memsim::cli::usage_message(app, e).c_str());
    return 1;
  } catch (const memsim::InputError& e) {
    print_error(memsim::cli::error_line(e.what()).c_str());
    return 1;
  } catch (const memsim::InternalError& e) {
    print_error(e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    print_error("memsim: out of memory");
    return 2;
  } catch (const std::exception& e) {
    print_error(fmt::format("memsim: internal error: {}", e.what()).c_str());
    return 2;
  }
  return 0;
}
