// End-to-end tests of `memsim compare` (docs/spec.md §1): each run equals replay of its policy, two
// compares are byte-identical, per-policy overrides reach config.region_aware, one-line errors
// (unknown policy, bad override, region_aware keys without region-aware, --strict: the earliest
// line), and region-aware against stock on the golden comparison and the bundled trace.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::StartsWith;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;

namespace {

const std::string kGolden = source_path("traces/golden/compare-mixed.jsonl");
const std::string kBundled = source_path("traces/mixed-1g-head.jsonl.zst");

// The compare document, keys in their written order.
nlohmann::ordered_json compare_json(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"compare"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--json", "-"});
  const auto r = run_memsim(argv);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return nlohmann::ordered_json::parse(r.out);
}

// A trace of 64 MiB: line 3 allocates order 6, line 4 frees an id that is not live.
std::string faulty_trace(const std::string& line3) {
  return "{\"memsim_trace\":1,\"zone\":{\"memory\":\"64MiB\",\"region_size\":\"8MiB\"}}\n"
         "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n" +
         line3 + "\n{\"op\":\"free\",\"id\":999}\n{\"op\":\"free\",\"id\":1}\n";
}

} // namespace

TEST_CASE("compare prints one column per policy with the difference to the first", "[cli]") {
  const auto r = run_memsim({"compare", kGolden});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("compare of 2 runs"));
  CHECK_THAT(r.out, Contains("stock  region-aware  Δ vs first"));
  CHECK_THAT(r.out, Contains("free regions"));
}

TEST_CASE("Each run of compare --json is the replay --json of its policy and config", "[cli]") {
  const std::string trace = kBundled;
  const auto doc = compare_json({trace, "--set", "zone.region_size=16MiB", "--policies",
                                 "stock,region-aware,region-aware:ra_cache=false+sorted_freelists="
                                 "false"});
  CHECK(doc["memsim_compare"] == 1);
  const std::vector<std::vector<std::string>> replays{{"--policy", "stock"},
                                                      {"--policy", "region-aware"},
                                                      {"--policy", "region-aware", "--set",
                                                       "region_aware.ra_cache=false", "--set",
                                                       "region_aware.sorted_freelists=false"}};
  REQUIRE(doc["runs"].size() == replays.size());
  CHECK(doc["runs"][2]["policy"] == "region-aware:ra_cache=false+sorted_freelists=false");
  for (std::size_t i = 0; i < replays.size(); ++i) {
    std::vector<std::string> args{"replay", trace, "--set", "zone.region_size=16MiB",
                                  "--json", "-"};
    args.insert(args.end(), replays[i].begin(), replays[i].end());
    const auto r = run_memsim(args);
    REQUIRE(r.status == 0);
    auto alone = nlohmann::ordered_json::parse(r.out);
    auto run = nlohmann::ordered_json::parse(doc["runs"][i].dump());
    CHECK(run["policy"] == doc["runs"][i]["policy"]);
    alone["policy"] = run["policy"]; // the entry as written
    alone["provenance"].erase("command_line");
    run["provenance"].erase("command_line");
    CHECK(run.dump(1) == alone.dump(1));
  }
}

TEST_CASE("Two compares give byte-identical --json", "[cli]") {
  TempDir dir;
  for (const char* name : {"a.json", "b.json"}) {
    const auto r = run_memsim({"compare", kBundled, "--set", "zone.region_size=16MiB", "--policies",
                               "stock,region-aware,stock", "--json", (dir / "out.json").string()});
    REQUIRE(r.status == 0);
    fs::rename(dir / "out.json", dir / name);
  }
  CHECK(slurp(dir / "a.json") == slurp(dir / "b.json"));
  CHECK_THAT(slurp(dir / "a.json"), StartsWith("{\n \"memsim_compare\": 1,\n \"runs\": ["));
}

TEST_CASE("Per-policy overrides show in each run's config and policy entry", "[cli]") {
  const auto doc = compare_json(
      {kGolden, "--policies", "stock,region-aware:ra_cache=false+sorted_freelists=false"});
  REQUIRE(doc["runs"].size() == 2);
  CHECK(doc["runs"][0]["policy"] == "stock");
  CHECK_FALSE(doc["runs"][0]["config"].contains("region_aware"));
  const auto& run = doc["runs"][1];
  CHECK(run["policy"] == "region-aware:ra_cache=false+sorted_freelists=false");
  const auto& ra = run["config"]["region_aware"];
  CHECK(ra["ra_cache"] == false);
  CHECK(ra["sorted_freelists"] == false);
  CHECK(ra["lower_region_bias"] == true);
  CHECK(ra["region_allocator"] == true);
}

