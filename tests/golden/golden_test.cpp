// Golden traces: every trace in traces/golden/ replayed by the memsim command under every policy
// of the registry must give the stats and placements recorded beside it (STEM.stats.json for the
// default policy, STEM.POLICY.stats.json for the others), and a trace named compare-* the
// `memsim compare` document recorded beside it (compared as parsed JSON, memsim_version and the
// trace path aside). Re-bless with tools/bless_golden.sh and review the diff.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../support/run_command.hpp"

namespace fs = std::filesystem;
using memsim::test::run_memsim;
using memsim::test::slurp;

namespace {

std::vector<fs::path> golden_traces() {
  std::vector<fs::path> traces;
  for (const auto& entry : fs::directory_iterator(memsim::test::source_path("traces/golden"))) {
    const std::string name = entry.path().filename().string();
    if (name.find(".stats.") != std::string::npos ||
        name.find(".placements.") != std::string::npos ||
        name.find(".compare.") != std::string::npos)
      continue;
    if (name.find('.') == std::string::npos) continue;
    traces.push_back(entry.path());
  }
  std::sort(traces.begin(), traces.end());
  return traces;
}

fs::path expected(const fs::path& trace, const std::string& kind, const std::string& policy = "") {
  std::string stem = trace.filename().string();
  stem = stem.substr(0, stem.find('.'));
  return trace.parent_path() / (stem + (policy.empty() ? "" : "." + policy) + kind);
}

// The registry's policies, that decide placements, as `memsim policies --names --simulated` lists
// them (the first is the default).
std::vector<std::string> policy_names() {
  const auto result = run_memsim({"policies", "--names", "--simulated"});
  std::vector<std::string> names;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// A stats document without what may differ between checkouts, builds and command lines.
nlohmann::json comparable(nlohmann::json stats) {
  stats.erase("memsim_version");
  stats.erase("provenance");
  stats["trace"].erase("path");
  return stats;
}

} // namespace

TEST_CASE("Every golden trace replays to its recorded stats and placements under every policy",
          "[golden]") {
  const std::vector<fs::path> traces = golden_traces();
  const std::vector<std::string> policies = policy_names();
  REQUIRE(traces.size() >= 3);
  REQUIRE(policies.size() >= 2);
  for (const fs::path& trace : traces) {
    for (const std::string& policy : policies) {
      const std::string suffix = policy == policies.front() ? "" : policy;
      DYNAMIC_SECTION(trace.filename().string() << " under " << policy) {
        REQUIRE(fs::exists(expected(trace, ".stats.json", suffix)));
        memsim::test::TempDir dir;
        const auto result = run_memsim({"replay", trace.string(), "--policy", policy, "--check",
                                        "--json", (dir / "stats.json").string(), "--placements",
                                        (dir / "placements.jsonl").string()});
        INFO(result.err);
        REQUIRE(result.status == 0);
        const auto stats = nlohmann::json::parse(slurp(dir / "stats.json"));
        const auto want = nlohmann::json::parse(slurp(expected(trace, ".stats.json", suffix)));
        CHECK(comparable(stats) == comparable(want));
        CHECK(json_lines(slurp(dir / "placements.jsonl")) ==
              json_lines(slurp(expected(trace, ".placements.jsonl", suffix))));
      }
    }
  }
}

TEST_CASE("Every compare-* golden trace compares to its recorded document", "[golden]") {
  std::size_t compared = 0;
  for (const fs::path& trace : golden_traces()) {
    if (!trace.filename().string().starts_with("compare-")) continue;
    ++compared;
    SECTION(trace.filename().string()) {
      const auto result = run_memsim({"compare", trace.string(), "--check", "--json", "-"});
      INFO(result.err);
      REQUIRE(result.status == 0);
      const auto got = nlohmann::json::parse(result.out);
      const auto want = nlohmann::json::parse(slurp(expected(trace, ".compare.json")));
      CHECK(got["memsim_compare"] == want["memsim_compare"]);
      REQUIRE(got["runs"].size() == want["runs"].size());
      for (std::size_t i = 0; i < got["runs"].size(); ++i)
        CHECK(comparable(got["runs"][i]) == comparable(want["runs"][i]));
    }
  }
  CHECK(compared >= 1);
}
