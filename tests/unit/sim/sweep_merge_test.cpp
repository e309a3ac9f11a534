// Merging a sweep's run files (sim/sweep_merge.hpp): the table of every run in run order with
// the metrics of docs/spec.md §10 (energy_j, l1_pct, agreement_rate only where some run has
// them), and the one-line refusals of a missing run, a duplicate, a run under another run's name
// and a foreign file; files of writes under way are not looked at.
#include <catch2/catch.hpp>

#include "../../support/run_command.hpp"
#include "memsim/error.hpp"
#include "sim/sweep_merge.hpp"

using namespace memsim;
using Catch::Matchers::Contains;
using memsim::test::TempDir;
namespace fs = std::filesystem;

namespace {

// 1 trace x 2 policies x 2 region sizes = 4 runs, with DIR/runs/ made.
struct Sweep {
  TempDir dir;
  SweepPlan plan;
  Sweep() {
    std::ofstream(dir / "a.jsonl") << "{\"memsim_trace\":1}\n";
    plan = plan_sweep(parse_sweep_spec(R"({"memsim_sweep": 1, "traces": ["a.jsonl"],
        "policies": ["stock", "region-aware"], "set": {"zone.region_size": ["8MiB", "16MiB"]}})",
                                       "spec.json"),
                      (dir / "spec.json").string());
    fs::create_directories(dir / "runs");
  }
  // A stats document of run `id` whose numbers are derived from the id.
  nlohmann::ordered_json document(std::uint64_t id) const {
    nlohmann::ordered_json doc{{"memsim_stats", 1}, {"policy", "x"}};
    doc["fallbacks"] = {{"total", 10 + id}};
    doc["summary"] = {{"free_regions", id},
                      {"mixed_regions", 2 * id},
                      {"homogeneity", 0.25 * static_cast<double>(id)},
                      {"mixed_pageblocks", 3},
                      {"free_pages", 1000 + id}};
    doc["sweep"] = sweep_run_object(plan, plan.runs[id]);
    return doc;
  }
  void write(const std::string& name, const nlohmann::ordered_json& doc) const {
    std::ofstream(dir / "runs" / name) << doc.dump();
  }
  void write_all() const {
    for (std::uint64_t id = 0; id < 4; ++id) write(sweep_run_file_name(id), document(id));
  }
  std::string error() const {
    try {
      merge_sweep_runs(plan, dir.path.string());
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }
  std::string runs(const std::string& name) const { return (dir / "runs" / name).string(); }
};

} // namespace

TEST_CASE("The merged table has one row per run, parameters as levels, the stats' numbers",
          "[sweep]") {
  Sweep sweep;
  sweep.write_all();
  std::ofstream(sweep.dir / "runs" / "0002.json.tmp.4242") << "{half"; // a write under way
  std::ofstream(sweep.dir / "runs" / ".nfs0001") << "x";
  const SweepTable table = merge_sweep_runs(sweep.plan, sweep.dir.path.string());
  REQUIRE(table.parameters.size() == 3);
  CHECK(table.parameters[0].name == "trace");
  CHECK(table.parameters[0].values == std::vector<std::string>{"a.jsonl"});
  CHECK(table.parameters[1].values == std::vector<std::string>{"stock", "region-aware"});
  CHECK(table.parameters[2].name == "zone.region_size");
  CHECK(table.parameters[2].values == std::vector<std::string>{"8MiB", "16MiB"});
  CHECK(table.metrics == std::vector<std::string>{"free_regions", "mixed_regions", "homogeneity",
                                                  "mixed_pageblocks", "fallbacks", "free_pages"});
  REQUIRE(table.rows.size() == 4);
  const SweepRow& row = table.rows[3]; // region-aware, 16MiB
  CHECK(row.run == 3);
  CHECK(row.levels == std::vector<std::size_t>{0, 1, 1});
  CHECK(row.cells[0] == 3);
  CHECK(row.cells[1] == 6);
  CHECK(row.cells[2] == 0.75);
  CHECK(row.cells[4] == 13);
  CHECK(row.cells[5] == 1003);
}