TEST_CASE("compare rejects unknown policies and bad overrides with one line", "[cli]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"stock,buddy-2099", "unknown policy \"buddy-2099\""},
      {"region-aware:ra_cache", "bad override \"ra_cache\""},
      {"region-aware:ra_cache=false++lower_region_bias=false", "bad override \"\""},
      {"stock:ra_cache=false", "\"stock:ra_cache=false\": stock has no switch"},
      {"stock,stock:region_aware.ra_cache=false",
       "\"stock:region_aware.ra_cache=false\": region_aware.* keys belong to the region-aware"}};
  for (const auto& [policies, message] : cases) {
    INFO(policies);
    TempDir dir;
    const auto r = run_memsim(
        {"compare", kGolden, "--policies", policies, "--json", (dir / "out.json").string()});
    CHECK(r.status == 1);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Contains(message));
    CHECK(fs::is_empty(dir.path));
  }
}

TEST_CASE("compare: a region_aware key without a region-aware run is an error", "[cli]") {
  const auto r = run_memsim(
      {"compare", kGolden, "--policies", "stock,stock", "--set", "region_aware.ra_cache=false"});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Contains("region_aware.* keys need the region-aware policy"));
  CHECK(run_memsim({"compare", kGolden, "--set", "region_aware.ra_cache=false"}).status == 0);
}

TEST_CASE("compare takes no replay-only options", "[cli]") {
  TempDir dir;
  const auto r = run_memsim({"compare", kGolden, "--placements", (dir / "p.jsonl").string()});
  CHECK(r.status == 1);
  CHECK(fs::is_empty(dir.path));
  CHECK(run_memsim({"compare", kGolden, "--policy", "stock"}).status == 1);
}

TEST_CASE("compare --strict reports the earliest failing line across runs and the reader",
          "[cli]") {
  TempDir dir;
  write(dir / "t.jsonl",
        faulty_trace("{\"op\":\"alloc\",\"id\":2,\"order\":6,\"mt\":\"movable\"}"));
  write(dir / "bad.jsonl", faulty_trace("{\"op\":\"alloc\",\"id\":2,\"order\":"));
  const std::string t = (dir / "t.jsonl").string(), bad = (dir / "bad.jsonl").string();
  const std::string narrow = "stock:zone.max_order=6+zone.pageblock_order=5";
  for (int round = 0; round < 3; ++round) {
    const auto both = run_memsim({"compare", t, "--strict", "--policies", "stock," + narrow});
    CHECK(both.status == 1);
    CHECK(one_line(both.err));
    CHECK_THAT(both.err, StartsWith(t + ":3: order 6 out of range (zone.max_order is 6"));
    const auto reversed = run_memsim({"compare", t, "--strict", "--policies", narrow + ",stock"});
    CHECK_THAT(reversed.err, StartsWith(t + ":3: order 6 out of range"));
  }
  const auto common = run_memsim({"compare", t, "--strict", "--policies", "stock,region-aware"});
  CHECK(common.status == 1);
  CHECK_THAT(common.err, StartsWith(t + ":4: free of id 999 which is not live"));
  const auto reader = run_memsim({"compare", bad, "--strict"});
  CHECK(reader.status == 1);
  CHECK(one_line(reader.err));
  CHECK_THAT(reader.err, StartsWith(bad + ":3:"));
}

TEST_CASE("compare reads a trace from standard input like the file", "[cli]") {
  const auto from_file = run_memsim({"compare", kGolden, "--json", "-", "--interval", "50"});
  const auto from_stdin = run_memsim({"compare", "-", "--json", "-", "--interval", "50"}, kGolden);
  INFO(from_stdin.err);
  REQUIRE(from_stdin.status == 0);
  auto a = nlohmann::json::parse(from_file.out);
  auto b = nlohmann::json::parse(from_stdin.out);
  REQUIRE(a["runs"].size() == 2);
  for (auto* doc : {&a, &b}) {
    for (auto& run : (*doc)["runs"]) {
      run["trace"].erase("path");
      run["provenance"].erase("command_line");
    }
  }
  CHECK(a == b);
}

TEST_CASE("On the golden comparison trace region-aware keeps more regions free and more "
          "homogeneous than stock",
          "[cli]") {
  const auto doc = compare_json({kGolden});
  const auto& stock = doc["runs"][0]["summary"];
  const auto& region_aware = doc["runs"][1]["summary"];
  CHECK(region_aware["free_regions"].get<int>() > stock["free_regions"].get<int>());
  CHECK(region_aware["homogeneity"].get<double>() > stock["homogeneity"].get<double>());
}

TEST_CASE("On the bundled trace with 8 MiB regions region-aware keeps more regions free than "
          "stock, and with 16 MiB regions as many, both more homogeneous",
          "[cli]") {
  for (const char* size : {"8MiB", "16MiB"}) {
    INFO(size);
    const auto doc = compare_json({kBundled, "--set", std::string("zone.region_size=") + size});
    const auto& stock = doc["runs"][0]["summary"];
    const auto& region_aware = doc["runs"][1]["summary"];
    if (std::string(size) == "8MiB") {
      CHECK(region_aware["free_regions"].get<int>() > stock["free_regions"].get<int>());
    } else {
      CHECK(region_aware["free_regions"].get<int>() >= stock["free_regions"].get<int>());
    }
    CHECK(region_aware["homogeneity"].get<double>() > stock["homogeneity"].get<double>());
  }
}
