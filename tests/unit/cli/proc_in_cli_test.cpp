// `--proc-in DIR` on import and direct replay (docs/spec.md §4.5): the geometry from zoneinfo and
// pagetypeinfo, the pages in use when tracing began declared `preallocated` with their pfn as id
// (so the trace's frees of them match), a free covering several such pages freeing each, a
// declared page the trace allocates first dropped (it was on a per-CPU list, D29), and the
// unmatched frees reported with and without the snapshot; then the bundled real excerpt.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;

namespace {

constexpr std::uint64_t kBuddy = 1 << 10, kLru = 1 << 5, kAnon = 1 << 12;

std::string words(const std::vector<std::uint64_t>& values) {
  std::string bytes;
  for (std::uint64_t value : values)
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((value >> (8 * b)) & 0xff));
  return bytes;
}

// tests/fixtures/proc (DMA32: pfns [20, 60), pageblock order 3, 3 CPUs) with a page dump in
// which every page is free but 22 (page cache), 23 (kernel), 36 (anonymous) and 38 (kernel).
fs::path write_proc_dir(const TempDir& dir) {
  const fs::path proc = dir.path / "proc";
  fs::create_directories(proc);
  fs::copy_file(source_path("tests/fixtures/proc/zoneinfo"), proc / "zoneinfo");
  fs::copy_file(source_path("tests/fixtures/proc/pagetypeinfo"), proc / "pagetypeinfo");
  std::vector<std::uint64_t> flags(60, kBuddy);
  std::vector<std::uint64_t> counts(60, 0);
  flags[22] = kLru;
  counts[22] = 1;
  flags[23] = 0;
  flags[36] = kAnon;
  counts[36] = 1;
  flags[38] = 0;
  write(proc / "kpageflags", words(flags));
  write(proc / "kpagecount", words(counts));
  return proc;
}

const std::string kTrace =
    "  a-1 [000] ..... 1.000001: mm_page_free: page=f pfn=22 order=1\n"
    "  a-1 [001] ..... 1.000002: mm_page_alloc: page=f pfn=38 order=0 migratetype=0 "
    "gfp_flags=GFP_KERNEL\n"
    "  a-1 [001] ..... 1.000003: mm_page_free: page=f pfn=38 order=0\n"
    "  a-1 [000] ..... 1.000004: mm_page_free: page=f pfn=36 order=0\n"
    "  a-1 [000] ..... 1.000005: mm_page_free: page=f pfn=500 order=0\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  for (std::size_t nl; (nl = text.find('\n', begin)) != std::string::npos; begin = nl + 1)
    lines.push_back(text.substr(begin, nl - begin));
  return lines;
}

} // namespace

TEST_CASE("import with --proc-in declares the pages in use and matches their frees",
          "[cli][import][proc]") {
  TempDir dir;
  const fs::path proc = write_proc_dir(dir);
  const std::string in = (dir.path / "t.txt").string();
  write(in, kTrace);
  const std::string out = (dir.path / "t.jsonl").string();
  const auto r = run_memsim({"import", "ftrace", in, "--proc-in", proc.string(), "-o", out});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Contains("notice: geometry from " + proc.string() + ": zone DMA32"));
  CHECK_THAT(r.err, Contains("frees of pages not allocated in the trace: 3 without --proc-in, "
                             "1 with it"));
  const auto lines = lines_of(slurp(out));
  REQUIRE(lines.size() == 7);
  const auto header = nlohmann::json::parse(lines[0]);
  // The zone [20, 60) rounded out to the max-order block: [0, 1024).
  CHECK(header["zone"]["start_pfn"] == 0);
  CHECK(header["zone"]["memory"] == 1024);
  CHECK(header["zone"]["pageblock_order"] == 3);
  CHECK(header["zone"]["cpus"] == 3); // the fixture's pagesets list CPUs 0 to 2
  CHECK(header["meta"]["proc_in"]["dropped_blocks"] == 1);
  CHECK(header["meta"]["proc_in"]["unmatched_frees"] == 1);
  CHECK(header["meta"]["unmatched_frees"] == 3);
  CHECK(header["meta"]["events"] == lines.size() - 1); // as written, the two frees of 22 included
  // 22, 23 and 36 keep their ids; 38, allocated by the trace first, was free (dropped).
  std::vector<std::string> ids;
  for (const auto& block : header["preallocated"])
    if (block.contains("id"))
      ids.push_back(std::to_string(block["id"].get<std::uint64_t>()) + " " +
                    block["mt"].get<std::string>());
  CHECK(ids == std::vector<std::string>{"22 movable", "23 unmovable", "36 movable"});
  // The order-1 free of 22 covers the two declared pages 22 and 23: one free each.
  CHECK(lines[1] == R"({"op":"free","id":22,"order":0,"t":1.000001})");
  CHECK(lines[2] == R"({"op":"free","id":23,"order":0,"t":1.000001})");
  CHECK(
      lines[3] ==
      R"({"op":"alloc","id":38,"order":0,"mt":"unmovable","pfn":38,"gfp":"0xcc0","cpu":1,"t":1.000002})");

  // Replayed, only the free of pfn 500 is unmatched; without the snapshot, three are. A memsim
  // trace carries no per-CPU high / batch: the import's replay is given the snapshot's.
  const auto with = run_memsim(
      {"replay", out, "--json", "-", "--check", "--set", "pcp.high=6928", "--set", "pcp.batch=63"});
  REQUIRE(with.status == 0);
  CHECK(nlohmann::json::parse(with.out)["events"]["unmatched_free"] == 1);
  const auto direct =
      run_memsim({"replay", in, "--proc-in", proc.string(), "--json", "-", "--check"});
  INFO(direct.err);
  REQUIRE(direct.status == 0);
  CHECK(nlohmann::json::parse(direct.out)["events"] == nlohmann::json::parse(with.out)["events"]);
  CHECK(nlohmann::json::parse(direct.out)["summary"] == nlohmann::json::parse(with.out)["summary"]);
  const auto without = run_memsim({"replay", in, "--json", "-"});
  REQUIRE(without.status == 0);
  CHECK(nlohmann::json::parse(without.out)["events"]["unmatched_free"] == 3);
}

