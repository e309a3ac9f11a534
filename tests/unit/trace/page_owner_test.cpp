// The page_owner dump reader (page_owner.hpp) on dumps in the formats of Linux 6.1 (`PFN %lu`)
// and 6.18 (`PFN 0x%lx`), tests/fixtures/page_owner: allocation and pageblock migratetypes, the
// pageblock order told from PFN/Block, ranges, lookups, and malformed input.
#include <catch2/catch.hpp>

#include "trace/page_owner.hpp"
#include "trace_test_support.hpp"

using memsim::Migratetype;
using memsim::test::TempDir;
using memsim::trace::read_page_owner;

namespace {

std::string fixture(const std::string& name) {
  return memsim::test::source_file("tests/fixtures/page_owner/" + name);
}

} // namespace

TEST_CASE("page_owner dumps of Linux 6.1 and 6.18 give each allocation's and pageblock's "
          "migratetype",
          "[trace][page-owner]") {
  for (const std::string name : {"page_owner-6.1.txt", "page_owner-6.18.txt"}) {
    INFO(name);
    const auto dump = read_page_owner(fixture(name));
    CHECK(dump.pageblock_order == 9);
    REQUIRE(dump.allocations.size() == 6);
    const auto& a = dump.allocations;
    CHECK(a[0].pfn == 0x1000);
    CHECK(a[0].order == 0);
    CHECK(a[0].mt == Migratetype::unmovable);
    CHECK(a[0].gfp_mask == 0x152c10);
    CHECK(a[1].pfn == 0x1200);
    CHECK(a[1].order == 9);
    CHECK(a[1].mt == Migratetype::movable);
    CHECK(a[2].pfn == 0x1404);
    CHECK(a[2].order == 2);
    CHECK(a[2].mt == Migratetype::unmovable);
    CHECK(a[3].mt == Migratetype::reclaimable);
    CHECK(a[4].pfn == 0x1601);
    CHECK(a[4].mt == Migratetype::movable);
    CHECK(a[5].gfp_mask == 0);
    REQUIRE(dump.pageblocks.size() == 5);
    CHECK(dump.pageblocks[0].index == 8);
    CHECK(dump.pageblocks[0].mt == Migratetype::unmovable);
    CHECK(dump.pageblocks[2].index == 10);
    CHECK(dump.pageblocks[2].mt == Migratetype::movable); // its unmovable page is a fallback
    CHECK(dump.pageblocks[3].mt == Migratetype::reclaimable);
    CHECK(dump.pageblocks[4].mt == Migratetype::highatomic);
    CHECK(dump.conflicting_blocks == 0);
  }
}

TEST_CASE("A page_owner dump restricted to a pfn range, and the pageblock of a pfn",
          "[trace][page-owner]") {
  const auto dump = read_page_owner(fixture("page_owner-6.18.txt"));
  const auto part = dump.range(0x1200, 0x1601);
  REQUIRE(part.allocations.size() == 3);
  CHECK(part.allocations.front().pfn == 0x1200);
  CHECK(part.allocations.back().pfn == 0x1600);
  REQUIRE(part.pageblocks.size() == 3); // blocks 9, 10, 11 start inside
  CHECK(part.pageblocks.front().index == 9);
  REQUIRE(dump.pageblock_of(0x15ff) != nullptr);
  CHECK(dump.pageblock_of(0x15ff)->index == 10);
  CHECK(dump.pageblock_of(0x15ff)->mt == Migratetype::movable);
  CHECK(dump.pageblock_of(0x1a00) == nullptr); // block 13: no page in use printed
}

TEST_CASE("A compressed page_owner dump reads like the plain one, and a pageblock printed with "
          "two types is counted",
          "[trace][page-owner]") {
  TempDir dir;
  std::ifstream in(fixture("page_owner-6.18.txt"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto packed = read_page_owner(dir.write("dump.xz", memsim::test::xz_compress(text)));
  CHECK(packed.allocations.size() == 6);
  text += "Page allocated via order 0, mask 0x140cca(GFP_HIGHUSER_MOVABLE), pid 9, tgid 9 (x), "
          "ts 5 ns\nPFN 0x1002 type Movable Block 8 type Movable Flags 0x0()\n\n";
  const auto changed = read_page_owner(dir.write("dump", text));
  CHECK(changed.conflicting_blocks == 1);
  CHECK(changed.pageblock_of(0x1002)->mt == Migratetype::unmovable); // the first kept
}

TEST_CASE("Malformed page_owner lines are FILE:LINE errors", "[trace][page-owner]") {
  TempDir dir;
  const std::string head = "Page allocated via order 0, mask 0x cc0(GFP_KERNEL), pid 1\n";
  const std::string good = "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 "
                           "(a), ts 1 ns\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head, ":1: malformed \"Page allocated via order N, mask M\" line"},
      {"Page allocated via order 33, mask 0x0()\n", ":1: malformed"},
      {"x\nPFN 0x10 type Movable Block 0 type Movable Flags 0x0()\n",
       ":2: PFN line without its \"Page allocated via order\" line"},
      {good + "PFN 0x10 type Sticky Block 0 type Movable Flags 0x0()\n",
       ":2: unknown migratetype 'Sticky'"},
      {good + "PFN 0x10 type Movable Blok 0 type Movable\n", ":2: malformed PFN line"},
      {good + "PFN 0x1000 type Movable Block 3 type Movable\n",
       ": no pageblock_order maps every PFN to its Block"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    const std::string path = dir.write("bad", text);
    CHECK_THROWS_WITH(read_page_owner(path), Catch::Contains(path + message));
  }
}
