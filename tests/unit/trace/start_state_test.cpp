// The start state of --proc-in (trace/start_state.cpp, docs/spec.md §7.1) on hand-made snapshots:
// both KPF_BUDDY conventions, a racy dump, the trace's corrections (taken, per-CPU, freed first),
// the canonical split against buddyinfo, the zone choice, an uninitialised tail, the zone
// parameters. Every expected figure is worked out by hand in the comments.
#include <map>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "trace/ftrace_pipeline.hpp"
#include "trace/proc_snapshot.hpp"
#include "trace/trace_evidence.hpp"
#include "trace_test_support.hpp"

using memsim::build_start_state;
using memsim::KernelVersion;
using memsim::Migratetype;
using memsim::ProcSnapshot;
using memsim::StartStateOptions;
using memsim::test::TempDir;
using memsim::trace::LineKind;
using memsim::trace::LineRecord;
using memsim::trace::TraceEvidence;

namespace {

constexpr std::uint64_t kBuddy = 1 << 10, kLru = 1 << 5, kAnon = 1 << 12, kSlab = 1 << 7;
constexpr std::uint64_t kReserved = std::uint64_t{1} << 32;
constexpr unsigned kMaxOrder = 4; // blocks of up to 8 pages

struct Page {
  std::uint64_t flags = 0, count = 0;
};

std::string zone_text(const std::string& name, std::uint64_t start, std::uint64_t span,
                      std::uint64_t present) {
  return fmt::format(
      "Node 0, zone {:>8}\n  pages free     0\n        min      1\n        low      2\n"
      "        high     3\n        spanned  {}\n        present  {}\n"
      "        managed  {}\n      nr_free_pages 0\n  pagesets\n    cpu: 0\n"
      "              count: 1\n              high:  10\n              batch: 2\n"
      "    cpu: 1\n              count: 2\n              high:  12\n"
      "              batch: 2\n  start_pfn:           {}\n",
      name, span, present, present - 2, start);
}

// DMA32 [16, 48) and Normal [48, 112), pageblock order 2; pagetypeinfo's counts as given.
struct Snapshot {
  std::map<std::uint64_t, Page> pages; // pfns 0..111; missing: 0 / 0
  std::string dma32_blocks = "3 4 1";  // unmovable movable reclaimable
  std::string normal_blocks = "0 16 0";
  std::string buddyinfo = "2 4 1 1";

