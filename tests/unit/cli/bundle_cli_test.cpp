// A `memsim record` bundle directory given as the trace (src/trace/bundle.hpp): replay, compare
// and import read its trace with --proc-in its begin snapshot, exactly as if both were given; a
// directory that is not a bundle is a one-line error. Also: tools/text_to_perfetto.py remakes the
// Perfetto fixture of traces/kmem-6.18 byte for byte.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"
#include "../../support/skip.hpp"

namespace fs = std::filesystem;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

// A bundle of the bundled 6.1 excerpt: its trace and its begin snapshot.
fs::path make_bundle(const TempDir& dir) {
  const fs::path bundle = dir / "bundle";
  fs::create_directories(bundle);
  fs::copy_file(source_path("traces/kmem-6.1/trace-head.txt.xz"), bundle / "trace.txt.xz");
  fs::copy(source_path("traces/kmem-6.1/proc-begin"), bundle / "begin");
  std::ofstream(bundle / "meta.json")
      << R"({"memsim_record": 1, "trace": "trace.txt.xz", "begin": "begin", "end": "end"})"
      << "\n";
  return bundle;
}

nlohmann::json json_of(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(r.out);
}

} // namespace

TEST_CASE("replay and compare of a bundle directory read its trace from its begin snapshot",
          "[cli][bundle][slow]") {
  TempDir dir;
  const fs::path bundle = make_bundle(dir);
  const std::string trace = (bundle / "trace.txt.xz").string();
  const std::string begin = (bundle / "begin").string();
  auto of_bundle = json_of(run_memsim({"replay", bundle.string(), "--json", "-"}));
  auto given = json_of(run_memsim({"replay", trace, "--proc-in", begin, "--json", "-"}));
  CHECK(of_bundle["events"] == given["events"]);
  CHECK(of_bundle["summary"] == given["summary"]);
  CHECK(of_bundle["config"] == given["config"]);
  CHECK(of_bundle["trace"]["path"] == trace);
  const auto compared = json_of(run_memsim({"compare", bundle.string(), "--json", "-"}));
  CHECK(compared["runs"][0]["summary"] == given["summary"]);
  // An explicit --proc-in wins over the bundle's.
  const auto without = run_memsim({"replay", bundle.string(), "--proc-in",
                                   source_path("traces/kmem-6.1/proc-begin"), "--json", "-"});
  CHECK(json_of(without)["events"] == given["events"]);
}

TEST_CASE("import of a bundle directory writes its trace, and a plain directory is an error",
          "[cli][bundle]") {
  TempDir dir;
  const fs::path bundle = make_bundle(dir);
  const std::string out = (dir / "out.jsonl").string();
  const auto r = run_memsim({"import", "ftrace", bundle.string(), "-o", out});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("notice: geometry from " + (bundle / "begin").string()));
  fs::remove(bundle / "meta.json");
  const auto plain = run_memsim({"replay", bundle.string()});
  CHECK(plain.status == 1);
  CHECK(plain.err ==
        bundle.string() + ": a directory, not a memsim record bundle (no meta.json)\n");
  std::ofstream(bundle / "meta.json") << R"({"memsim_record": 1, "trace": "gone.txt"})";
  const auto gone = run_memsim({"replay", bundle.string()});
  CHECK(gone.status == 1);
  CHECK(gone.err == bundle.string() + ": the bundle's trace (gone.txt) is missing\n");
}

TEST_CASE("tools/text_to_perfetto.py remakes traces/kmem-6.18/trace.pftrace byte for byte",
          "[cli][formats]") {
  if (std::system("python3 -c 'import lzma' >/dev/null 2>&1") != 0)
    return memsim::test::skip_test("no python3 with lzma");
  TempDir dir;
  const std::string out = (dir / "t.pftrace").string();
  const std::string command =
      "python3 " + memsim::test::shell_quote(source_path("tools/text_to_perfetto.py")) + " " +
      memsim::test::shell_quote(source_path("traces/kmem-6.18/trace-cmd-report.txt.xz")) + " " +
      memsim::test::shell_quote(out) + " --compress --gfp-format " +
      memsim::test::shell_quote(source_path("traces/kmem-6.18/mm_page_alloc.format")) +
      " 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(slurp(out) == slurp(source_path("traces/kmem-6.18/trace.pftrace")));
}