TEST_CASE("Energy, l1_pct and agreement_rate are columns only when some run has them", "[sweep]") {
  Sweep sweep;
  sweep.write_all();
  nlohmann::ordered_json doc = sweep.document(1);
  doc["energy"] = {{"energy_j", 12.5}};
  doc["validation"] = {{"l1_pct", 0.5}, {"decision_agreement", {{"buddy", {{"rate", 0.999}}}}}};
  sweep.write("0001.json", doc);
  const SweepTable table = merge_sweep_runs(sweep.plan, sweep.dir.path.string());
  REQUIRE(table.metrics.size() == 9);
  CHECK(table.metrics[6] == "energy_j");
  CHECK(table.metrics[7] == "l1_pct");
  CHECK(table.metrics[8] == "agreement_rate");
  CHECK(table.rows[1].cells[6] == 12.5);
  CHECK(table.rows[1].cells[8] == 0.999);
  CHECK(table.rows[0].cells[6].is_null());
}

TEST_CASE("Merge refuses a sweep with missing runs, naming them", "[sweep]") {
  Sweep sweep;
  sweep.write("0000.json", sweep.document(0));
  sweep.write("0002.json", sweep.document(2));
  CHECK(sweep.error() == sweep.dir.path.string() + ": 2 of 4 runs missing: 0001, 0003");
  fs::remove_all(sweep.dir / "runs");
  CHECK_THAT(sweep.error(), Contains("runs: no such directory"));
}

TEST_CASE("Merge refuses a run that is there twice", "[sweep]") {
  Sweep sweep;
  sweep.write_all();
  sweep.write("0001 (copy).json", sweep.document(1));
  CHECK(sweep.error() == sweep.runs("0001 (copy).json") + ": run 1 again (" +
                             sweep.runs("0001.json") + " holds it too)");
  fs::remove(sweep.dir / "runs" / "0001 (copy).json");
  sweep.write("0002.json", sweep.document(1)); // run 1's document under run 2's name
  CHECK(sweep.error() ==
        sweep.runs("0002.json") + ": run 1 again (" + sweep.runs("0001.json") + " holds it too)");
}

TEST_CASE("Merge refuses foreign files: another sweep's run, a run under another name, others",
          "[sweep]") {
  Sweep sweep;
  sweep.write_all();
  nlohmann::ordered_json other = sweep.document(2);
  other["sweep"]["policy"] = "stock";
  sweep.write("0002.json", other);
  CHECK_THAT(sweep.error(), Contains(sweep.runs("0002.json") + ": a run of another sweep: its "
                                                               "\"sweep\" is "));
  sweep.write("0002.json", sweep.document(2));
  fs::remove(sweep.dir / "runs" / "0003.json");
  sweep.write("3.json", sweep.document(3));
  CHECK(sweep.error() ==
        sweep.runs("3.json") + ": holds run 3, whose file is " + sweep.runs("0003.json"));
  fs::remove(sweep.dir / "runs" / "3.json");
  sweep.write("0003.json", sweep.document(3));
  nlohmann::ordered_json beyond = sweep.document(3);
  beyond["sweep"]["run"] = 9;
  sweep.write("0009.json", beyond);
  CHECK(sweep.error() == sweep.runs("0009.json") + ": run 9 is not in this sweep (runs 0..3)");
  fs::remove(sweep.dir / "runs" / "0009.json");
  std::ofstream(sweep.dir / "runs" / "notes.txt") << "x";
  CHECK(sweep.error() ==
        sweep.runs("notes.txt") + ": not a run file of this sweep (expected NNNN.json)");
  fs::remove(sweep.dir / "runs" / "notes.txt");
  std::ofstream(sweep.dir / "runs" / "0004.json") << R"({"memsim_compare": 1})";
  CHECK_THAT(sweep.error(), Contains("0004.json: not a memsim stats document"));
  std::ofstream(sweep.dir / "runs" / "0004.json") << R"({"memsim_stats": 1})";
  CHECK_THAT(sweep.error(), Contains("0004.json: not a sweep run"));
  std::ofstream(sweep.dir / "runs" / "0004.json") << "{\"memsim_stats\": 1,";
  CHECK_THAT(sweep.error(), Contains("0004.json: not valid JSON: "));
  fs::remove(sweep.dir / "runs" / "0004.json");
  nlohmann::ordered_json incomplete = sweep.document(1);
  incomplete["summary"].erase("free_pages");
  sweep.write("0001.json", incomplete);
  CHECK(sweep.error() == sweep.runs("0001.json") + ": summary.free_pages: missing");
}
