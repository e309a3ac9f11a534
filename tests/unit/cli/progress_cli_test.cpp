// The progress line (cli/progress.cpp) on a terminal: util-linux `script` gives memsim a
// pseudo-terminal as stderr and records what it draws. On standard input it counts events and
// bytes read; on the shared 1 GiB xz recording it covers both passes, each with its rate and the
// time left. Skipped without `script` (and the second without ../shared/traces).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "../../support/run_command.hpp"
#include "../../support/skip.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::shell_quote;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

bool have_script() {
  return std::system("command -v script >/dev/null 2>&1") == 0;
}

// Runs the shell `command` on a pseudo-terminal; what the terminal showed.
std::string on_terminal(const TempDir& dir, const std::string& command) {
  const fs::path typescript = dir / "typescript";
  const std::string line = "script -q -e -E never -c " + shell_quote(command) + " " +
                           shell_quote(typescript.string()) + " </dev/null >/dev/null 2>&1";
  REQUIRE(std::system(line.c_str()) == 0);
  return slurp(typescript);
}

} // namespace

TEST_CASE("On standard input the progress line counts events and bytes read", "[cli][progress]") {
  if (!have_script()) {
    memsim::test::skip_test("util-linux script is not installed: no pseudo-terminal to test on");
    return;
  }
  TempDir dir;
  // The first 150,000 lines (3 MB: more than the reader's first window), a pause of 2 s, then
  // the rest: the replay waits on the pipe with events applied.
  const std::string trace = shell_quote(source_path("traces/mixed-1g-head.jsonl.zst"));
  const std::string command = "{ zstd -dc " + trace + " | head -n 150000; sleep 2; zstd -dc " +
                              trace + " | tail -n +150001; } | " + shell_quote(MEMSIM_BINARY) +
                              " replay - --json /dev/null";
  const std::string shown = on_terminal(dir, command);
  CHECK(std::regex_search(shown, std::regex("memsim: replaying <stdin>: [1-9][0-9,]* events, "
                                            "[0-9.]+ MB read \\(")));
  CHECK_THAT(shown, Contains(" M events/s)"));
  CHECK_THAT(shown, Contains("\r\033[K")); // erased when done
}

TEST_CASE("On a trace file the progress line covers both passes with rate and time left",
          "[cli][progress][slow]") {
  const fs::path trace = fs::path(MEMSIM_SHARED_DIR) / "traces/mixed-1g-smp2/trace.txt.xz";
  if (!have_script() || !fs::exists(trace)) {
    memsim::test::skip_test("needs util-linux script and ../shared/traces/mixed-1g-smp2");
    return;
  }
  TempDir dir;
  const std::string shown = on_terminal(dir, shell_quote(MEMSIM_BINARY) + " replay " +
                                                 shell_quote(trace.string()) + " --json /dev/null");
  // Pass 1 (geometry and event count) in bytes of the file, pass 2 in events.
  CHECK_THAT(shown, Contains("memsim: reading trace.txt.xz: "));
  CHECK_THAT(shown, Contains(" of 24 MB, "));
  CHECK_THAT(shown, Contains(" MB/s, "));
  CHECK_THAT(shown, Contains("memsim: replaying trace.txt.xz: "));
  CHECK_THAT(shown, Contains(" of 3,113,880 events, "));
  CHECK_THAT(shown, Contains(" s left)"));
}
