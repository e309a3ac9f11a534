// Hand-checked scenarios for the carving of `preallocated` blocks (docs/semantics.md D19): the free
// block holding the range leaves its list, is split down, the halves without the target go back
// onto the list the block was on (head), no pageblock is re-typed, and bad ranges are InputErrors
// that start with the origin given.
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "memsim/error.hpp"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("D19: carving a page splits its free block and puts the other halves back on the "
          "block's list",
          "[zone][carve]") {
  ZoneFixture f({.pages = 32, .finish_init = false});
  f.zone().carve(5, 0, U, "test");
  // Block 0 (order 3) holds pfn 5: the halves 0 (o2), 6 (o1), 4 (o0) go back, each at the head.
  CHECK(f.list(3, M) == Pfns{24, 16, 8});
  CHECK(f.list(2, M) == Pfns{0});
  CHECK(f.list(1, M) == Pfns{6});
  CHECK(f.list(0, M) == Pfns{4});
  CHECK(f.zone().page(f.idx(5)).state == PageState::alloc_head);
  CHECK(f.zone().page(f.idx(5)).mt == U);
  CHECK(f.zone().region_counters()[0].allocated[index_of(U)] == 1);
  CHECK(f.pageblock_type(0) == M); // the carve changes no pageblock type
  f.zone().finish_init();
  CHECK(f.total_retypes() == 0);
  CHECK(f.fallbacks().total == 0);
  f.check_invariants();
}

TEST_CASE("D19: carving a block already split by an earlier carve takes the free block that "
          "holds it",
          "[zone][carve]") {
  ZoneFixture f({.pages = 32,
                 .preallocated = {
                     {5, 0, U, std::nullopt}, {6, 1, R, std::nullopt}, {8, 3, M, std::nullopt}}});
  CHECK(f.list(3, M) == Pfns{24, 16});
  CHECK(f.list(2, M) == Pfns{0});
  CHECK(f.list(1, M).empty());
  CHECK(f.list(0, M) == Pfns{4});
  CHECK(f.free_pages() == 32 - 1 - 2 - 8);
  f.check_invariants();
}

TEST_CASE("D19: a block carved out of a RESERVE pageblock leaves its halves on the RESERVE list",
          "[zone][carve][reserve]") {
  ZoneFixture f({.pages = 32, .reserve = 1, .preallocated = {{0, 1, M, std::nullopt}}});
  CHECK(f.list(2, RES) == Pfns{4});
  CHECK(f.list(1, RES) == Pfns{2});
  CHECK(f.pageblock_type(0) == RES);
  CHECK(f.list(3, M) == Pfns{24, 16, 8});
  f.check_invariants();
}

TEST_CASE("D19: carve errors name their origin", "[zone][carve]") {
  ZoneFixture f({.pages = 32, .finish_init = false});
  Zone& z = f.zone();
  z.carve(4, 2, U, "trace.json: preallocated[0]");
  const auto message = [&](Pfn pfn, unsigned order) {
    try {
      z.carve(pfn, order, U, "trace.json: preallocated[1]");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  using Catch::Matchers::StartsWith;
  CHECK_THAT(message(6, 1), StartsWith("trace.json: preallocated[1]: ") && Contains("not free"));
  CHECK_THAT(message(0, 3), StartsWith("trace.json: preallocated[1]: ") && Contains("not free"));
  CHECK_THAT(message(32, 0), StartsWith("trace.json: preallocated[1]: ") && Contains("outside"));
  CHECK_THAT(message(24, 4), StartsWith("trace.json: preallocated[1]: ") && Contains("order"));
  CHECK_THAT(message(2, 2), StartsWith("trace.json: preallocated[1]: ") && Contains("aligned"));
  // Nothing changed by the failed carves.
  CHECK(f.list(2, M) == Pfns{0});
  CHECK(f.list(3, M) == Pfns{24, 16, 8});
  z.check_invariants();
}

TEST_CASE("D19: carving from a zone with a start pfn uses pfns, not page indices",
          "[zone][carve]") {
  ZoneFixture f({.pages = 16, .start_pfn = 8, .preallocated = {{9, 0, U, std::nullopt}}});
  CHECK(f.list(3, M) == Pfns{16});
  CHECK(f.list(2, M) == Pfns{12});
  CHECK(f.list(1, M) == Pfns{10});
  CHECK(f.list(0, M) == Pfns{8});
  f.check_invariants();
}
