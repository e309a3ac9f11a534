// docs/spec.md §9 on a real recording: traces/kmem-6.18-thp/trace.txt, Linux 6.18 under memory
// pressure, holds failed order-9 THP attempts (`mm_page_alloc ... pfn=0x0`). The test counts them
// itself in the file's text, per order, and checks that import writes each as a `probe` event and
// that replay counts each as a probe answer of its order in `high_order`, for every policy.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kTrace = "traces/kmem-6.18-thp/trace.txt";

// Failed allocations by order, read from the text: an mm_page_alloc line whose pfn is zero.
std::map<unsigned, std::uint64_t> failed_by_order(const std::string& text) {
  static const std::regex alloc(R"(mm_page_alloc: .*\bpfn=(0x)?([0-9a-f]+) order=(\d+) )");
  std::map<unsigned, std::uint64_t> out;
  std::istringstream lines(text);
  std::smatch m;
  for (std::string line; std::getline(lines, line);)
    if (std::regex_search(line, m, alloc) && std::stoull(m[2].str(), nullptr, 16) == 0)
      ++out[static_cast<unsigned>(std::stoul(m[3].str()))];
  return out;
}

std::uint64_t total(const std::map<unsigned, std::uint64_t>& by_order) {
  std::uint64_t n = 0;
  for (const auto& [order, count] : by_order) n += count;
  return n;
}

} // namespace

TEST_CASE("Every failed allocation of a real recording under pressure is imported as a probe",
          "[probe][recording]") {
  const auto failed = failed_by_order(slurp(source_path(kTrace)));
  REQUIRE(failed.count(9) == 1);
  REQUIRE(failed.at(9) >= 10); // the recording's order-9 THP attempts that failed
  TempDir dir;
  const auto r =
      run_memsim({"import", "ftrace", source_path(kTrace), "-o", (dir / "trace.jsonl").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::map<unsigned, std::uint64_t> probes;
  std::ifstream in(dir / "trace.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto event = nlohmann::json::parse(line);
    if (event.value("op", "") != "probe") continue;
    CHECK(event.at("mt") == "movable"); // GFP_TRANSHUGE_LIGHT is movable
    ++probes[event.at("order").get<unsigned>()];
  }
  CHECK(probes == failed);
}

TEST_CASE("Replay counts a real recording's failed THP attempts as probes of their order",
          "[probe][recording]") {
  const auto failed = failed_by_order(slurp(source_path(kTrace)));
  TempDir dir;
  const auto r =
      run_memsim({"compare", source_path(kTrace), "--json", (dir / "compare.json").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(dir / "compare.json"));
  REQUIRE(doc.at("runs").size() >= 2); // stock and region-aware
  for (const auto& run : doc.at("runs")) {
    INFO(run.at("policy"));
    CHECK(run.at("events").at("probe") == total(failed));
    CHECK(run.at("provenance").at("trace_meta").at("failed_in_trace") == total(failed));
    for (const auto& [order, count] : failed) {
      const auto& answers = run.at("high_order").at(std::to_string(order)).at("probes");
      CHECK(answers.at("own").get<std::uint64_t>() + answers.at("fallback").get<std::uint64_t>() +
                answers.at("none").get<std::uint64_t>() ==
            count);
    }
  }
}
