// The /proc snapshot reader behind `--proc-in DIR` (docs/spec.md §4.5, D36-D41): the chosen zone
// and its rounding, the blocks below and after the real span, the free block extent rule, compound
// grouping, movable / unmovable, reserved pages without id, every error path, and the real
// 6.1 snapshot of ../shared/traces/mixed-1g-smp2 (begin/).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "../../support/skip.hpp"

#include "trace/proc_snapshot.hpp"
#include "trace_test_support.hpp"

using Catch::Contains;
using Catch::StartsWith;
using memsim::Migratetype;
using memsim::ProcSnapshot;
using memsim::read_proc_snapshot;
using memsim::test::TempDir;

namespace {

constexpr std::uint64_t kReserved = std::uint64_t{1} << 32;
constexpr std::uint64_t kNopage = 1 << 20, kBuddy = 1 << 10, kAnon = 1 << 12, kLru = 1 << 5;
constexpr std::uint64_t kHead = 1 << 15, kTail = 1 << 16, kSlab = 1 << 7, kUptodate = 1 << 3;

std::string fixture(const std::string& name) {
  std::ifstream in(memsim::test::source_file("tests/fixtures/proc/" + name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE(!text.str().empty());
  return text.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Writes the fixture zoneinfo and pagetypeinfo (DMA32 spans pfns [20, 60)) into `dir`.
void write_text_files(const TempDir& dir, const std::string& zoneinfo = fixture("zoneinfo"),
                      const std::string& pagetypeinfo = fixture("pagetypeinfo")) {
  dir.write("zoneinfo", zoneinfo);
  dir.write("pagetypeinfo", pagetypeinfo);
}

std::string words(const std::vector<std::uint64_t>& values) {
  std::string bytes;
  for (std::uint64_t value : values) {
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((value >> (8 * b)) & 0xff));
  }
  return bytes;
}

struct Page {
  std::uint64_t flags = 0, count = 0;
};

// The hand-made page dump of pfns 0..59 (D37-D39) of a kernel that marks only the head of a free
// block BUDDY (before 6.1); pfns 0..19 are outside DMA32 and look free.
std::map<std::uint64_t, Page> fixture_pages() {
  std::map<std::uint64_t, Page> pages;
  for (std::uint64_t pfn = 0; pfn < 20; ++pfn) pages[pfn] = {kBuddy, 0};
  pages[20] = pages[21] = {kReserved, 1}; // reserved run -> (20, order 1), no id
  pages[22] = {kLru | kUptodate, 1};      // page cache: movable, id 22
  pages[23] = {0, 0};                     // unmapped kernel page: unmovable, id 23
  pages[24] = {kBuddy, 0};                // free head; 25..31 flags 0 count 0: order 3
  for (std::uint64_t pfn = 25; pfn < 32; ++pfn) pages[pfn] = {0, 0};
  pages[32] = {kBuddy, 0}; // free head, 33 its follower: order 1
  pages[33] = {0, 0};
  pages[34] = {0, 0};                    // follower candidate, but 35 is mapped
  pages[35] = {kLru | kUptodate, 1};     // movable, id 35
  pages[36] = {kAnon, 1};                // anonymous: movable, id 36
  pages[37] = {kBuddy, 0};               // odd pfn: an order-0 free block
  pages[38] = {0, 0};                    // not aligned with 37: in use, id 38
  pages[39] = {kSlab, 0};                // slab: unmovable, id 39
  pages[40] = {kHead | kLru | kAnon, 1}; // THP-like compound of order 3, movable
  for (std::uint64_t pfn = 41; pfn < 48; ++pfn) pages[pfn] = {kTail, 1};
  pages[48] = {kHead | kSlab, 0}; // slab compound of order 1, unmovable
  pages[49] = {kTail | kSlab, 0};
  pages[50] = {kTail, 0}; // stray tail: order 0
  pages[51] = {kHead, 1}; // head at an odd pfn: order 0, its tail order 0
  pages[52] = {kTail, 1};
  pages[53] = {kNopage, 0}; // memmap hole + reserved: (53,0) (54,1) no id
  pages[54] = pages[55] = {kReserved, 1};
  pages[56] = {kBuddy, 0}; // order 2 at the end: 57..59 its followers
  for (std::uint64_t pfn = 57; pfn < 60; ++pfn) pages[pfn] = {0, 0};
  return pages;
}

void write_dumps(const TempDir& dir, const std::map<std::uint64_t, Page>& pages,
                 const std::string& suffix = ".bin") {
  std::vector<std::uint64_t> flags, counts;
  for (const auto& [pfn, page] : pages) {
    flags.push_back(page.flags);
    counts.push_back(page.count);
  }
  dir.write("kpageflags" + suffix, words(flags));
  dir.write("kpagecount" + suffix, words(counts));
}

std::string block(const memsim::PreallocatedBlock& b) {
  const char* mt = b.mt == Migratetype::movable ? "movable" : "unmovable";
  return fmt::format("{} o{} {} {}", b.pfn, b.order, mt, b.id ? std::to_string(*b.id) : "-");
}

std::vector<std::string> blocks(const ProcSnapshot& snap) {
  std::vector<std::string> out;
  for (const auto& b : snap.preallocated) out.push_back(block(b));
  return out;
}

std::string error_of(const std::string& dir, unsigned max_order = 4) {
  try {
    read_proc_snapshot(dir, max_order);
  } catch (const memsim::InputError& error) {
    const std::string message = error.what();
    CHECK(message.find('\n') == std::string::npos);
    return message;
  }
  FAIL("no InputError");
  return {};
}

// Sorted, disjoint, aligned to their order, inside [start_pfn, start_pfn + pages).
void check_block_invariants(const ProcSnapshot& snap, unsigned max_order) {
  std::uint64_t next_free_pfn = snap.start_pfn;
  for (const auto& b : snap.preallocated) {
    INFO(block(b));
    const std::uint64_t size = std::uint64_t{1} << b.order;
    CHECK(b.order < max_order);
    CHECK(b.pfn % size == 0);
    CHECK(b.pfn >= next_free_pfn);
    next_free_pfn = b.pfn + size;
  }
  CHECK(next_free_pfn <= snap.start_pfn + snap.pages);
}

} // namespace

TEST_CASE("proc snapshot: the zone with the most present pages sets the geometry",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""), 4);
  CHECK(snap.zone_name == "DMA32");
  CHECK(snap.real_start_pfn == 20);
  CHECK(snap.real_end_pfn == 60);
  CHECK(snap.present == 40);
  CHECK(snap.managed == 38);
  CHECK(snap.nr_free_pages == 30);
  CHECK(snap.pageblock_order == 3);
  CHECK(snap.cpus == 3);
  CHECK(snap.start_pfn == 16);
  CHECK(snap.pages == 48);
  CHECK_FALSE(snap.has_kpageflags);
  CHECK(snap.free_pages_found == 0);
  CHECK(blocks(snap) == std::vector<std::string>{"16 o2 unmovable -", "60 o2 unmovable -"});
}

