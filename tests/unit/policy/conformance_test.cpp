// The conformance suite over the registry: every policy row replays the same traces (the
// golden traces, the quickstart trace, a generated random trace with splits and huge pages, and
// the bundled real excerpt) with --check, the run succeeds, the stats document names the policy
// and every invariant holds after every event; a second run gives the same bytes (determinism),
// and compare of all the policies at once gives each run the bytes replay gives it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

std::vector<std::string> policy_names() {
  const auto result = run_memsim({"policies", "--names", "--simulated"});
  std::vector<std::string> names;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

struct Run {
  int status = -1;
  std::string err, stats, placements;
};

Run replay(const std::string& trace, const std::string& policy, const TempDir& dir, bool check,
           const std::vector<std::string>& sets = {}) {
  std::vector<std::string> args{"replay",       trace,
                                "--policy",     policy,
                                "--json",       (dir / "s.json").string(),
                                "--placements", (dir / "p.jsonl").string()};
  if (check) args.push_back("--check");
  for (const std::string& set : sets) {
    args.push_back("--set");
    args.push_back(set);
  }
  const auto r = run_memsim(args);
  return {r.status, r.err, slurp(dir / "s.json"), slurp(dir / "p.jsonl")};
}

// Small traces (--check is O(pages) per event) and the generated one.
std::vector<std::string> small_traces(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(source_path("traces/golden"))) {
    const std::string name = entry.path().filename().string();
    if (name.find(".stats.") != std::string::npos ||
        name.find(".placements.") != std::string::npos ||
        name.find(".compare.") != std::string::npos)
      continue;
    out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  out.push_back(source_path("traces/quickstart.jsonl"));
  const std::string generated = (dir / "random.jsonl").string();
  const auto gen =
      run_memsim({"gen", "random", "-o", generated, "--seed", "11", "--set", "memory=16MiB",
                  "--set", "region_size=4MiB", "--set", "events=4000", "--set", "split=0.02",
                  "--set", "huge=0.05", "--set", "pageblock_order=9"});
  REQUIRE(gen.status == 0);
  out.push_back(generated);
  return out;
}

} // namespace

TEST_CASE("Every registered policy replays every test trace with --check, deterministically",
          "[policy][conformance]") {
  TempDir dir;
  const std::vector<std::string> policies = policy_names();
  REQUIRE(policies.size() >= 2);
  for (const std::string& trace : small_traces(dir)) {
    for (const std::string& policy : policies) {
      DYNAMIC_SECTION(policy << " on " << fs::path(trace).filename().string()) {
        TempDir a, b;
        const Run first = replay(trace, policy, a, true);
        INFO(first.err);
        REQUIRE(first.status == 0);
        const auto stats = nlohmann::json::parse(first.stats);
        CHECK(stats["policy"] == policy);
        CHECK(stats["memsim_stats"] == 1);
        const Run second = replay(trace, policy, b, false); // --check must not change anything
        REQUIRE(second.status == 0);
        // The same stats but for the command line in provenance (one run had --check).
        auto first_stats = nlohmann::json::parse(first.stats);
        auto second_stats = nlohmann::json::parse(second.stats);
        CHECK(first_stats["provenance"]["command_line"] !=
              second_stats["provenance"]["command_line"]);
        first_stats["provenance"].erase("command_line");
        second_stats["provenance"].erase("command_line");
        CHECK(first_stats == second_stats);
        CHECK(first.placements == second.placements);
      }
    }
  }
}

TEST_CASE("Every linux-6.18 switch turned from its default (the 6.7, 6.10 and 6.15 ablations, "
          "defrag_mode) replays every test trace with --check",
          "[policy][conformance][linux618]") {
  TempDir dir;
  const std::vector<std::string> ablations{
      "linux_6_18.pcp_autotune=false", "linux_6_18.hygiene=false", "linux_6_18.claim_steal=false",
      "linux_6_18.defrag_mode=true", "linux_6_18.highatomic=false"};
  for (const std::string& trace : small_traces(dir)) {
    for (const std::string& set : ablations) {
      DYNAMIC_SECTION(set << " on " << fs::path(trace).filename().string()) {
        TempDir a;
        const Run run = replay(trace, "linux-6.18", a, true, {set});
        INFO(run.err);
        REQUIRE(run.status == 0);
        const auto stats = nlohmann::json::parse(run.stats);
        const std::string key = set.substr(std::string("linux_6_18.").size(),
                                           set.find('=') - std::string("linux_6_18.").size());
        CHECK(stats["config"]["linux_6_18"][key] == (set.ends_with("=true")));
      }
    }
  }
}

TEST_CASE("compare of every registered policy gives each run the stats replay gives it",
          "[policy][conformance][slow]") {
  const std::vector<std::string> policies = policy_names();
  std::string list;
  for (const std::string& p : policies) list += (list.empty() ? "" : ",") + p;
  const std::string trace = source_path("traces/kmem-6.1/trace-head.txt.xz");
  const auto compared = run_memsim({"compare", trace, "--policies", list, "--json", "-"});
  INFO(compared.err);
  REQUIRE(compared.status == 0);
  const auto doc = nlohmann::json::parse(compared.out);
  REQUIRE(doc["runs"].size() == policies.size());
  for (std::size_t i = 0; i < policies.size(); ++i) {
    TempDir dir;
    const Run alone = replay(trace, policies[i], dir, false);
    REQUIRE(alone.status == 0);
    auto mine = nlohmann::json::parse(alone.stats);
    auto theirs = doc["runs"][i];
    mine.erase("provenance"); // the command line: replay's, not compare's
    theirs.erase("provenance");
    CHECK(mine == theirs);
  }
}