  std::string write(const TempDir& dir) const {
    dir.write("zoneinfo", zone_text("DMA32", 16, 32, 32) + zone_text("Normal", 48, 64, 64));
    const auto row = [](const std::string& name, const std::string& counts) {
      std::istringstream in(counts);
      unsigned u = 0, m = 0, r = 0;
      in >> u >> m >> r;
      return fmt::format("Node 0, zone {:>8} {:>12} {:>12} {:>12} {:>12} {:>12}\n", name, u, m, r,
                         0, 0);
    };
    dir.write("pagetypeinfo", "Page block order: 2\nPages per block:  4\n\n"
                              "Number of blocks type     Unmovable      Movable  Reclaimable   "
                              "HighAtomic      Isolate \n" +
                                  row("DMA32", dma32_blocks) + row("Normal", normal_blocks));
    dir.write("buddyinfo", "Node 0, zone    DMA32 " + buddyinfo + "\n");
    std::string flags, counts;
    for (std::uint64_t pfn = 0; pfn < 112; ++pfn) {
      const auto it = pages.find(pfn);
      const Page page = it == pages.end() ? Page{} : it->second;
      for (int b = 0; b < 8; ++b) {
        flags.push_back(static_cast<char>((page.flags >> (8 * b)) & 0xff));
        counts.push_back(static_cast<char>((page.count >> (8 * b)) & 0xff));
      }
    }
    dir.write("kpageflags", flags);
    dir.write("kpagecount", counts);
    return dir.path("");
  }
};

// Linux 6.1's convention: every page of a free block BUDDY. Free: [16,24) o3, [24,26) o1,
// [28,32) o2, [32,34) o1, [37,40) (o0 37, o1 38), [44,47) (o1 44, o0 46) = 22 pages; buddyinfo
// [o0 2, o1 4, o2 1, o3 1]. 26, 34, 35: unmapped kernel pages (no flag, count 0), in use.
Snapshot every_page() {
  Snapshot s;
  for (std::uint64_t pfn = 48; pfn < 112; ++pfn) s.pages[pfn] = {kBuddy, 0};
  for (std::uint64_t pfn :
       {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29, 30, 31, 32, 33, 37, 38, 39, 44, 45, 46})
    s.pages[pfn] = {kBuddy, 0};
  s.pages[27] = {kLru, 1};
  s.pages[36] = {kAnon, 1};
  for (std::uint64_t pfn = 40; pfn < 44; ++pfn) s.pages[pfn] = {kSlab, 0};
  s.pages[47] = {kReserved, 1};
  return s;
}

// Older kernels' convention: the head of a free block BUDDY, the rest no flag and count 0; the
// same free blocks (34, 35 are slab here: after 32's block they would read as its followers).
Snapshot head_only() {
  Snapshot s = every_page();
  for (std::uint64_t pfn : {17, 18, 19, 20, 21, 22, 23, 25, 29, 30, 31, 33, 39, 45})
    s.pages[pfn] = {0, 0};
  s.pages[34] = s.pages[35] = {kSlab, 0};
  return s;
}

// The start state of DMA32 (or `zone`; "" lets the trace's allocations choose).
ProcSnapshot build(const std::string& dir, const TraceEvidence* evidence = nullptr,
                   const std::string& zone = "DMA32") {
  const memsim::ProcFiles files = memsim::read_proc_files(dir, kMaxOrder);
  const auto dumps = memsim::read_page_dumps(files, kMaxOrder);
  REQUIRE(dumps);
  StartStateOptions options{zone, evidence, KernelVersion{6, 1}, kMaxOrder};
  return build_start_state(files, &*dumps, options);
}

std::vector<std::uint64_t> free_blocks(const ProcSnapshot& snap) {
  return snap.start_state->report["buddyinfo"].get<std::vector<std::uint64_t>>();
}

bool preallocated(const ProcSnapshot& snap, std::uint64_t pfn) {
  for (const auto& block : snap.preallocated)
    if (pfn >= block.pfn && pfn < block.pfn + (std::uint64_t{1} << block.order)) return true;
  return false;
}

LineRecord record(LineKind kind, std::uint64_t pfn, unsigned order, std::uint32_t cpu = 0,
                  std::uint8_t mt_number = 1, Migratetype mt = Migratetype::movable) {
  LineRecord r;
  r.kind = kind;
  r.pfn = pfn;
  r.order = static_cast<std::uint8_t>(order);
  r.cpu = cpu;
  r.mt = mt;
  r.k.mt_number = mt_number;
  r.k.pfn_hex = true;
  return r;
}

TraceEvidence evidence_for(const std::vector<LineRecord>& records) {
  TraceEvidence evidence({{16, 48}, {48, 112}}, 2, true); // the zones of zoneinfo, in order
  for (const LineRecord& r : records) evidence.add(r);
  return evidence;
}

} // namespace

TEST_CASE("start state: every page BUDDY (6.1) gives exactly the free blocks",
          "[trace][proc][start]") {
  TempDir dir;
  const ProcSnapshot snap = build(every_page().write(dir));
  REQUIRE(snap.start_state);
  const auto& report = snap.start_state->report;
  CHECK(report["buddy_flag"] == "every page");
  CHECK(snap.free_pages_found == 22);
  CHECK(free_blocks(snap) == std::vector<std::uint64_t>{2, 4, 1, 1});
  CHECK(report.at("buddyinfo_diff") == nlohmann::json::array({0, 0, 0, 0}));
  // The unmapped kernel pages after 32's free block stay in use: no follower rule in 6.1.
  CHECK(preallocated(snap, 34));
  CHECK(preallocated(snap, 35));
  CHECK(preallocated(snap, 26));
  CHECK_FALSE(preallocated(snap, 33));
}

TEST_CASE("start state: BUDDY on the head only reads the same free blocks",
          "[trace][proc][start]") {
  TempDir dir;
  const ProcSnapshot snap = build(head_only().write(dir));
  CHECK(snap.start_state->report["buddy_flag"] == "head only");
  CHECK(snap.free_pages_found == 22);
  CHECK(free_blocks(snap) == std::vector<std::uint64_t>{2, 4, 1, 1});
  CHECK(snap.start_state->report.at("buddyinfo_diff") == nlohmann::json::array({0, 0, 0, 0}));
  CHECK_FALSE(preallocated(snap, 17)); // followers of 16's order-3 block
  CHECK(preallocated(snap, 34));
}

TEST_CASE("start state: a racy dump differs from buddyinfo and says by how much",
          "[trace][proc][start]") {
  TempDir dir;
  Snapshot s = every_page();
  s.pages[31] = {kLru, 1};   // allocated while the dump was read: [28,31) = o1 28 + o0 30
  s.pages[40] = {kBuddy, 1}; // freed while read, still mapped: BUDDY counts as free (D37)
  const ProcSnapshot snap = build(s.write(dir));
  // Free: 22 - 1 + 1 = 22 pages; blocks o0: 37, 46, 30, 40 = 4; o1: 24, 32, 38, 44, 28 = 5;
  // o2: none; o3: 16.
  CHECK(snap.free_pages_found == 22);
  CHECK(free_blocks(snap) == std::vector<std::uint64_t>{4, 5, 0, 1});
  CHECK(snap.start_state->report.at("buddyinfo_diff") == nlohmann::json::array({2, 1, -1, 0}));
  CHECK(preallocated(snap, 31));
  CHECK_FALSE(preallocated(snap, 40));
}