TEST_CASE("proc snapshot: with MAX_ORDER 11 the edges round to 1024-page blocks", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""));
  CHECK(snap.start_pfn == 0);
  CHECK(snap.pages == 1024);
  CHECK(blocks(snap) == std::vector<std::string>{"0 o4 unmovable -", "16 o2 unmovable -",
                                                 "60 o2 unmovable -", "64 o6 unmovable -",
                                                 "128 o7 unmovable -", "256 o8 unmovable -",
                                                 "512 o9 unmovable -"});
  check_block_invariants(snap, 11);
}

TEST_CASE("proc snapshot: a zone aligned to max-order blocks has no edge blocks", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, replaced(replaced(fixture("zoneinfo"), "start_pfn:           20",
                                          "start_pfn:           16"),
                                 "spanned  40", "spanned  48"));
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""), 4);
  CHECK(snap.start_pfn == 16);
  CHECK(snap.pages == 48);
  CHECK(snap.preallocated.empty());
}

TEST_CASE("proc snapshot: kpageflags declares every page that was not free", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  write_dumps(dir, fixture_pages());
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""), 4);
  CHECK(snap.has_kpageflags);
  CHECK(blocks(snap) ==
        std::vector<std::string>{"16 o2 unmovable -", "20 o1 unmovable -", "22 o0 movable 22",
                                 "23 o0 unmovable 23", "34 o0 unmovable 34", "35 o0 movable 35",
                                 "36 o0 movable 36", "38 o0 unmovable 38", "39 o0 unmovable 39",
                                 "40 o3 movable 40", "48 o1 unmovable 48", "50 o0 unmovable 50",
                                 "51 o0 unmovable 51", "52 o0 unmovable 52", "53 o0 unmovable -",
                                 "54 o1 unmovable -", "60 o2 unmovable -"});
  CHECK(snap.free_pages_found == 8 + 2 + 1 + 4);
  CHECK(snap.reserved_pages == 5);
  CHECK(snap.in_use_pages == 20);
  check_block_invariants(snap, 4);
}

