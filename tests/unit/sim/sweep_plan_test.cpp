// The sweep plan (sim/sweep_plan.hpp, sim/sweep_run.hpp's job cutting): run ids in the nesting
// order of docs/spec.md §10 (trace outermost, set keys innermost), hand-computed; trace paths
// relative to the spec file with globs sorted; DIR/plan.json read back and checked; one sweep
// recognised wherever its files lie; and the balanced jobs of the local pool.
#include <catch2/catch.hpp>

#include "../../support/run_command.hpp"
#include "memsim/error.hpp"
#include "sim/sweep_plan.hpp"
#include "sim/sweep_run.hpp"

using namespace memsim;
using Catch::Matchers::Contains;
using memsim::test::TempDir;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "{\"memsim_trace\":1}\n";
}

// 2 traces x 3 policy entries x set {a: 2 values, b: 3 values} = 36 runs.
SweepSpec two_by_three_by_six() {
  return parse_sweep_spec(R"({"memsim_sweep": 1, "traces": ["t/x.jsonl", "y.jsonl"],
      "policies": ["stock", {"name": "region-aware", "grid": {"ra_cache": [true, false]}}],
      "set": {"zone.region_size": ["8MiB", "16MiB", "32MiB"], "pcp.enabled": [true, false]}})",
                          "spec.json");
}

