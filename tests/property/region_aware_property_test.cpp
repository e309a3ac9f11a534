// Property tests of the region-aware policy on seeded random traces: every invariant (buddy
// state, region-sorted segments and anchors, region allocator) after every step for each of
// the 64 switch combinations, with pageblock_order = max_order-1 and max_order-2 (the 10 and 9
// of x86-64); and docs/semantics.md D25: with all six switches off, placements, fallback flags,
// lists, pageblock types and counters are those of `stock`.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "../support/rng.hpp"
#include "../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

RegionAwareSwitches switches(unsigned bits) {
  RegionAwareSwitches sw;
  sw.sorted_freelists = (bits & 1) != 0;
  sw.lower_region_bias = (bits & 2) != 0;
  sw.region_allocator = (bits & 4) != 0;
  sw.retype_regions = (bits & 8) != 0;
  sw.loan_only_stealing = (bits & 16) != 0;
  sw.ra_cache = (bits & 32) != 0;
  return sw;
}

struct Geometry5 {
  std::uint64_t pages;
  std::uint64_t region_pages;
  unsigned pageblock_order;
  bool pcp;
};

ZoneSetup setup(const Geometry5& g, const std::string& policy, RegionAwareSwitches sw) {
  ZoneSetup s;
  s.pages = g.pages;
  s.max_order = 5; // 16-page max-order blocks
  s.pageblock_order = g.pageblock_order;
  s.region_pages = g.region_pages;
  s.pcp = g.pcp;
  s.batch = 2;
  s.cpus = 2;
  s.reserve = 1;
  s.policy = policy;
  s.region_aware = sw;
  return s;
}

// One random step on each fixture: an allocation (orders skewed low, all three types) or a
// free of a random live block. Returns a description of the outcome for comparisons.
struct Driver {
  TestRng rng;
  std::vector<Pfn> live;

  std::string step(ZoneFixture& fx) {
    const unsigned cpu = rng.below(2);
    const bool cold = rng.below(8) == 0;
    if (!live.empty() && rng.below(100) < 45) {
      const std::size_t i = rng.below(live.size());
      const Pfn pfn = live[i];
      live[i] = live.back();
      live.pop_back();
      fx.free(pfn, cpu, cold);
      return "free " + std::to_string(pfn);
    }
    unsigned order = 0;
    while (order < 4 && rng.below(100) < 35) ++order;
    const Migratetype mt = migratetype_at(static_cast<int>(rng.below(3)));
    const auto pfn = fx.alloc(order, mt, cpu, cold);
    if (pfn) live.push_back(*pfn);
    return pfn ? std::to_string(*pfn) + (fx.last_fallback() ? " fallback" : "") : "failed";
  }
};

const std::vector<Geometry5> kGeometries{
    {128, 32, 4, false}, // pageblock_order = max_order-1 (x86 "10")
    {128, 32, 3, true},  // pageblock_order = max_order-2 (x86 "9"), pcp lists
    {120, 16, 4, true},  // one-block regions and a short last region
    {128, 64, 3, false},
};

} // namespace

TEST_CASE("Region-aware invariants hold after every step for every switch combination and "
          "pageblock order",
          "[region-aware][property]") {
  for (unsigned bits = 0; bits < 64; ++bits) {
    for (std::size_t g = 0; g < kGeometries.size(); ++g) {
      const RegionAwareSwitches sw = switches(bits);
      ZoneFixture fx(setup(kGeometries[g], "region-aware", sw));
      Driver driver{TestRng{bits * 131 + g}, {}};
      INFO("switch bits " << bits << ", geometry " << g);
      REQUIRE_NOTHROW(fx.check_invariants());
      for (int i = 0; i < 250; ++i) {
        const std::string what = driver.step(fx);
        INFO("step " << i << ": " << what << "\n" << fx.dump());
        REQUIRE_NOTHROW(fx.check_invariants());
      }
      // Free everything: pages conserved, and with the region allocator no held region is lost.
      for (const Pfn pfn : driver.live) fx.free(pfn);
      REQUIRE_NOTHROW(fx.check_invariants());
    }
  }
}

TEST_CASE("Region-aware with all six switches off places every block exactly as stock "
          "(docs/semantics.md D25)",
          "[region-aware][property]") {
  for (std::size_t g = 0; g < kGeometries.size(); ++g) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      ZoneFixture stock(setup(kGeometries[g], "stock", {}));
      ZoneFixture off(setup(kGeometries[g], "region-aware", switches(0)));
      Driver a{TestRng{seed * 7 + g}, {}};
      Driver b{TestRng{seed * 7 + g}, {}};
      INFO("geometry " << g << ", seed " << seed);
      REQUIRE(stock.dump() == off.dump());
      for (int i = 0; i < 400; ++i) {
        const std::string sa = a.step(stock);
        const std::string sb = b.step(off);
        INFO("step " << i);
        REQUIRE(sa == sb);
        REQUIRE(stock.dump() == off.dump());
      }
      CHECK(stock.fallbacks().total == off.fallbacks().total);
      CHECK(stock.fallbacks().by_pair == off.fallbacks().by_pair);
      CHECK(stock.retype_table() == off.retype_table());
      CHECK(off.ra_counts().regions_granted == 0);
      CHECK(off.held_blocks() == 0);
    }
  }
}
