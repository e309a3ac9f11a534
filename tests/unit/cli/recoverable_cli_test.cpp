// docs/spec.md §4.4 end to end: each recoverable trace problem (free of an id not live, alloc of a
// live id, free with the wrong order, an allocation the zone cannot satisfy, and D36's ignored
// split) is counted in lenient mode — in the stats, the replay summary and the compare table, so
// users notice — and is a one-line FILE:LINE error exiting 1 under --strict, for replay and
// compare.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using memsim::test::run_memsim;
using memsim::test::TempDir;

namespace {

struct Problem {
  std::string name;    // the stats key under "events"
  std::string body;    // events after the lead-in: problems on file lines 4 and 6 (failed: 6, 7)
  std::string summary; // what the replay summary prints for two of them
  std::string compare; // the compare row, two of them in both runs
  std::string message; // part of the --strict message
};

// 16 pages in 4-page max-order blocks (max_order 3): four order-2 allocations fill the zone.
const std::string kHeader =
    R"({"memsim_trace":1,"zone":{"memory":16,"max_order":3,"pageblock_order":2,"region_size":16}})"
    "\n";

const std::vector<Problem> kProblems = {
    {"unmatched_free",
     "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n"
     "{\"op\":\"free\",\"id\":9}\n{\"op\":\"free\",\"id\":1}\n{\"op\":\"free\",\"id\":8}\n",
     "unmatched free 2", "unmatched frees", "free of id 9 which is not live"},
    {"duplicate_alloc",
     "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n"
     "{\"op\":\"alloc\",\"id\":1,\"order\":1,\"mt\":\"movable\"}\n"
     "{\"op\":\"mark\",\"label\":\"x\"}\n"
     "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"unmovable\"}\n",
     "duplicate alloc 2", "duplicate allocs", "alloc of id 1 which is already live"},
    {"order_mismatch",
     "{\"op\":\"alloc\",\"id\":1,\"order\":1,\"mt\":\"movable\"}\n"
     "{\"op\":\"free\",\"id\":1,\"order\":0}\n"
     "{\"op\":\"alloc\",\"id\":2,\"order\":0,\"mt\":\"movable\"}\n"
     "{\"op\":\"free\",\"id\":2,\"order\":2}\n",
     "order mismatch 2", "order mismatches", "free of id 1 with order 0"},
    {"failed",
     "{\"op\":\"alloc\",\"id\":1,\"order\":2,\"mt\":\"movable\"}\n"
     "{\"op\":\"alloc\",\"id\":2,\"order\":2,\"mt\":\"movable\"}\n"
     "{\"op\":\"alloc\",\"id\":3,\"order\":2,\"mt\":\"movable\"}\n"
     "{\"op\":\"alloc\",\"id\":4,\"order\":2,\"mt\":\"movable\"}\n",
     "failed 2", "failed allocations", "allocation of order 2 (movable) failed"},
    {"split_ignored",
     "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n"
     "{\"op\":\"split\",\"id\":7}\n{\"op\":\"mark\",\"label\":\"x\"}\n{\"op\":\"split\",\"id\":7}"
     "\n",
     "splits 2 (2 ignored)", "ignored splits", "split of id 7 which is not live"},
};

} // namespace

TEST_CASE("Each recoverable problem is counted in lenient mode and shown by both summaries",
          "[cli][recoverable]") {
  TempDir dir;
  for (const Problem& p : kProblems) {
    INFO(p.name);
    const std::string trace = (dir / (p.name + ".jsonl")).string();
    std::ofstream(trace) << kHeader
                         // the failed case needs the zone full: two order-2 blocks held first
                         << (p.name == "failed"
                                 ? "{\"op\":\"alloc\",\"id\":90,\"order\":2,\"mt\":\"movable\"}\n"
                                   "{\"op\":\"alloc\",\"id\":91,\"order\":2,\"mt\":\"movable\"}\n"
                                 : "{\"op\":\"mark\",\"label\":\"start\"}\n")
                         << p.body;
    const auto json = run_memsim({"replay", trace, "--json", "-"});
    INFO(json.err);
    REQUIRE(json.status == 0);
    const auto events = nlohmann::json::parse(json.out)["events"];
    CHECK(events[p.name] == 2);

    const auto summary = run_memsim({"replay", trace});
    REQUIRE(summary.status == 0);
    CHECK_THAT(summary.out, Contains(p.summary));

    const auto compare = run_memsim({"compare", trace});
    REQUIRE(compare.status == 0);
    INFO(compare.out);
    CHECK(std::regex_search(compare.out, std::regex("\n" + p.compare + " +2 +2 +0\n")));
  }
}

TEST_CASE("Each recoverable problem is a FILE:LINE error under --strict in replay and compare",
          "[cli][recoverable]") {
  TempDir dir;
  for (const Problem& p : kProblems) {
    INFO(p.name);
    const std::string trace = (dir / (p.name + ".jsonl")).string();
    const bool failed = p.name == "failed";
    std::ofstream(trace) << kHeader
                         << (failed
                                 ? "{\"op\":\"alloc\",\"id\":90,\"order\":2,\"mt\":\"movable\"}\n"
                                   "{\"op\":\"alloc\",\"id\":91,\"order\":2,\"mt\":\"movable\"}\n"
                                 : "{\"op\":\"mark\",\"label\":\"start\"}\n")
                         << p.body;
    // The first problem stands on line 4 (header, lead-in, first event) or 5 for "failed".
    const std::string line = failed ? ":6: " : ":4: ";
    for (const std::string command : {"replay", "compare"}) {
      const auto r =
          run_memsim({command, trace, "--strict", "--json", (dir / "out.json").string()});
      INFO(command << ": " << r.err);
      CHECK(r.status == 1);
      CHECK_THAT(r.err, StartsWith(trace + line));
      CHECK_THAT(r.err, Contains(p.message));
      CHECK(r.err.find('\n') == r.err.size() - 1);
      CHECK_FALSE(fs::exists(dir / "out.json"));
    }
  }
}