std::string plan_error(const SweepSpec& spec, const fs::path& file) {
  try {
    plan_sweep(spec, file.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("Runs are numbered trace outermost, then policy entries, then set keys in key order",
          "[sweep]") {
  TempDir dir;
  touch(dir / "t/x.jsonl");
  touch(dir / "y.jsonl");
  const SweepPlan plan = plan_sweep(two_by_three_by_six(), (dir / "spec.json").string());
  REQUIRE(plan.runs.size() == 36);
  CHECK(plan.traces[0].name == "t/x.jsonl");
  CHECK(plan.traces[0].path == (dir / "t/x.jsonl").string());
  CHECK(plan.traces[1].name == "y.jsonl");
  // Keys: pcp.enabled (2 values) before zone.region_size (3 values). Run 33 = trace 1,
  // policy 2, pcp.enabled index 1, region_size index 0: ((1*3 + 2)*2 + 1)*3 + 0 = 33.
  const SweepRun& run = plan.runs[33];
  CHECK(run.id == 33);
  CHECK(run.trace == 1);
  CHECK(run.policy == 2);
  CHECK(run.set == std::vector<std::size_t>{1, 0});
  const nlohmann::ordered_json object = sweep_run_object(plan, run);
  CHECK(object.dump() == R"({"run":33,"trace":"y.jsonl","policy":"region-aware:ra_cache=false",)"
                         R"("set":{"pcp.enabled":false,"zone.region_size":"8MiB"}})");
  CHECK(sweep_run_object(plan, plan.runs[7]).dump() ==
        R"({"run":7,"trace":"t/x.jsonl","policy":"region-aware:ra_cache=true",)"
        R"("set":{"pcp.enabled":true,"zone.region_size":"16MiB"}})");
  CHECK(sweep_run_file_name(7) == "0007.json");
  CHECK(sweep_run_file_name(12345) == "12345.json");
}

TEST_CASE("Trace globs expand relative to the spec file, sorted, one trace per match", "[sweep]") {
  TempDir dir;
  touch(dir / "rec/b.jsonl");
  touch(dir / "rec/a.jsonl");
  touch(dir / "rec/notes.txt");
  fs::create_directories(dir / "rec/begin");
  const SweepSpec spec = parse_sweep_spec(
      R"({"memsim_sweep": 1, "traces": [{"path": "rec/*.jsonl", "proc_in": "rec/begin"}],
          "policies": ["stock"]})",
      "spec.json");
  const SweepPlan plan = plan_sweep(spec, (dir / "spec.json").string());
  REQUIRE(plan.traces.size() == 2);
  CHECK(plan.traces[0].name == "rec/a.jsonl");
  CHECK(plan.traces[1].name == "rec/b.jsonl");
  CHECK(plan.traces[1].path == (dir / "rec/b.jsonl").string());
  CHECK(plan.traces[1].proc_in == (dir / "rec/begin").string());
  CHECK(plan.runs.size() == 2);
}

TEST_CASE("Missing traces, empty globs and repeated traces are one-line errors", "[sweep]") {
  TempDir dir;
  touch(dir / "y.jsonl");
  const fs::path file = dir / "spec.json";
  CHECK_THAT(
      plan_error(two_by_three_by_six(), file),
      Contains("spec.json: traces[0].path: " + (dir / "t/x.jsonl").string() + ": no such file"));
  const auto spec = [](const std::string& traces) {
    return parse_sweep_spec(
        R"({"memsim_sweep": 1, "traces": )" + traces + R"(, "policies": ["stock"]})", "s");
  };
  CHECK_THAT(plan_error(spec(R"(["z*.jsonl"])"), file),
             Contains("traces[0].path: \"z*.jsonl\" matches no file"));
  CHECK_THAT(plan_error(spec(R"(["y.jsonl", "*.jsonl"])"), file),
             Contains("traces[1].path: trace \"y.jsonl\" appears twice"));
  CHECK_THAT(plan_error(spec(R"([{"path": "y.jsonl", "proc_in": "nothere"}])"), file),
             Contains("traces[0].proc_in: " + (dir / "nothere").string()));
  CHECK_THAT(plan_error(spec(R"(["-"])"), file), Contains("standard input cannot be swept"));
}

TEST_CASE("plan.json reads back to the same plan, and a tampered one is refused", "[sweep]") {
  TempDir dir;
  touch(dir / "t/x.jsonl");
  touch(dir / "y.jsonl");
  const SweepPlan plan = plan_sweep(two_by_three_by_six(), (dir / "spec.json").string());
  const nlohmann::ordered_json written = sweep_plan_to_json(plan);
  const SweepPlan again = sweep_plan_from_json(written, "plan.json");
  CHECK(sweep_plan_to_json(again) == written);
  CHECK(same_sweep(plan, again));
  nlohmann::ordered_json tampered = written;
  tampered["runs"][30]["policy"] = "stock"; // run 30 is region-aware:ra_cache=false
  CHECK_THROWS_WITH(sweep_plan_from_json(tampered, "plan.json"),
                    Contains("plan.json: \"runs\" are not the runs of its traces"));
  tampered = written;
  tampered["traces"][0]["entry"] = 9;
  CHECK_THROWS_WITH(sweep_plan_from_json(tampered, "plan.json"),
                    Contains("plan.json: traces[0].entry: not an index"));
  CHECK_THROWS_WITH(sweep_plan_from_json({{"runs", 1}}, "plan.json"),
                    Contains("not a memsim sweep plan"));
}

TEST_CASE("The same spec in another directory is the same sweep, other values are not", "[sweep]") {
  TempDir one, two;
  for (const TempDir* dir : {&one, &two}) {
    touch(*dir / "t/x.jsonl");
    touch(*dir / "y.jsonl");
  }
  const SweepPlan a = plan_sweep(two_by_three_by_six(), (one / "spec.json").string());
  const SweepPlan b = plan_sweep(two_by_three_by_six(), (two / "spec.json").string());
  CHECK(a.traces[0].path != b.traces[0].path);
  CHECK(same_sweep(a, b));
  SweepSpec other = two_by_three_by_six();
  other.set[1].values[2] = "64MiB";
  CHECK_FALSE(same_sweep(a, plan_sweep(other, (one / "spec.json").string())));
}

TEST_CASE("Local jobs keep to one trace and cut its runs into balanced jobs of at most --jobs",
          "[sweep]") {
  TempDir dir;
  touch(dir / "t/x.jsonl");
  touch(dir / "y.jsonl");
  const SweepPlan plan = plan_sweep(two_by_three_by_six(), (dir / "spec.json").string());
  // Trace 0 has runs 0..17, trace 1 runs 18..35. Pending: 0..17 but 2, and 30..35.
  std::vector<std::uint64_t> pending;
  for (std::uint64_t id = 0; id < 18; ++id)
    if (id != 2) pending.push_back(id);
  for (std::uint64_t id = 30; id < 36; ++id) pending.push_back(id);
  const std::vector<SweepJob> jobs = plan_sweep_jobs(plan, pending, 4);
  // 17 runs of trace 0 into ceil(17/4) = 5 jobs of 3 or 4; 6 runs of trace 1 into 2 jobs of 3.
  REQUIRE(jobs.size() == 7);
  CHECK(jobs[0].trace == 0);
  CHECK(jobs[0].runs == std::vector<std::uint64_t>{0, 1, 3});
  CHECK(jobs[1].runs == std::vector<std::uint64_t>{4, 5, 6});
  CHECK(jobs[4].runs == std::vector<std::uint64_t>{14, 15, 16, 17});
  CHECK(jobs[5].trace == 1);
  CHECK(jobs[5].runs == std::vector<std::uint64_t>{30, 31, 32});
  CHECK(jobs[6].runs == std::vector<std::uint64_t>{33, 34, 35});
  std::size_t total = 0;
  for (const SweepJob& job : jobs) total += job.runs.size();
  CHECK(total == pending.size());
  CHECK(plan_sweep_jobs(plan, pending, 1).size() == pending.size());
  CHECK(plan_sweep_jobs(plan, {}, 4).empty());
}
