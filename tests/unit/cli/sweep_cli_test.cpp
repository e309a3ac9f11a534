// End-to-end tests of `memsim sweep` (docs/sweep.md, docs/spec.md §10): the acceptance sweep (2
// traces x 8 policy entries x 2 region sizes) run locally, each run the replay of its parameters
// and the same bytes whatever --jobs; a killed sweep resumed without rewriting a finished run;
// --merge refusing a missing or a duplicate run; the same table through real GNU parallel with
// --sshloginfile; --run, --emit slurm and the one-line errors.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sys/stat.h>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../support/child_process.hpp"
#include "../../support/run_command.hpp"
#include "../../support/skip.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::CommandResult;
using memsim::test::MemsimChild;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::shell_quote;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;

namespace {

// The acceptance sweep of issue 21: 32 runs.
const std::string kPolicies =
    R"(["stock", {"name": "region-aware", "grid": {"lower_region_bias": [true, false],
        "ra_cache": [true, false]}}, "region-aware:sorted_freelists=false",
        "region-aware:loan_only_stealing=false", "region-aware:retype_regions=false"])";

std::string acceptance_spec() {
  return R"({"memsim_sweep": 1, "traces": [{"path": ")" + source_path("traces/quickstart.jsonl") +
         R"("}, {"path": ")" + source_path("traces/golden/compare-mixed.jsonl") +
         R"("}], "policies": )" + kPolicies +
         R"(, "set": {"zone.region_size": ["8MiB", "16MiB"]}, "resources": {"time": "00:05:00"}})";
}

CommandResult sweep(std::vector<std::string> args) {
  args.insert(args.begin(), "sweep");
  return run_memsim(args);
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// (inode, modification time in ns) of every file under DIR/runs.
std::map<std::string, std::pair<ino_t, long long>> run_files(const fs::path& dir) {
  std::map<std::string, std::pair<ino_t, long long>> out;
  for (const auto& entry : fs::directory_iterator(dir / "runs")) {
    struct stat info {};
    REQUIRE(::stat(entry.path().c_str(), &info) == 0);
    out[entry.path().filename().string()] = {info.st_ino, info.st_mtim.tv_sec * 1000000000LL +
                                                              info.st_mtim.tv_nsec};
  }
  return out;
}

// A stats document without the places that name how the run was started.
nlohmann::json comparable(nlohmann::json stats) {
  stats.erase("sweep");
  stats.erase("provenance"); // the command line: sweep's, not replay's
  stats["trace"].erase("path");
  stats.erase("policy");
  return stats;
}

bool has_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

} // namespace

