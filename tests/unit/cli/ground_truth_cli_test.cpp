// Ground truth on the command line (docs/spec.md §7.1, §7.3): `start_state` and `validation` in
// the stats of replay and compare, the zone parameters taken into the config, the summary's
// tables, --zone / --kernel / --proc-expect errors, the pageblock order of ftrace input without
// --proc-in, this machine's Linux 6.18 excerpt (an uninitialised tail), and the shared Linux 6.1
// recordings end to end.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"
#include "../../support/skip.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;
using nlohmann::json;

namespace {

constexpr std::uint64_t kBuddy = 1 << 10, kLru = 1 << 5;

std::string words(const std::vector<std::uint64_t>& values) {
  std::string bytes;
  for (std::uint64_t value : values)
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((value >> (8 * b)) & 0xff));
  return bytes;
}

// tests/fixtures/proc (DMA32: pfns [20, 60), pageblock order 3) with `buddyinfo`, and page
// dumps in which every page is free (6.1's BUDDY on every page) but 22..23 and 40..47 (page cache).
fs::path write_snapshot(const TempDir& dir, const std::string& name, const std::string& buddyinfo,
                        bool dumps) {
  const fs::path proc = dir.path / name;
  fs::create_directories(proc);
  fs::copy_file(source_path("tests/fixtures/proc/zoneinfo"), proc / "zoneinfo");
  fs::copy_file(source_path("tests/fixtures/proc/pagetypeinfo"), proc / "pagetypeinfo");
  write(proc / "buddyinfo", "Node 0, zone    DMA32 " + buddyinfo + "\n");
  if (!dumps) return proc;
  std::vector<std::uint64_t> flags(60, kBuddy), counts(60, 0);
  for (std::uint64_t pfn : {22, 23, 40, 41, 42, 43, 44, 45, 46, 47}) {
    flags[pfn] = kLru;
    counts[pfn] = 1;
  }
  write(proc / "kpageflags", words(flags));
  write(proc / "kpagecount", words(counts));
  return proc;
}

const std::string kTrace =
    "  a-1 [000] ..... 1.000001: mm_page_alloc_zone_locked: page=f pfn=0x30 order=0 "
    "migratetype=1 percpu_refill=1\n"
    "  a-1 [000] ..... 1.000002: mm_page_alloc: page=f pfn=0x30 order=0 migratetype=1 "
    "gfp_flags=GFP_HIGHUSER_MOVABLE\n"
    "  a-1 [000] ..... 1.000003: mm_page_free: page=f pfn=0x16 order=1\n"
    "  a-1 [001] ..... 1.000004: mm_page_alloc_extfrag: page=f pfn=0x38 alloc_order=0 "
    "fallback_order=2 pageblock_order=3 alloc_migratetype=0 fallback_migratetype=1 "
    "fragmenting=1 change_ownership=0\n"
    "  a-1 [001] ..... 1.000005: mm_page_alloc: page=f pfn=0x38 order=0 migratetype=0 "
    "gfp_flags=GFP_KERNEL\n";

json parse_stats(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
  return json::parse(r.out);
}

} // namespace

