// Property test of the 6.18 per-CPU lists (zone/pcp_618) on seeded random sequences of
// allocations, frees, vmstat ticks, ZONE_BELOW_HIGH flips and pageblock re-types on two CPUs:
// after every step the zone's and the lists' invariants hold, every page is free, cached or live
// exactly once, and a CPU's high is back in [high_min, high_max] after its refill or free.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "../support/pcp618_fixture.hpp"
#include "../support/rng.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

constexpr std::uint64_t kPages = 1024;

struct Walk {
  explicit Walk(bool hygiene)
      : z({.pages = kPages,
           .max_order = 6,
           .pageblock_order = 4,
           .cpus = 2,
           .pcp = false,
           .policy = "linux-6.1"},
          {.batch = 4, .high_min = 16, .high_max = 128, .pageblock_order = 4, .hygiene = hygiene}) {
  }

  // Whether the step ran the lazy clamp of the CPU's high (a refill or a free).
  bool alloc(TestRng& rng, unsigned cpu) {
    static constexpr unsigned kOrders[] = {0, 0, 0, 1, 2, 3, 4};
    const unsigned order = kOrders[rng.below(std::size(kOrders))];
    const unsigned bulks = z.buddy.bulks;
    const std::optional<Pfn> pfn = z.alloc(order, rng.chance(70) ? M : U, cpu);
    if (pfn) {
      live.push_back(*pfn);
      live_pages += std::uint64_t{1} << order;
    }
    return z.buddy.bulks != bulks;
  }
  bool free(TestRng& rng, unsigned cpu) {
    if (live.empty()) return false;
    const std::size_t i = rng.below(live.size());
    const Pfn pfn = live[i];
    live[i] = live.back();
    live.pop_back();
    live_pages -= std::uint64_t{1} << z.f.zone().page(z.f.idx(pfn)).order;
    z.free(pfn, cpu);
    return true;
  }
  void step(TestRng& rng) {
    const unsigned cpu = rng.below(2);
    const unsigned what = rng.below(100);
    bool clamped = false;
    if (what < 45) {
      clamped = alloc(rng, cpu);
    } else if (what < 90) {
      clamped = free(rng, cpu);
    } else if (what < 95) {
      z.pcp.decay_pcp_high(z.f.zone(), cpu);
      return;
    } else if (what < 98) {
      z.pcp.set_zone_below_high(!z.pcp.zone_below_high());
      return;
    } else {
      const Pfn block = Pfn{rng.below(kPages / 16)} * 16;
      z.retype(block, rng.chance(50) ? M : U);
      return;
    }
    if (!clamped) return;
    CHECK(z.pcp.high(cpu) >= 16);
    CHECK(z.pcp.high(cpu) <= 128);
  }

  Pcp618 z;
  std::vector<Pfn> live;
  std::uint64_t live_pages = 0;
};

} // namespace

TEST_CASE("6.18 per-CPU lists on random sequences: invariants, page conservation and high within "
          "its bounds after every step",
          "[property][pcp618]") {
  for (const bool hygiene : {true, false})
    for (const std::uint64_t seed : {1U, 2U, 3U}) {
      INFO("hygiene " << hygiene << " seed " << seed);
      TestRng rng(seed);
      Walk w(hygiene);
      for (int i = 0; i < 3000; ++i) {
        w.step(rng);
        w.z.check();
        REQUIRE(w.z.f.free_pages() + w.z.pcp.count(0) + w.z.pcp.count(1) + w.live_pages == kPages);
      }
      CHECK(w.live_pages > 0);
    }
}