TEST_CASE("A local sweep writes each run as the replay of its trace, policy and settings",
          "[cli][sweep]") {
  TempDir dir;
  write(dir / "spec.json", acceptance_spec());
  const auto r = sweep({(dir / "spec.json").string(), "-o", (dir / "out").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Contains("memsim sweep: 32 runs, 0 already done, 32 to run"));
  const std::string csv = slurp(dir / "out/sweep.csv");
  CHECK(lines(csv) == 33);
  CHECK(csv.substr(0, csv.find('\n')) ==
        "run,trace,policy,zone.region_size,free_regions,mixed_regions,homogeneity,"
        "mixed_pageblocks,fallbacks,free_pages");
  CHECK(fs::exists(dir / "out/sweep.html"));
  CHECK(fs::exists(dir / "out/plan.json"));
  // Run 23 = trace 1, entry 3 (lower_region_bias=false+ra_cache=true), 16MiB: (1*8 + 3)*2 + 1.
  const auto run = nlohmann::json::parse(slurp(dir / "out/runs/0023.json"));
  CHECK(run["sweep"]["run"] == 23);
  CHECK(run["sweep"]["policy"] == "region-aware:lower_region_bias=false+ra_cache=true");
  CHECK(run["sweep"]["set"]["zone.region_size"] == "16MiB");
  CHECK(run["policy"] == "region-aware:lower_region_bias=false+ra_cache=true");
  const auto replay = run_memsim({"replay", source_path("traces/golden/compare-mixed.jsonl"),
                                  "--policy", "region-aware", "--set", "zone.region_size=16MiB",
                                  "--set", "region_aware.lower_region_bias=false", "--json", "-"});
  REQUIRE(replay.status == 0);
  CHECK(comparable(run) == comparable(nlohmann::json::parse(replay.out)));
  CHECK_THAT(csv, Contains("\n23," + source_path("traces/golden/compare-mixed.jsonl") +
                           ",region-aware:lower_region_bias=false+ra_cache=true,16MiB,"));
  // Any --jobs gives the same files: one run at a time, or five sharing each read.
  for (const char* jobs : {"1", "5"}) {
    const fs::path other = dir / (std::string("jobs") + jobs);
    const auto again = sweep({(dir / "spec.json").string(), "-o", other.string(), "--jobs", jobs});
    REQUIRE(again.status == 0);
    CHECK(slurp(other / "sweep.csv") == csv);
    for (const auto& [name, info] : run_files(dir / "out"))
      CHECK(slurp(other / "runs" / name) == slurp(dir / "out/runs" / name));
  }
  // A second sweep into the same directory runs nothing and rewrites no run file.
  const auto before = run_files(dir / "out");
  const auto resumed = sweep({(dir / "spec.json").string(), "-o", (dir / "out").string()});
  REQUIRE(resumed.status == 0);
  CHECK_THAT(resumed.err, Contains("32 runs, 32 already done, 0 to run"));
  CHECK(run_files(dir / "out") == before);
  CHECK(slurp(dir / "out/sweep.csv") == csv);
}

TEST_CASE("A sweep killed midway resumes without redoing or rewriting a finished run",
          "[cli][sweep][slow]") {
  TempDir dir;
  // Half a second per run or more: a million events, read twice (counting pass, replay).
  const auto gen = run_memsim({"gen", "random", "-o", (dir / "big.jsonl.zst").string(), "--set",
                               "events=1000000", "--set", "memory=1GiB"});
  REQUIRE(gen.status == 0);
  write(dir / "spec.json", R"({"memsim_sweep": 1, "traces": ["big.jsonl.zst"],
      "policies": ["stock", "region-aware"], "set": {"zone.region_size": ["64MiB", "128MiB"]}})");
  const fs::path out = dir / "out";
  std::map<std::string, std::pair<ino_t, long long>> finished;
  {
    MemsimChild child({"sweep", (dir / "spec.json").string(), "-o", out.string(), "--jobs", "1"},
                      dir / "stdout", dir / "stderr");
    for (int waited = 0; waited < 60000 && finished.empty(); waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!fs::exists(out / "runs")) continue;
      for (const auto& [name, info] : run_files(out))
        if (name.ends_with(".json")) finished[name] = info;
    }
    child.signal(SIGKILL);
    CHECK(child.wait(true, 60).status == -1);
  }
  finished.clear(); // what is there after the kill
  for (const auto& [name, info] : run_files(out))
    if (name.ends_with(".json")) finished[name] = info;
  INFO(slurp(dir / "stderr"));
  REQUIRE(!finished.empty());
  REQUIRE(finished.size() < 4); // killed midway
  const auto resumed = sweep({(dir / "spec.json").string(), "-o", out.string(), "--jobs", "1"});
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK_THAT(resumed.err, Contains(fmt::format("4 runs, {} already done, {} to run",
                                               finished.size(), 4 - finished.size())));
  const auto after = run_files(out);
  for (const auto& [name, info] : finished) {
    REQUIRE(after.count(name) == 1);
    CHECK(after.at(name) == info); // same inode, same mtime: not rewritten
  }
  for (int id = 0; id < 4; ++id) CHECK(fs::exists(out / "runs" / fmt::format("{:04}.json", id)));
  CHECK(lines(slurp(out / "sweep.csv")) == 5);
}

