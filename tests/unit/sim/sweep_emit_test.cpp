// The cluster side of a sweep (sim/sweep_emit.hpp): the GNU parallel job list has one quoted
// `memsim sweep SPEC -o DIR --run N` command per run, and the Slurm script an array over every
// run with the spec's resources; paths that would break a line are refused.
#include <catch2/catch.hpp>

#include "../../support/run_command.hpp"
#include "memsim/error.hpp"
#include "sim/sweep_emit.hpp"

using namespace memsim;
using Catch::Matchers::Contains;
using memsim::test::TempDir;

namespace {

SweepPlan three_runs(const TempDir& dir, const std::string& resources) {
  std::ofstream(dir / "a.jsonl") << "{\"memsim_trace\":1}\n";
  return plan_sweep(parse_sweep_spec(R"({"memsim_sweep": 1, "traces": ["a.jsonl"],
        "policies": ["stock"], "set": {"zone.cpus": [1, 2, 4]})" +
                                         resources + "}",
                                     "spec.json"),
                    (dir / "spec.json").string());
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

} // namespace

TEST_CASE("Words are quoted for the shell only when they need it", "[sweep]") {
  CHECK(shell_word("/usr/bin/memsim") == "/usr/bin/memsim");
  CHECK(shell_word("a b") == "'a b'");
  CHECK(shell_word("it's") == "'it'\\''s'");
  CHECK(shell_word("$HOME") == "'$HOME'");
  CHECK(shell_word("") == "''");
}

TEST_CASE("The parallel job list is one run command per line, in run order", "[sweep]") {
  TempDir dir;
  const SweepPlan plan = three_runs(dir, "");
  const auto job = lines(parallel_job_list(plan, {"/opt/memsim", "/s p/spec.json", "/out"}));
  REQUIRE(job.size() == 3);
  CHECK(job[0] == "/opt/memsim sweep '/s p/spec.json' -o /out --run 0");
  CHECK(job[2] == "/opt/memsim sweep '/s p/spec.json' -o /out --run 2");
  CHECK_THROWS_WITH(parallel_job_list(plan, {"/opt/memsim", "/a\nb", "/out"}),
                    Contains("--emit parallel: path \"/a\nb\" holds a line break"));
}

TEST_CASE("The Slurm script is an array over every run with the spec's resources", "[sweep]") {
  TempDir dir;
  const SweepPlan plan =
      three_runs(dir, R"(, "resources": {"cpus": 2, "mem": "4G", "time": "00:30:00",
                         "partition": "short"})");
  const std::string script = slurm_script(plan, {"/opt/memsim", "/s/spec.json", "/my out"});
  const auto line = lines(script);
  REQUIRE(line.size() >= 8);
  CHECK(line[0] == "#!/bin/bash");
  CHECK_THAT(script, Contains("\n#SBATCH --array=0-2\n"));
  CHECK_THAT(script, Contains("\n#SBATCH --output=\"/my out/logs/%A_%a.out\"\n"));
  CHECK_THAT(script, Contains("\n#SBATCH --cpus-per-task=2\n"));
  CHECK_THAT(script, Contains("\n#SBATCH --mem=4G\n"));
  CHECK_THAT(script, Contains("\n#SBATCH --time=00:30:00\n"));
  CHECK_THAT(script, Contains("\n#SBATCH --partition=short\n"));
  CHECK(line.back() ==
        "exec /opt/memsim sweep /s/spec.json -o '/my out' --run \"$SLURM_ARRAY_TASK_ID\"");
  // sbatch reads #SBATCH lines only before the first command.
  bool command_seen = false;
  for (const std::string& l : line) {
    if (l.starts_with("#SBATCH")) CHECK_FALSE(command_seen);
    if (!l.starts_with("#")) command_seen = true;
  }
  const std::string bare = slurm_script(three_runs(dir, ""), {"/m", "/s.json", "/o"});
  CHECK_THAT(bare, !Contains("--mem") && !Contains("--time") && !Contains("--cpus-per-task"));
  CHECK_THROWS_WITH(slurm_script(plan, {"/m", "/s.json", "/o\"x"}),
                    Contains("a #SBATCH line cannot hold a path with a double quote"));
}
