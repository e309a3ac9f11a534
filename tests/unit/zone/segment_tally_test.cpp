// SegmentTally (src/zone/segment_tally.hpp): the use classes of docs/power.md per segment (off,
// per-CPU pages only, offlinable, on), the per-class counts, blocks that span segments and a
// zone that starts inside its first segment.
#include <catch2/catch.hpp>

#include "zone/segment_tally.hpp"

using namespace memsim;

TEST_CASE("A segment's class follows its allocated, unmovable and per-CPU pages", "[power]") {
  SegmentTally tally(0, 8, 4);
  CHECK(tally.in_use(SegmentUse::off) == 4);
  tally.count_allocated(0, 1, Migratetype::movable, +1);
  CHECK(tally.use(0) == SegmentUse::offlinable);
  tally.count_allocated(1, 1, Migratetype::reclaimable, +1);
  CHECK(tally.use(0) == SegmentUse::on);
  tally.count_allocated(1, 1, Migratetype::reclaimable, -1);
  CHECK(tally.use(0) == SegmentUse::offlinable);
  tally.count_pcp(2, 1, +1);
  CHECK(tally.use(0) == SegmentUse::on);
  tally.count_allocated(0, 1, Migratetype::movable, -1);
  CHECK(tally.use(0) == SegmentUse::pcp_only);
  CHECK(tally.in_use(SegmentUse::pcp_only) == 1);
  CHECK(tally.use_map() == "dooo");
  tally.count_pcp(2, 1, -1);
  CHECK(tally.use(0) == SegmentUse::off);
  CHECK(tally.in_use(SegmentUse::off) == 4);
}

TEST_CASE("A block larger than a segment counts in every segment it covers", "[power]") {
  SegmentTally tally(0, 4, 4);
  tally.count_allocated(8, 8, Migratetype::unmovable, +1);
  CHECK(tally.use_map() == "oonn");
  CHECK(tally.in_use(SegmentUse::on) == 2);
  CHECK(tally.check({{0, 0, 0}, {0, 0, 0}, {4, 4, 0}, {4, 4, 0}}).empty());
  CHECK_FALSE(tally.check({{0, 0, 0}, {0, 0, 0}, {4, 4, 0}, {4, 0, 0}}).empty());
}

TEST_CASE("With the zone starting inside a segment, page 0 counts at its pfn's place", "[power]") {
  SegmentTally tally(6, 8, 2);                           // zone page 0 is pfn 6 of segment 0
  tally.count_allocated(2, 1, Migratetype::movable, +1); // pfn 8: segment 1
  CHECK(tally.use_map() == "om");
  tally.count_allocated(0, 2, Migratetype::movable, +1); // pfns 6, 7: segment 0
  CHECK(tally.use_map() == "mm");
}