TEST_CASE("proc snapshot: a free block extends only over unmapped pages without flags",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  auto pages = fixture_pages();
  pages[29] = {kUptodate, 0}; // breaks 24..31 into 24..27 (order 2) + in-use pages 28..31
  pages[26] = {0, 1};         // ... and a mapped page breaks it again: 24..25 (order 1)
  write_dumps(dir, pages);
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""), 4);
  const auto list = blocks(snap);
  CHECK(snap.free_pages_found == 2 + 2 + 1 + 4);
  for (const char* in_use : {"26 o0 unmovable 26", "27 o0 unmovable 27", "28 o0 unmovable 28",
                             "29 o0 unmovable 29", "30 o0 unmovable 30", "31 o0 unmovable 31"}) {
    CHECK(std::count(list.begin(), list.end(), in_use) == 1);
  }
  check_block_invariants(snap, 4);
}

TEST_CASE("proc snapshot: a free block never passes the largest order or the zone end",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  auto pages = fixture_pages();
  for (std::uint64_t pfn = 20; pfn < 60; ++pfn) pages[pfn] = {0, 0};
  pages[20] = pages[21] = pages[22] = pages[23] = {kReserved, 1};
  pages[32] = {kBuddy, 0}; // 33..47 look free: the block stops at order 3 (max_order 4)
  pages[56] = {kBuddy, 0}; // 57..59 look free: the block stops at the zone end (order 2)
  write_dumps(dir, pages);
  const ProcSnapshot snap = read_proc_snapshot(dir.path(""), 4);
  CHECK(snap.free_pages_found == 8 + 4);
  const auto list = blocks(snap);
  CHECK(std::count(list.begin(), list.end(), "40 o0 unmovable 40") == 1);
  CHECK(std::count(list.begin(), list.end(), "47 o0 unmovable 47") == 1);
  CHECK(list.back() == "60 o2 unmovable -");
  CHECK(snap.in_use_pages == 40 - 4 - 12);
  check_block_invariants(snap, 4);
}

TEST_CASE("proc snapshot: an unaligned compound run keeps its largest aligned head block",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  auto pages = fixture_pages();
  pages[44] = {kHead | kAnon, 1}; // 40..43 is now an order-2 compound, 44..47 another
  write_dumps(dir, pages);
  const auto list = blocks(read_proc_snapshot(dir.path(""), 4));
  CHECK(std::count(list.begin(), list.end(), "40 o2 movable 40") == 1);
  CHECK(std::count(list.begin(), list.end(), "44 o2 movable 44") == 1);
}

TEST_CASE("proc snapshot: kpageflags without the .bin suffix is read too", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  write_dumps(dir, fixture_pages(), "");
  CHECK(read_proc_snapshot(dir.path(""), 4).free_pages_found == 15);
}

TEST_CASE("proc snapshot: a missing zoneinfo or pagetypeinfo is a one-line error",
          "[trace][proc]") {
  TempDir dir;
  CHECK_THAT(error_of(dir.path("")), StartsWith(dir.path("zoneinfo")) && Contains("cannot open"));
  dir.write("zoneinfo", fixture("zoneinfo"));
  CHECK_THAT(error_of(dir.path("")),
             StartsWith(dir.path("pagetypeinfo")) && Contains("cannot open"));
}

TEST_CASE("proc snapshot: zoneinfo without a zone with present pages is an error",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, replaced(replaced(fixture("zoneinfo"), "present  40", "present  0"),
                                 "present  14", "present  0"));
  CHECK(error_of(dir.path("")) == dir.path("zoneinfo") + ": no zone with present pages");
}

TEST_CASE("proc snapshot: a malformed zoneinfo number names its line", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, replaced(fixture("zoneinfo"), "managed  38", "managed  3x8"));
  CHECK(error_of(dir.path("")) == dir.path("zoneinfo") + ":40: expected a number, found '3x8'");
}

