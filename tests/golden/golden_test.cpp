// Golden traces: every trace in traces/golden/ replayed by the memsim command must give the
// stats and placements recorded beside it, and a trace named compare-* the `memsim compare`
// document recorded beside it (compared as parsed JSON, memsim_version and the trace path
// aside). Re-bless with tools/bless_golden.sh and review the diff.
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
    traces.push_back(entry.path());
  }
  std::sort(traces.begin(), traces.end());
  return traces;
}

fs::path expected(const fs::path& trace, const std::string& kind) {
  std::string stem = trace.filename().string();
  stem = stem.substr(0, stem.find('.'));
  return trace.parent_path() / (stem + kind);
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

TEST_CASE("Every golden trace replays to its recorded stats and placements", "[golden]") {
  const std::vector<fs::path> traces = golden_traces();
  REQUIRE(traces.size() >= 3);
  for (const fs::path& trace : traces) {
    SECTION(trace.filename().string()) {
      memsim::test::TempDir dir;
      const auto result =
          run_memsim({"replay", trace.string(), "--check", "--json", (dir / "stats.json").string(),
                      "--placements", (dir / "placements.jsonl").string()});
      INFO(result.err);
      REQUIRE(result.status == 0);
      const auto stats = nlohmann::json::parse(slurp(dir / "stats.json"));
      const auto want = nlohmann::json::parse(slurp(expected(trace, ".stats.json")));
      CHECK(comparable(stats) == comparable(want));
      CHECK(json_lines(slurp(dir / "placements.jsonl")) ==
            json_lines(slurp(expected(trace, ".placements.jsonl"))));
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