TEST_CASE("A missing --proc-in directory is a one-line error naming it", "[cli][import][proc]") {
  TempDir dir;
  const std::string in = (dir.path / "t.txt").string();
  write(in, kTrace);
  const auto r = run_memsim({"replay", in, "--proc-in", (dir.path / "nowhere").string()});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains((dir.path / "nowhere").string()));
  CHECK(lines_of(r.err).size() == 1);
}

TEST_CASE("the bundled real excerpt replays from the machine's state with --proc-in",
          "[cli][import][proc]") {
  const std::string trace = source_path("traces/kmem-6.1/trace-head.txt.xz");
  const std::string proc = source_path("traces/kmem-6.1/proc-begin");
  const auto with = run_memsim({"compare", trace, "--proc-in", proc, "--json", "-"});
  INFO(with.err);
  REQUIRE(with.status == 0);
  const auto without = run_memsim({"replay", trace, "--json", "-"});
  REQUIRE(without.status == 0);
  const auto doc = nlohmann::json::parse(with.out);
  const auto plain = nlohmann::json::parse(without.out);
  // The excerpt: the first 400,000 lines of mixed-1g-smp2 (traces/README.md).
  CHECK(plain["events"]["alloc"] == 123921);
  CHECK(plain["events"]["free"] == 57094);
  CHECK(plain["events"]["unmatched_free"] == 96);
  for (const auto& run : doc["runs"]) {
    INFO(run["policy"]);
    CHECK(run["events"]["alloc"] == 123921);
    CHECK(run["events"]["free"] == 57094);
    CHECK(run["events"]["unmatched_free"] == 46);
    CHECK(run["events"]["duplicate_alloc"] == 0);
    // DMA32 of the 1 GiB guest: pfns 4096 to 262103, rounded out to 1024-page blocks.
    CHECK(run["config"]["zone"]["start_pfn"] == 4096);
    CHECK(run["config"]["zone"]["memory"] == 258048ULL * 4096);
    CHECK(run["config"]["zone"]["pageblock_order"] == 9);
  }
  CHECK_THAT(with.err, Contains("96 without --proc-in, 46 with it"));
}

TEST_CASE("A trace header's start_state sets the pageblock types, a bad letter is a one-line error",
          "[cli][proc]") {
  TempDir dir;
  const fs::path good = dir / "good.jsonl";
  write(good, "{\"memsim_trace\":1,\"zone\":{\"memory\":32,\"max_order\":4,\"pageblock_order\":3,"
              "\"region_size\":32},\"start_state\":{\"pageblock_types\":\"urmm\",\"report\":{}}}\n"
              "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n");
  const auto r =
      run_memsim({"replay", good.string(), "--set", "reserve.pageblocks=0", "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto stats = nlohmann::json::parse(r.out);
  CHECK(stats["regions"][0]["pageblock_map"] == "urmm");
  const fs::path bad = dir / "bad.jsonl";
  write(bad, "{\"memsim_trace\":1,\"zone\":{\"memory\":32},\"start_state\":{\"pageblock_types\":"
             "\"uq\"}}\n");
  const auto e = run_memsim({"replay", bad.string()});
  CHECK(e.status == 1);
  CHECK(std::count(e.err.begin(), e.err.end(), '\n') == 1);
  CHECK_THAT(e.err, Contains(bad.string() + ":1:"));
  CHECK_THAT(e.err, Contains("'q' at 1 is not a map letter"));
}