TEST_CASE("sweep --merge refuses a missing or a duplicate run and keeps the old table",
          "[cli][sweep]") {
  TempDir dir;
  write(dir / "spec.json", acceptance_spec());
  const std::string out = (dir / "out").string();
  REQUIRE(sweep({(dir / "spec.json").string(), "-o", out}).status == 0);
  const std::string csv = slurp(dir / "out/sweep.csv");
  REQUIRE(sweep({"--merge", out}).status == 0);
  CHECK(slurp(dir / "out/sweep.csv") == csv);
  fs::rename(dir / "out/runs/0005.json", dir / "0005.json");
  auto r = sweep({"--merge", out});
  CHECK(r.status == 1);
  CHECK(r.err == out + ": 1 of 32 runs missing: 0005\n");
  fs::rename(dir / "0005.json", dir / "out/runs/0005.json");
  fs::copy_file(dir / "out/runs/0005.json", dir / "out/runs/0005-copy.json");
  r = sweep({"--merge", out});
  CHECK(r.status == 1);
  CHECK(r.err ==
        out + "/runs/0005-copy.json: run 5 again (" + out + "/runs/0005.json holds it too)\n");
  CHECK(slurp(dir / "out/sweep.csv") == csv);
  for (const auto& entry : fs::directory_iterator(dir / "out"))
    CHECK(entry.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("The job list of --emit parallel through GNU parallel gives the local table",
          "[cli][sweep]") {
  if (!has_program("parallel")) {
    memsim::test::skip_test("GNU parallel is not installed (Debian package parallel)");
    return;
  }
  TempDir dir;
  write(dir / "spec.json", acceptance_spec());
  REQUIRE(sweep({(dir / "spec.json").string(), "-o", (dir / "local").string()}).status == 0);
  const auto emitted =
      sweep({(dir / "spec.json").string(), "-o", (dir / "par").string(), "--emit", "parallel"});
  REQUIRE(emitted.status == 0);
  CHECK(lines(emitted.out) == 32);
  write(dir / "jobs.txt", emitted.out);
  write(dir / "hosts", "2/:\n"); // this machine (":"), two jobs at a time
  const std::string command = "cd / && parallel --will-cite --halt now,fail=1 --sshloginfile " +
                              shell_quote((dir / "hosts").string()) + " < " +
                              shell_quote((dir / "jobs.txt").string()) + " > " +
                              shell_quote((dir / "parallel.log").string()) + " 2>&1";
  const int status = std::system(command.c_str());
  INFO(slurp(dir / "parallel.log"));
  REQUIRE(status == 0);
  const auto merged = sweep({"--merge", (dir / "par").string()});
  INFO(merged.err);
  REQUIRE(merged.status == 0);
  CHECK(slurp(dir / "par/sweep.csv") == slurp(dir / "local/sweep.csv"));
  for (const auto& [name, info] : run_files(dir / "local"))
    CHECK(slurp(dir / "par/runs" / name) == slurp(dir / "local/runs" / name));
}

TEST_CASE("A task's --run runs its run once, and --emit slurm prints the array script",
          "[cli][sweep]") {
  TempDir dir;
  write(dir / "spec.json", acceptance_spec());
  const std::string spec = (dir / "spec.json").string(), out = (dir / "out").string();
  auto r = sweep({spec, "-o", out, "--run", "7"});
  REQUIRE(r.status == 0);
  CHECK(fs::exists(dir / "out/runs/0007.json"));
  CHECK(fs::exists(dir / "out/plan.json"));
  const auto once = run_files(dir / "out");
  r = sweep({spec, "-o", out, "--run", "7"});
  CHECK(r.status == 0);
  CHECK_THAT(r.err, Contains("run 0007 already done"));
  CHECK(run_files(dir / "out") == once);
  r = sweep({spec, "-o", out, "--run", "32"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains("--run 32: " + spec + " has runs 0..31"));
  r = sweep({spec, "-o", out, "--emit", "slurm"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("#SBATCH --array=0-31\n") && Contains("#SBATCH --time=00:05:00\n"));
  CHECK_THAT(r.out, Contains(" sweep " + spec + " -o " + out + " --run \"$SLURM_ARRAY_TASK_ID\""));
  CHECK(fs::is_directory(dir / "out/logs"));
}

TEST_CASE("Sweep errors are one line with exit status 1", "[cli][sweep]") {
  TempDir dir;
  write(dir / "spec.json", acceptance_spec());
  const std::string spec = (dir / "spec.json").string(), out = (dir / "out").string();
  REQUIRE(sweep({spec, "-o", out, "--run", "0"}).status == 0);
  // Another sweep into the same directory.
  write(dir / "other.json", R"({"memsim_sweep": 1, "traces": [")" +
                                source_path("traces/quickstart.jsonl") +
                                R"("], "policies": ["stock"]})");
  auto r = sweep({(dir / "other.json").string(), "-o", out});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Contains(out + ": holds another sweep"));
  write(dir / "bad.json", R"({"memsim_sweep": 1, "traces": ["nope.jsonl"], "policies": ["x"]})");
  r = sweep({(dir / "bad.json").string(), "-o", out});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Contains("bad.json: policies[0]: ") && Contains("unknown policy \"x\""));
  write(dir / "expect.json", R"({"memsim_sweep": 1, "traces": [{"path": ")" +
                                 source_path("traces/quickstart.jsonl") +
                                 R"(", "proc_expect": "."}], "policies": ["stock"]})");
  r = sweep({(dir / "expect.json").string(), "-o", (dir / "e").string()});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains("proc_expect needs --proc-expect"));
  r = sweep({"--merge", (dir / "nothing").string()});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Contains("nothing/plan.json: cannot open"));
  r = sweep({spec});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains("give -o DIR"));
}
