// `memsim import` of one real Linux 6.18 recording (traces/kmem-6.18) in every form a user may
// have: `trace-cmd report` text, the trace.dat it was printed from (v7 zstd; v6, xz-compressed),
// the Perfetto trace tools/text_to_perfetto.py made of the text, and `perf script` of perf's
// recording of the same moment. The binary forms import to exactly the text's trace; perf, which
// stamps its own times and so orders CPUs slightly differently, to the same events on each CPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

struct Imported {
  nlohmann::json header;
  std::vector<nlohmann::json> events;
};

Imported import(const std::string& input, const TempDir& dir, const std::string& stdin_file = "") {
  const std::string out = (dir / "out.jsonl").string();
  // The recordings are this machine's Linux 6.18: its GFP_NOWAIT (with __GFP_NOWARN) is what the
  // binary formats' raw masks hold, and the text's symbolic names mean that only with --kernel.
  const auto result =
      stdin_file.empty()
          ? run_memsim({"import", "ftrace", "--kernel", "6.18", input, "-o", out})
          : run_memsim({"import", "ftrace", "--kernel", "6.18", "-", "-o", out}, stdin_file);
  INFO(result.err);
  REQUIRE(result.status == 0);
  Imported imported;
  std::istringstream lines(slurp(out));
  std::string line;
  std::getline(lines, line);
  imported.header = nlohmann::json::parse(line);
  while (std::getline(lines, line)) imported.events.push_back(nlohmann::json::parse(line));
  return imported;
}

std::string fixture(const std::string& name) {
  return source_path("traces/kmem-6.18/" + name);
}

} // namespace

TEST_CASE("trace.dat (v7 and v6) and Perfetto import to exactly the events of the same "
          "recording's text",
          "[cli][import][formats]") {
  TempDir dir;
  const Imported text = import(fixture("trace-cmd-report.txt.xz"), dir);
  REQUIRE(text.events.size() == 4371);
  for (const std::string name : {"trace.dat", "trace-v6.dat.xz", "trace.pftrace"}) {
    INFO(name);
    Imported other = import(fixture(name), dir);
    CHECK(other.header["meta"]["source"] == fixture(name));
    other.header["meta"]["source"] = text.header["meta"]["source"];
    CHECK(other.header == text.header); // geometry, counts, skipped kinds: all equal
    CHECK(other.events == text.events);
  }
}

TEST_CASE("A trace.dat and a Perfetto trace on standard input import like the files",
          "[cli][import][formats]") {
  TempDir dir;
  const Imported text = import(fixture("trace-cmd-report.txt.xz"), dir);
  for (const std::string name : {"trace.dat", "trace.pftrace"}) {
    INFO(name);
    CHECK(import("-", dir, fixture(name)).events == text.events);
  }
}

TEST_CASE("perf script of the same moment imports to the text's events on every CPU, each a "
          "few microseconds later",
          "[cli][import][formats]") {
  TempDir dir;
  const Imported text = import(fixture("trace-cmd-report.txt.xz"), dir);
  const Imported perf = import(fixture("perf-script.txt.xz"), dir);
  CHECK(perf.header["zone"] == text.header["zone"]);
  CHECK(perf.header["meta"]["events"] == text.header["meta"]["events"]);
  for (unsigned cpu = 0; cpu < 2; ++cpu) {
    INFO("CPU " << cpu);
    std::vector<nlohmann::json> a;
    std::vector<nlohmann::json> b;
    for (const auto& e : text.events)
      if (e.value("cpu", 0u) == cpu) a.push_back(e);
    for (const auto& e : perf.events)
      if (e.value("cpu", 0u) == cpu) b.push_back(e);
    REQUIRE(a.size() == b.size());
    REQUIRE(!a.empty());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double late = b[i]["t"].get<double>() - a[i]["t"].get<double>();
      CHECK(late > -1.5e-6); // perf's microseconds are truncated, ftrace's rounded
      CHECK(late < 100e-6);
      a[i].erase("t");
      b[i].erase("t");
      REQUIRE(a[i] == b[i]);
    }
  }
}