TEST_CASE("start state: the trace corrects the dump and finds the per-CPU pages",
          "[trace][proc][start]") {
  TempDir dir;
  const std::string proc = every_page().write(dir);
  const TraceEvidence evidence = evidence_for({
      // 17 (BUDDY in the dump) first drained from CPU 1's list: it was on that list.
      record(LineKind::pcpu_drain, 17, 0, 1, 1),
      // 26 (in use by the dump) first allocated with no take before: on CPU 0's list.
      record(LineKind::alloc, 26, 0, 0, 0, Migratetype::unmovable),
      // 34 (in use by the dump) first taken from the buddy: it was free.
      record(LineKind::zone_locked, 34, 0, 0, 0),
      // 44 (BUDDY) first freed, order 1: the free's block was in use.
      record(LineKind::free, 44, 1),
      // later events on 17 decide nothing
      record(LineKind::free, 17, 0),
  });
  const ProcSnapshot snap = build(proc, &evidence);
  const auto& start = *snap.start_state;
  REQUIRE(start.pcp.size() == 2);
  CHECK(start.pcp[0].pfn == 17);
  CHECK(start.pcp[0].cpu == 1);
  CHECK(start.pcp[0].mt == Migratetype::movable); // 6.1's 1
  CHECK(start.pcp[1].pfn == 26);
  CHECK(start.pcp[1].cpu == 0);
  CHECK(start.pcp[1].mt == Migratetype::unmovable);
  CHECK_FALSE(preallocated(snap, 17));
  CHECK_FALSE(preallocated(snap, 26));
  CHECK_FALSE(preallocated(snap, 34));
  CHECK(preallocated(snap, 44));
  CHECK(snap.dropped_blocks == 2);   // 26 and 34
  CHECK(snap.corrected_blocks == 1); // 44..45
  // Free: 22 - 1 (17) + 1 (34) - 2 (44, 45) = 20: 16 o0, 18 o1, 20 o2, 24 o1, 28 o2, [32,34)
  // + 34 = o1 32 + o0 34, 37 o0, 38 o1, 46 o0.
  CHECK(snap.free_pages_found == 20);
  CHECK(free_blocks(snap) == std::vector<std::uint64_t>{4, 4, 2, 0});
  CHECK(start.report["pcp_pages"]["trace"] == 2);
  CHECK(start.report["pcp_pages"]["zoneinfo"] == 3);
}

TEST_CASE("start state: without buddy-level takes an allocation first means free, not per-CPU",
          "[trace][proc][start]") {
  TempDir dir;
  const std::string proc = every_page().write(dir);
  const TraceEvidence evidence =
      evidence_for({record(LineKind::alloc, 26, 0, 0, 0, Migratetype::unmovable)});
  const ProcSnapshot snap = build(proc, &evidence);
  CHECK(snap.start_state->pcp.empty());
  CHECK_FALSE(preallocated(snap, 26));
  CHECK(snap.free_pages_found == 23);
}

