// End-to-end tests of "nothing lost" (docs/spec.md §1, issue 7): SIGINT / SIGTERM in the middle of
// a replay or compare fed through a pipe leave no output and no temporary file and exit 130 with a
// message; a full disk and unwritable paths are one-line errors that leave nothing behind.
#include <catch2/catch.hpp>

#include "../../support/skip.hpp"

#include <csignal>
#include <filesystem>

#include "../../support/child_process.hpp"
#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using memsim::test::MemsimChild;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::TraceStream;

namespace {

const std::string kTrace = source_path("traces/golden/pcp-and-fallback.jsonl");

// Bytes in the temporary files ("NAME.tmp.PID") of `dir`.
std::uintmax_t temp_bytes(const fs::path& dir) {
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos)
      bytes += entry.file_size();
  return bytes;
}

struct Interrupted {
  memsim::test::ChildResult result;
  std::string err;
  bool partial = false; // a temporary output held bytes when the signal was sent
};

// Runs memsim `args` on a trace streamed through its standard input until a temporary output in
// `out_dir` holds bytes (or, without `wait_for_bytes`, for a few batches), then sends `sig`
// while the input is still open (so the run cannot end on its own) and reaps it.
Interrupted interrupt(const std::vector<std::string>& args, const fs::path& out_dir, int sig,
                      bool wait_for_bytes) {
  TempDir logs;
  MemsimChild child(args, logs / "stdout", logs / "stderr");
  TraceStream trace(4096);
  bool alive = child.write_input(TraceStream::header("256MiB"));
  Interrupted run;
  for (int batch = 0; alive && batch < 3000; ++batch) {
    std::string text;
    trace.append(text, 20000);
    alive = child.write_input(text);
    run.partial = temp_bytes(out_dir) > 0;
    if (wait_for_bytes ? run.partial : batch == 20) break;
  }
  child.signal(sig);
  run.result = child.wait(true, 60);
  run.err = slurp(logs / "stderr");
  return run;
}

} // namespace

TEST_CASE("SIGINT during a replay removes the partial outputs and exits 130 with a message",
          "[cli][signals]") {
  TempDir dir;
  const auto run = interrupt({"replay", "-", "--json", (dir / "stats.json").string(),
                              "--placements", (dir / "placements.jsonl").string()},
                             dir.path, SIGINT, true);
  CHECK(run.partial);
  CHECK(run.result.status == 130);
  CHECK(run.err == "memsim: interrupted (SIGINT); unfinished outputs removed\n");
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("SIGTERM during a replay removes the partial outputs and exits 130 with a message",
          "[cli][signals]") {
  TempDir dir;
  const auto run = interrupt({"replay", "-", "--json", (dir / "stats.json").string(),
                              "--placements", (dir / "placements.jsonl").string()},
                             dir.path, SIGTERM, true);
  CHECK(run.partial);
  CHECK(run.result.status == 130);
  CHECK(run.err == "memsim: terminated (SIGTERM); unfinished outputs removed\n");
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("SIGINT and SIGTERM during a compare leave no output and exit 130 with a message",
          "[cli][signals]") {
  for (const int sig : {SIGINT, SIGTERM}) {
    TempDir dir;
    const auto run = interrupt({"compare", "-", "--json", (dir / "compare.json").string()},
                               dir.path, sig, false);
    CHECK(run.result.status == 130);
    CHECK_THAT(run.err, Catch::Contains("; unfinished outputs removed"));
    CHECK(one_line(run.err));
    CHECK(fs::is_empty(dir.path));
  }
}

TEST_CASE("A full disk under --json or --placements exits 1 naming the device and the reason",
          "[cli]") {
  if (!fs::is_character_file("/dev/full")) {
    memsim::test::skip_test("no /dev/full on this machine: skipped");
    return;
  }
  TempDir dir;
  const std::string placements = (dir / "placements.jsonl").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"replay", kTrace, "--json", "/dev/full"},
        std::vector<std::string>{"replay", kTrace, "--json", "/dev/full", "--placements",
                                 placements},
        std::vector<std::string>{"replay", kTrace, "--placements", "/dev/full"},
        std::vector<std::string>{"compare", kTrace, "--json", "/dev/full"}}) {
    const auto r = run_memsim(args);
    INFO(args[0] << ' ' << args[2] << ' ' << args[3]);
    CHECK(r.status == 1);
    CHECK(r.err == "/dev/full: cannot write: No space left on device\n");
    CHECK(fs::is_empty(dir.path)); // the good output is not renamed when another one failed
  }
}

TEST_CASE("An output path under a regular file or in /proc exits 1 before replaying", "[cli]") {
  TempDir dir;
  std::ofstream(dir / "file.txt") << "a file, not a directory\n";
  const std::string under_file = (dir / "file.txt" / "out.json").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"replay", kTrace, "--json", under_file},
        std::vector<std::string>{"replay", kTrace, "--placements", under_file},
        std::vector<std::string>{"compare", kTrace, "--json", under_file}}) {
    const auto r = run_memsim(args);
    CHECK(r.status == 1);
    CHECK(r.err == under_file + ": cannot write: Not a directory\n");
  }
  const auto proc = run_memsim({"replay", kTrace, "--json", "/proc/memsim-stats.json"});
  CHECK(proc.status == 1);
  CHECK(one_line(proc.err));
  CHECK_THAT(proc.err, Catch::StartsWith("/proc/memsim-stats.json: cannot write: "));
  CHECK_FALSE(fs::exists("/proc/memsim-stats.json"));
  CHECK(slurp(dir / "file.txt") == "a file, not a directory\n");
}

TEST_CASE("An unwritable output is reported before a long replay starts", "[cli]") {
  TempDir dir;
  std::ofstream(dir / "file.txt") << "x";
  const std::string bad = (dir / "file.txt" / "stats.json").string();
  // The input is never closed, so the run cannot end: the error must come from the output as
  // soon as the header is read (the first read fills a 1 MiB window, hence the 4 MB of events).
  TempDir logs;
  MemsimChild child({"replay", "-", "--json", bad}, logs / "stdout", logs / "stderr");
  TraceStream trace(4096);
  std::string text = TraceStream::header("256MiB");
  trace.append(text, 100000);
  child.write_input(text);
  const auto r = child.wait(true, 60);
  CHECK(r.status == 1);
  CHECK(slurp(logs / "stderr") == bad + ": cannot write: Not a directory\n");
}
