// End-to-end tests of the memsim command: exit codes and one-line errors (docs/spec.md §1), atomic
// outputs, determinism of --json and --placements, stdin input, and `memsim policies`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;

namespace {

const std::string kTrace = source_path("traces/golden/pcp-and-fallback.jsonl");

} // namespace

TEST_CASE("replay prints a human summary naming the policy and the free regions", "[cli]") {
  const auto r = run_memsim({"replay", kTrace});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("stock"));
  CHECK_THAT(r.out, Catch::Contains("free"));
}

TEST_CASE("Two replays give byte-identical --json and --placements", "[cli]") {
  // The same command twice (the stats' provenance holds the command line), moved aside between.
  TempDir dir;
  for (const char* run : {"a", "b"}) {
    const auto r = run_memsim({"replay", kTrace, "--json", (dir / "out.json").string(),
                               "--placements", (dir / "out.jsonl").string()});
    REQUIRE(r.status == 0);
    fs::rename(dir / "out.json", dir / (std::string(run) + ".json"));
    fs::rename(dir / "out.jsonl", dir / (std::string(run) + ".jsonl"));
  }
  CHECK(slurp(dir / "a.json") == slurp(dir / "b.json"));
  CHECK(slurp(dir / "a.jsonl") == slurp(dir / "b.jsonl"));
  CHECK_FALSE(slurp(dir / "a.jsonl").empty());
}

TEST_CASE("Option --json - writes the stats document to standard output", "[cli]") {
  const auto r = run_memsim({"replay", kTrace, "--json", "-"});
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["memsim_stats"] == 1);
  CHECK(doc["policy"] == "stock");
}

TEST_CASE("A trace read from standard input replays like the file", "[cli]") {
  const auto from_file = run_memsim({"replay", kTrace, "--json", "-", "--interval", "5"});
  const auto from_stdin = run_memsim({"replay", "-", "--json", "-", "--interval", "5"}, kTrace);
  REQUIRE(from_stdin.status == 0);
  auto a = nlohmann::json::parse(from_file.out);
  auto b = nlohmann::json::parse(from_stdin.out);
  for (auto* doc : {&a, &b}) {
    (*doc)["trace"].erase("path");
    (*doc)["provenance"].erase("command_line");
  }
  CHECK(a == b);
}

TEST_CASE("A malformed line exits 1 with one FILE:LINE message and leaves no output file",
          "[cli]") {
  TempDir dir;
  write(dir / "bad.jsonl",
        slurp(kTrace) + "{\"op\":\"alloc\",\"id\":-3,\"order\":0,\"mt\":\"movable\"}\n");
  const auto r =
      run_memsim({"replay", (dir / "bad.jsonl").string(), "--json", (dir / "out.json").string(),
                  "--placements", (dir / "out.jsonl").string()});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::StartsWith((dir / "bad.jsonl").string() + ":20:"));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 1);
}

TEST_CASE("Option --strict turns a recoverable problem into an exit 1 naming the line", "[cli]") {
  const auto lenient = run_memsim({"replay", kTrace, "--json", "-"});
  REQUIRE(lenient.status == 0);
  CHECK(nlohmann::json::parse(lenient.out)["events"]["unmatched_free"] == 1);
  const auto strict = run_memsim({"replay", kTrace, "--strict"});
  CHECK(strict.status == 1);
  CHECK(one_line(strict.err));
  CHECK_THAT(strict.err, Catch::StartsWith(kTrace + ":13:"));
  CHECK_THAT(strict.err, Catch::Contains("not live"));
}

TEST_CASE("Unknown config keys are rejected with the list of valid keys", "[cli]") {
  const auto r = run_memsim({"replay", kTrace, "--set", "zone.colour=blue"});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("zone.colour"));
  CHECK_THAT(r.err, Catch::Contains("zone.memory"));
}

TEST_CASE("A region_aware key is an error when no run uses the region-aware policy", "[cli]") {
  const auto r = run_memsim({"replay", kTrace, "--set", "region_aware.ra_cache=false"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("region-aware"));
}

TEST_CASE("Option --set overrides the trace header and --config", "[cli]") {
  TempDir dir;
  write(dir / "config.json", R"({"zone": {"memory": "32MiB", "cpus": 2}})");
  const auto r = run_memsim({"replay", kTrace, "--config", (dir / "config.json").string(), "--set",
                             "zone.memory=64MiB", "--json", "-"});
  REQUIRE(r.status == 0);
  const auto config = nlohmann::json::parse(r.out)["config"];
  CHECK(config["zone"]["memory"] == 64ULL << 20);
  CHECK(config["zone"]["cpus"] == 2);
  CHECK(config["zone"]["region_size"] == 4ULL << 20); // from the trace header
}

TEST_CASE("An unknown policy and a missing trace exit 1 with one line", "[cli]") {
  const auto policy = run_memsim({"replay", kTrace, "--policy", "buddy-2099"});
  CHECK(policy.status == 1);
  CHECK(one_line(policy.err));
  CHECK_THAT(policy.err, Catch::Contains("stock"));
  const auto missing = run_memsim({"replay", "/nonexistent/trace.jsonl"});
  CHECK(missing.status == 1);
  CHECK(one_line(missing.err));
  CHECK_THAT(missing.err, Catch::StartsWith("/nonexistent/trace.jsonl:"));
}

TEST_CASE("An output that cannot be written exits 1 and names the path", "[cli]") {
  const auto r = run_memsim({"replay", kTrace, "--json", "/nonexistent/dir/stats.json"});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("/nonexistent/dir/stats.json"));
}

TEST_CASE("Bad usage exits 1", "[cli]") {
  CHECK(run_memsim({"replay"}).status == 1);
  CHECK(run_memsim({"frobnicate"}).status == 1);
  CHECK(run_memsim({"replay", kTrace, "--interval", "0"}).status == 1);
}

TEST_CASE("memsim policies lists every registered policy with a description", "[cli]") {
  const auto r = run_memsim({"policies"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("stock"));
  CHECK_THAT(r.out, Catch::Contains("3.11"));
}

TEST_CASE("The first problem of a trace is the one reported, though events are read ahead",
          "[cli]") {
  TempDir dir;
  write(dir / "two.jsonl", "{\"memsim_trace\":1,\"zone\":{\"memory\":\"16MiB\"}}\n"
                           "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n"
                           "{\"op\":\"free\",\"id\":7}\n"
                           "{\"op\":\"free\",\"id\":1}\n"
                           "{\"op\":\"frob\",\"id\":1}\n");
  const auto strict = run_memsim({"replay", (dir / "two.jsonl").string(), "--strict"});
  CHECK(strict.status == 1);
  CHECK_THAT(strict.err, Catch::StartsWith((dir / "two.jsonl").string() + ":3:"));
  const auto lenient = run_memsim({"replay", (dir / "two.jsonl").string()});
  CHECK(lenient.status == 1);
  CHECK_THAT(lenient.err, Catch::StartsWith((dir / "two.jsonl").string() + ":5:"));
}

TEST_CASE("An output on a full device exits 1 and says why", "[cli]") {
  if (!fs::exists("/dev/full")) return;
  const auto r = run_memsim({"replay", kTrace, "--placements", "/dev/full"});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("/dev/full"));
  CHECK(fs::is_character_file("/dev/full"));
}