TEST_CASE("proc snapshot: a chosen zone without start_pfn names its zone line", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, replaced(fixture("zoneinfo"), "start_pfn:           20", ""));
  CHECK(error_of(dir.path("")) == dir.path("zoneinfo") + ":32: zone DMA32 has no start_pfn line");
}

TEST_CASE("proc snapshot: a zone spanning fewer pages than present is an error", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, replaced(fixture("zoneinfo"), "spanned  40", "spanned  39"));
  CHECK(error_of(dir.path("")) == dir.path("zoneinfo") + ":32: zone DMA32 has an impossible span");
}

TEST_CASE("proc snapshot: pagetypeinfo needs a page block order below MAX_ORDER", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir, fixture("zoneinfo"), "Pages per block:  8\n");
  CHECK(error_of(dir.path("")) == dir.path("pagetypeinfo") + ": no 'Page block order:' line");
  write_text_files(dir, fixture("zoneinfo"), "Page block order: 4\n");
  CHECK(error_of(dir.path("")) ==
        dir.path("pagetypeinfo") + ":1: page block order 4 is not below max order 4");
  write_text_files(dir, fixture("zoneinfo"), "Page block order: nine\n");
  CHECK(error_of(dir.path("")) == dir.path("pagetypeinfo") + ":1: expected a number, found 'nine'");
}

TEST_CASE("proc snapshot: kpageflags without kpagecount is an error", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  write_dumps(dir, fixture_pages());
  std::filesystem::remove(dir.path("kpagecount.bin"));
  CHECK_THAT(error_of(dir.path("")),
             StartsWith(dir.path("kpageflags.bin")) && Contains("no kpagecount"));
}

TEST_CASE("proc snapshot: a page dump whose size is not a multiple of 8 is an error",
          "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  write_dumps(dir, fixture_pages());
  dir.write("kpagecount.bin", words(std::vector<std::uint64_t>(60)) + "x");
  CHECK(error_of(dir.path("")) == dir.path("kpagecount.bin") + ": size 481 is not a multiple of 8");
}

TEST_CASE("proc snapshot: a page dump too short for the zone is an error", "[trace][proc]") {
  TempDir dir;
  write_text_files(dir);
  write_dumps(dir, fixture_pages());
  dir.write("kpageflags.bin", words(std::vector<std::uint64_t>(59)));
  CHECK(error_of(dir.path("")) ==
        dir.path("kpageflags.bin") +
            ": too short for zone DMA32: 59 pfns, the zone ends at pfn 60");
}

TEST_CASE("proc snapshot: the real 6.1 snapshot of mixed-1g-smp2", "[trace][proc]") {
  const std::filesystem::path archive = std::filesystem::path(MEMSIM_SHARED_DIR) / "traces" /
                                        "mixed-1g-smp2" / "proc-snapshots.tar.xz";
  if (!std::filesystem::exists(archive)) {
    memsim::test::skip_test("../shared/traces absent: skipped");
    return;
  }
  TempDir dir;
  const std::string command =
      fmt::format("tar xJf '{}' -C '{}' begin", archive.string(), dir.path(""));
  REQUIRE(std::system(command.c_str()) == 0);
  const ProcSnapshot snap = read_proc_snapshot(dir.path("begin"));
  CHECK(snap.zone_name == "DMA32");
  CHECK(snap.real_start_pfn == 4096);
  CHECK(snap.real_end_pfn == 4096 + 258007);
  CHECK(snap.start_pfn == 4096);
  CHECK(snap.pages == 258048);
  CHECK(snap.pageblock_order == 9);
  CHECK(snap.cpus == 2);
  CHECK(snap.has_kpageflags);
  // Every free page of 6.1's kpageflags carries BUDDY and 6.1's nr_free_pages leaves out the
  // per-CPU lists (D37, D40): measured equal (196,937); the margin is 1% of nr_free_pages.
  INFO("free_pages_found " << snap.free_pages_found << " nr_free_pages " << snap.nr_free_pages);
  CHECK(snap.free_pages_found * 100 <= snap.nr_free_pages * 101);
  CHECK(snap.free_pages_found * 100 >= snap.nr_free_pages * 99);
  CHECK(snap.free_pages_found + snap.reserved_pages + snap.in_use_pages ==
        snap.real_end_pfn - snap.real_start_pfn);
  CHECK(snap.reserved_pages == snap.present - snap.managed);
  check_block_invariants(snap, 11);
  CHECK(block(snap.preallocated.back()) == "262112 o5 unmovable -");
}