TEST_CASE("replay --proc-in --proc-expect adds start_state and validation to the stats",
          "[cli][proc][validation]") {
  TempDir dir;
  const fs::path begin = write_snapshot(dir, "begin", "0 1 1 3 0 0 0 0 0 0 0", true);
  const fs::path end = write_snapshot(dir, "end", "2 1 0 3 0 0 0 0 0 0 0", false);
  write(dir / "t.txt", kTrace);
  const json stats =
      parse_stats(run_memsim({"replay", (dir / "t.txt").string(), "--proc-in", begin.string(),
                              "--proc-expect", end.string(), "--json", "-", "--check"}));
  const json& start = stats["start_state"];
  CHECK(start["zone"] == "DMA32");
  // Free in the dump: 20, 21, [24, 40), [48, 60) = 30 pages: 20 o1, 24 o3, 32 o3, 48 o3, 56 o2.
  CHECK(start["free_pages"] == 30);
  CHECK(start["buddyinfo"] == json::array({0, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(start["buddyinfo_diff"] == json::array({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  // pagetypeinfo counts 2 unmovable, 3 movable for DMA32.
  CHECK(start["pageblocks"]["unmovable"] == 2);
  CHECK(start["pageblocks"]["movable"] == 3);
  // The zone parameters reach the config: per-CPU high / batch of the first CPU, watermarks.
  CHECK(stats["config"]["pcp"]["high"] == 6928);
  CHECK(stats["config"]["pcp"]["batch"] == 63);
  CHECK(stats["config"]["zone"]["managed_pages"] == 38);
  CHECK(stats["config"]["watermark"] == json{{"min", 4}, {"low", 5}, {"high", 6}});
  // validation: real from end/, model from the run's own figures.
  const json& v = stats["validation"];
  CHECK(v["snapshot"] == end.string());
  CHECK(v["zone"] == "DMA32");
  CHECK(v["buddyinfo"]["real"] == json::array({2, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(v["buddyinfo"]["model"] == stats["fragmentation"]["buddyinfo"]);
  std::uint64_t l1 = 0, real_free = 0;
  for (std::size_t k = 0; k < 11; ++k) {
    const auto diff = v["buddyinfo"]["model"][k].get<std::int64_t>() -
                      v["buddyinfo"]["real"][k].get<std::int64_t>();
    CHECK(v["buddyinfo"]["diff"][k] == diff);
    l1 += static_cast<std::uint64_t>(std::llabs(diff)) << k;
    real_free += v["buddyinfo"]["real"][k].get<std::uint64_t>() << k;
  }
  CHECK(real_free == 2 + 2 + 24);
  CHECK(v["free_pages"]["real"] == real_free);
  CHECK(v["l1_pct"].get<double>() == Approx(100.0 * static_cast<double>(l1) / 28.0));
  CHECK(v["pcp_pages"]["real"] == 8); // the fixture's per-CPU counts 5 + 3 + 0
  CHECK(v["pcp_pages"]["model"] == stats["summary"]["pcp_pages"]);
  CHECK(v["fallbacks"]["real"] == 1); // one mm_page_alloc_extfrag line
  CHECK(v["fallbacks"]["model"] == stats["fallbacks"]["total"]);
  CHECK(v["pageblocks"]["real"]["unmovable"] == 2);
}

TEST_CASE("compare --proc-expect validates every run and the summaries show the tables",
          "[cli][proc][validation]") {
  TempDir dir;
  const fs::path begin = write_snapshot(dir, "begin", "0 1 1 3 0 0 0 0 0 0 0", true);
  const fs::path end = write_snapshot(dir, "end", "2 1 0 3 0 0 0 0 0 0 0", false);
  write(dir / "t.txt", kTrace);
  const std::string trace = (dir / "t.txt").string();
  const auto r = run_memsim({"compare", trace, "--proc-in", begin.string(), "--proc-expect",
                             end.string(), "--json", "-"});
  const json doc = parse_stats(r);
  REQUIRE(doc["runs"].size() == 2);
  for (const json& run : doc["runs"]) {
    CHECK(run["validation"]["buddyinfo"]["real"] == json::array({2, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(run["start_state"]["zone"] == "DMA32");
  }
  const auto text =
      run_memsim({"compare", trace, "--proc-in", begin.string(), "--proc-expect", end.string()});
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Contains("validation against " + end.string() + " (zone DMA32)"));
  CHECK_THAT(text.out, Contains("free pages diff"));
  const auto replay =
      run_memsim({"replay", trace, "--proc-in", begin.string(), "--proc-expect", end.string()});
  REQUIRE(replay.status == 0);
  CHECK_THAT(replay.out, Contains("Σ 2^k·|Δk|"));
  CHECK_THAT(replay.out, Contains("pageblocks by trace"));
  CHECK_THAT(replay.err, Contains("pageblock types by trace"));
}

TEST_CASE("Replay --proc-expect on a memsim trace finds the zone by its pfns",
          "[cli][proc][validation]") {
  TempDir dir;
  const fs::path end = write_snapshot(dir, "end", "2 1 0 3 0 0 0 0 0 0 0", false);
  write(dir / "t.jsonl",
        "{\"memsim_trace\":1,\"zone\":{\"memory\":64,\"start_pfn\":0,\"max_order\":4,"
        "\"pageblock_order\":3}}\n{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n");
  const json stats = parse_stats(run_memsim(
      {"replay", (dir / "t.jsonl").string(), "--proc-expect", end.string(), "--json", "-"}));
  CHECK(stats["validation"]["zone"] == "DMA32"); // [0, 64) overlaps DMA32's [20, 60) the most
  CHECK(stats["validation"]["fallbacks"]["real"].is_null()); // no kernel events known
  CHECK_FALSE(stats.contains("start_state"));
}

TEST_CASE("bad --proc-expect, --zone and --kernel are one-line errors", "[cli][proc][validation]") {
  TempDir dir;
  write(dir / "t.txt", kTrace);
  const std::string trace = (dir / "t.txt").string();
  const fs::path begin = write_snapshot(dir, "begin", "0 1 1 3 0 0 0 0 0 0 0", true);
  const fs::path bare = dir.path / "bare";
  fs::create_directories(bare);
  fs::copy_file(source_path("tests/fixtures/proc/zoneinfo"), bare / "zoneinfo");
  fs::copy_file(source_path("tests/fixtures/proc/pagetypeinfo"), bare / "pagetypeinfo");
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--proc-expect", bare.string()}, bare.string() + "/buddyinfo: cannot open"},
           {{"--proc-in", begin.string(), "--zone", "HighMem"}, "no zone HighMem"},
           {{"--kernel", "six"}, "--kernel: expected X.Y"}}) {
    std::vector<std::string> command{"replay", trace};
    command.insert(command.end(), args.begin(), args.end());
    const auto r = run_memsim(command);
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains(message));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 1);
  }
}

TEST_CASE("ftrace input without --proc-in takes the pageblock order of its extfrag lines, else 9",
          "[cli][proc]") {
  TempDir dir;
  write(dir / "t.txt", kTrace);
  const auto with = run_memsim({"replay", (dir / "t.txt").string(), "--json", "-"});
  CHECK(parse_stats(with)["config"]["zone"]["pageblock_order"] == 3);
  CHECK_THAT(with.err,
             Contains("zone.pageblock_order 3 (the trace's mm_page_alloc_extfrag lines)"));
  write(dir / "u.txt", "  a-1 [000] ..... 1.000002: mm_page_alloc: page=f pfn=0x30 order=0 "
                       "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n");
  const auto without = run_memsim({"replay", (dir / "u.txt").string(), "--json", "-"});
  CHECK(parse_stats(without)["config"]["zone"]["pageblock_order"] == 9);
  CHECK_THAT(without.err, Contains("zone.pageblock_order 9 (none printed by the trace"));
}

TEST_CASE("this machine's Linux 6.18 snapshot: an uninitialised tail and pagetypeinfo's counts",
          "[cli][proc]") {
  TempDir dir;
  const std::string archive = source_path("traces/kmem-6.18/proc-snapshots.tar.xz");
  REQUIRE(std::system(fmt::format("tar xJf '{}' -C '{}'", archive, dir.path.string()).c_str()) ==
          0);
  const std::string trace = source_path("traces/kmem-6.18/trace-head.txt.xz");
  const auto r = run_memsim({"replay", trace, "--proc-in", (dir.path / "begin").string(),
                             "--proc-expect", (dir.path / "end").string(), "--json", "-"});
  const json stats = parse_stats(r);
  const json& start = stats["start_state"];
  // traces/README.md: Normal spans 5,505,024 pages from pfn 0x100000; pagetypeinfo counts
  // 135 + 7,059 + 166 = 7,360 pageblocks = 3,768,320 pages; the rest was never initialised.
  CHECK(start["zone"] == "Normal");
  CHECK(start["kernel"] == "6.18");
  CHECK(start["buddy_flag"] == "every page");
  CHECK(start["end_pfn"] == 0x100000 + 3768320);
  CHECK(start["uninitialised_pages"] == 5505024 - 3768320);
  CHECK(start["pageblocks"] == json{{"movable", 7059}, {"reclaimable", 166}, {"unmovable", 135}});
  CHECK(stats["config"]["zone"]["memory"] == std::uint64_t{3768320} * 4096);
  CHECK_THAT(r.err, Contains("were never initialised (deferred_init=lazy)"));
  // 6.18's zoneinfo: high_min / high_max per CPU; the validation reads the end snapshot.
  CHECK(stats["validation"]["zone"] == "Normal");
  CHECK(stats["validation"]["buddyinfo"]["real"].size() == 11);
}

namespace {

// The shared recordings with their snapshots, end to end: the start state matches the begin
// pagetypeinfo exactly and buddyinfo within a few blocks; validation reads the end snapshot.
void check_recording(const std::string& name, const std::string& policies) {
  const fs::path folder = fs::path(MEMSIM_SHARED_DIR) / "traces" / name;
  if (!fs::exists(folder / "trace.txt.xz")) {
    memsim::test::skip_test("../shared/traces absent: skipped");
    return;
  }
  TempDir dir;
  REQUIRE(std::system(fmt::format("tar xJf '{}' -C '{}'",
                                  (folder / "proc-snapshots.tar.xz").string(), dir.path.string())
                          .c_str()) == 0);
  const auto r = run_memsim({"compare", (folder / "trace.txt.xz").string(), "--policies", policies,
                             "--proc-in", (dir.path / "begin").string(), "--proc-expect",
                             (dir.path / "end").string(), "--json", "-"});
  const json doc = parse_stats(r);
  for (const json& run : doc["runs"]) {
    INFO(run["policy"]);
    const json& start = run["start_state"];
    CHECK(start["zone"] == "DMA32");
    for (const auto& [type, count] : start["pageblocks"].items())
      CHECK(start["pageblocks_real"][type] == count);
    std::int64_t off = 0;
    for (const auto& d : start["buddyinfo_diff"]) off += std::llabs(d.get<std::int64_t>());
    CHECK(off <= 8);
    CHECK(start["pcp_pages"]["trace"].get<std::uint64_t>() <=
          start["pcp_pages"]["zoneinfo"].get<std::uint64_t>() + 64);
    const json& v = run["validation"];
    CHECK(v["zone"] == "DMA32");
    CHECK(v["fallbacks"]["real"].get<std::uint64_t>() > 0);
    CHECK(v["l1_pct"].is_number());
    if (run["policy"] != "recorded") continue;
    // The kernel's own placements (docs/spec.md §7.2) end within the bounds of the
    // machine's end state: free pages 2%, Σ 2^k·|Δ_k| 3%; pageblocks per type within 2 (the
    // 1 GiB start state misplaces two blocks, docs/fidelity.md); its fallbacks are the trace's.
    CHECK(std::abs(v["free_pages"]["diff_pct"].get<double>()) <= 2.0);
    CHECK(v["l1_pct"].get<double>() <= 3.0);
    for (const auto& [type, diff] : v["pageblocks"]["diff"].items())
      CHECK(std::llabs(diff.get<std::int64_t>()) <= 2);
    CHECK(v["fallbacks"]["model"] == v["fallbacks"]["real"]);
    CHECK(run["fallbacks"]["change_ownership"].get<std::uint64_t>() <=
          run["fallbacks"]["total"].get<std::uint64_t>());
    for (const auto& [kind, n] : run["recorded"]["inconsistent"].items())
      CHECK(kind == "compaction_target_retaken");
  }
}

} // namespace

TEST_CASE("the shared 1 GiB recording from its begin snapshot, against its end snapshot",
          "[cli][proc][validation][slow]") {
  check_recording("mixed-1g-smp2", "recorded,stock,region-aware");
}

TEST_CASE("the shared 512 MiB recording from its begin snapshot, against its end snapshot",
          "[cli][proc][validation][slow]") {
  check_recording("mixed-512m-smp1", "recorded,stock,region-aware");
}