TEST_CASE("start state: pageblock types by trace, flags, default, then pagetypeinfo's counts",
          "[trace][proc][start]") {
  TempDir dir;
  Snapshot s = every_page();
  const TraceEvidence evidence = evidence_for({
      record(LineKind::pcpu_drain, 17, 0, 1, 1),  // block 0 [16,20): movable by the trace
      record(LineKind::zone_locked, 29, 0, 0, 0), // block 3 [28,32): unmovable by the trace
      record(LineKind::extfrag, 37, 0, 0, 0),     // block 5 [36,40): a fallback first...
      record(LineKind::zone_locked, 38, 0, 0, 2), // ... so this says nothing of its start
  });
  // Blocks: 0 trace m; 1 [20,24) all free: default m; 2 [24,28) holds 26: flags u; 3 trace u;
  // 4 [32,36) holds 34, 35: flags u; 5 anonymous 36: default m; 6 [40,44) all slab: flags r;
  // 7 [44,48) free + reserved 47: default m. Counts u3 m4 r1 = pagetypeinfo: nothing re-typed.
  {
    const ProcSnapshot snap = build(s.write(dir), &evidence);
    using M = Migratetype;
    CHECK(snap.start_state->pageblock_types ==
          std::vector<M>{M::movable, M::movable, M::unmovable, M::unmovable, M::unmovable,
                         M::movable, M::reclaimable, M::movable});
    const auto& by = snap.start_state->report["pageblocks_by_evidence"];
    CHECK(by["trace"] == 2);
    CHECK(by["flags"] == 3);
    CHECK(by["default"] == 3);
    CHECK(by["counts"] == 0);
  }
  // pagetypeinfo wants u4 m3: the default block with the fewest in-use movable pages (1 and 7
  // have none, 5 has one), the lower first: block 1 becomes unmovable.
  s.dma32_blocks = "4 3 1";
  {
    const ProcSnapshot snap = build(s.write(dir), &evidence);
    CHECK(snap.start_state->pageblock_types[1] == Migratetype::unmovable);
    CHECK(snap.start_state->pageblock_types[7] == Migratetype::movable);
    CHECK(snap.start_state->report["pageblocks_by_evidence"]["counts"] == 1);
    CHECK(snap.start_state->report["pageblocks"]["unmovable"] == 4);
  }
  // u2 m5 r1: a flags block gives way (never the trace's): block 2 holds one non-movable page,
  // block 4 two, so block 2 becomes movable.
  s.dma32_blocks = "2 5 1";
  {
    const ProcSnapshot snap = build(s.write(dir), &evidence);
    CHECK(snap.start_state->pageblock_types[2] == Migratetype::movable);
    CHECK(snap.start_state->pageblock_types[3] == Migratetype::unmovable);
    CHECK(snap.start_state->pageblock_types[4] == Migratetype::unmovable);
  }
  // No reclaimable block wanted: the slab-only block 6 is unmovable.
  s.dma32_blocks = "4 4 0";
  {
    const ProcSnapshot snap = build(s.write(dir), &evidence);
    CHECK(snap.start_state->pageblock_types[6] == Migratetype::unmovable);
    CHECK(snap.start_state->report["pageblocks"]["unmovable"] == 4);
  }
}

TEST_CASE("start state: the zone where most allocations fall, unless --zone names one",
          "[trace][proc][start]") {
  TempDir dir;
  const std::string proc = every_page().write(dir);
  CHECK(build(proc, nullptr, "").zone_name == "Normal"); // no trace: the most present pages
  const TraceEvidence evidence =
      evidence_for({record(LineKind::alloc, 20, 0), record(LineKind::alloc, 21, 0),
                    record(LineKind::alloc, 60, 0)});
  const ProcSnapshot chosen = build(proc, &evidence, "");
  CHECK(chosen.zone_name == "DMA32");
  CHECK(chosen.real_start_pfn == 16);
  CHECK(chosen.real_end_pfn == 48);
  CHECK(build(proc, &evidence, "Normal").zone_name == "Normal");
  CHECK_THROWS_WITH(build(proc, &evidence, "HighMem"),
                    Catch::Contains("no zone HighMem with present pages"));
}

TEST_CASE("start state: an uninitialised tail ends the zone where it begins",
          "[trace][proc][start]") {
  TempDir dir;
  Snapshot s = every_page();
  // Normal [48, 112): pagetypeinfo counts 8 blocks of 4 pages = [48, 80); 80..111 are all 0/0.
  for (std::uint64_t pfn = 80; pfn < 112; ++pfn) s.pages[pfn] = {0, 0};
  s.normal_blocks = "0 8 0";
  const ProcSnapshot snap = build(s.write(dir), nullptr, "Normal");
  CHECK(snap.real_end_pfn == 80);
  CHECK(snap.uninitialised_pages == 32);
  CHECK(snap.free_pages_found == 32);
  CHECK(snap.start_state->report["uninitialised_pages"] == 32);
  // The simulated zone stops there too: [48, 80) is whole 8-page blocks, no edge after it.
  CHECK(snap.start_pfn == 48);
  CHECK(snap.pages == 32);
  CHECK_FALSE(preallocated(snap, 79));
  // A count that does not explain the tail (a page past it in use) keeps the whole span.
  s.pages[100] = {kLru, 1};
  CHECK(build(s.write(dir), nullptr, "Normal").real_end_pfn == 112);
}

TEST_CASE("start state: zone parameters from zoneinfo", "[trace][proc][start]") {
  TempDir dir;
  const ProcSnapshot snap = build(every_page().write(dir));
  const auto& start = *snap.start_state;
  CHECK(start.managed_pages == 30u);
  CHECK(start.watermark_min == 1u);
  CHECK(start.watermark_low == 2u);
  CHECK(start.watermark_high == 3u);
  REQUIRE(start.pagesets.size() == 2);
  CHECK(start.pagesets[0].high == 10);
  CHECK(start.pagesets[0].batch == 2);
  CHECK(start.pagesets[1].high == 12);
  CHECK_FALSE(start.pagesets[0].high_min);
  CHECK(start.pageblock_types.size() == snap.pages / 4);
}
