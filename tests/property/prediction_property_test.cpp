// Property tests of linux-6.1's side-effect-free answers (Linux61Policy::would_*, for decision
// agreement, docs/spec.md §7.4) on seeded random traces: before every allocation the policy's
// answer (the per-CPU path's, or __rmqueue's) must name the block the allocation then gets,
// without changing the state; and a twin zone whose per-CPU frees and drains are driven from
// outside through PcpModel (add, begin_drain, next_drain, drain_block) must stay identical to the
// zone the policy drives itself. Invariants are checked after every step.
#include <catch2/catch.hpp>

#include <cstdint>
#include <sstream>
#include <vector>

#include "../support/rng.hpp"
#include "../support/zone_fixture.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

struct Case {
  const char* name;
  ZoneSetup setup;
};

ZoneSetup make_setup(const std::string& policy, std::uint64_t pages, unsigned max_order,
                     unsigned pageblock_order, bool pcp) {
  ZoneSetup s;
  s.policy = policy;
  s.pages = pages;
  s.max_order = max_order;
  s.pageblock_order = pageblock_order;
  s.pcp = pcp;
  return s;
}

std::vector<Case> cases_61() {
  std::vector<Case> out;
  ZoneSetup a = make_setup("linux-6.1", 64, 5, 4, true);
  a.cpus = 2;
  a.batch = 3;
  a.high = 12;
  out.push_back({"64 pages, 2 CPUs, batch 3, high 12", a});
  ZoneSetup b = make_setup("linux-6.1", 128, 6, 4, true);
  b.cpus = 3;
  b.batch = 5;
  b.high = 20;
  out.push_back({"128 pages, 3 CPUs, batch 5, high 20", b});
  ZoneSetup c = make_setup("linux-6.1", 72, 5, 3, true); // a pageblock past the zone end
  c.batch = 2;
  c.high = 5;
  out.push_back({"72 pages, pageblock_order 3, batch 2, high 5", c});
  out.push_back({"pcp off", make_setup("linux-6.1", 96, 5, 4, false)});
  ZoneSetup d = a;
  d.switches = {{"linux_6_1.move_to_tail", false}, {"linux_6_1.find_smallest", false}};
  out.push_back({"move_to_tail and find_smallest off", d});
  ZoneSetup e = b;
  e.switches = {{"linux_6_1.steal_retry", false},
                {"linux_6_1.alike_rule", false},
                {"linux_6_1.unmovable_steals", false},
                {"linux_6_1.free_factor", false}};
  out.push_back({"steal_retry, alike_rule, unmovable_steals, free_factor off", e});
  return out;
}

unsigned random_order(TestRng& rng, unsigned max_order) {
  unsigned order = 0;
  while (order + 1 < max_order && rng.chance(order == 0 ? 45 : 40)) ++order;
  return order;
}

constexpr GfpMask kGfpAtomic = gfp::high | gfp::atomic | gfp::kswapd_reclaim;

// Free lists, pageblocks and every per-CPU list, as text.
std::string state(const ZoneFixture& f, unsigned cpus) {
  std::ostringstream s;
  s << f.dump() << '\n';
  const Zone& zone = f.zone();
  for (unsigned cpu = 0; cpu < cpus; ++cpu) {
    for (unsigned p = 0; p < PerCpuPages61::kLists; ++p) {
      s << "cpu" << cpu << " p" << p << ':';
      for (PageIdx i = f.pcp61().list(cpu, p).head; i != kNoPage; i = zone.page(i).next)
        s << ' ' << i << '/' << to_string(zone.page(i).mt);
      s << '\n';
    }
  }
  return s.str();
}

// The policy's own free in `a`; the same free in `b` with the per-CPU part driven from outside:
// the block onto its list as a free would, then as many drain steps as `a`'s drain took.
void twin_free(ZoneFixture& a, ZoneFixture& b, Pfn pfn, unsigned cpu, bool cold, bool pcp) {
  const PageIdx block = a.idx(pfn);
  const unsigned order = a.zone().page(block).order;
  PcpModel& model = b.linux61().pcp_model();
  if (!pcp || !model.caches(order)) {
    a.free(pfn, cpu, cold);
    b.free(pfn, cpu, cold);
    return;
  }
  const auto count = [&](const ZoneFixture& f) { return f.pcp61().count(cpu); };
  a.free(pfn, cpu, cold);
  Zone& zone = b.zone();
  zone.mark_freed(block);
  model.add(zone,
            {cpu, block, order, zone.pageblock_migratetype(block), PcpInsert::free, false, false});
  if (count(b) == count(a)) return;
  REQUIRE(count(b) > count(a));
  model.begin_drain(zone, cpu, block, count(b) - count(a));
  while (count(b) > count(a)) {
    const PageIdx next = model.next_drain(zone, cpu);
    REQUIRE(next != kNoPage);
    CHECK(b.linux61().would_pcp_drain(cpu) == next);
    model.drain_block(zone, cpu, next);
  }
}

// One allocation on both zones, asked first. Requests with gfp may use rmqueue_buddy's
// HIGHATOMIC lists (ALLOC_HIGHATOMIC first, ALLOC_NON_BLOCK last), which __rmqueue's answer
// does not cover: their answer is not compared.
void twin_alloc(ZoneFixture& a, ZoneFixture& b, const AllocRequest& request, bool pcp,
                std::vector<Pfn>& live) {
  const Linux61Policy& policy = a.linux61();
  const bool via_pcp = pcp && policy.pcp().pcp_allowed_order(request.order);
  const std::string before = a.dump();
  const PageIdx answer =
      via_pcp ? policy.would_pcp_alloc({request.cpu, request.order, request.mt, false})
              : policy.would_rmqueue(request.order, request.mt);
  CHECK(a.dump() == before);
  const auto got = a.alloc_request(request);
  CHECK(b.alloc_request(request) == got);
  if (!request.has_gfp) {
    INFO("order " << request.order << " " << to_string(request.mt) << "\n" << before);
    CHECK(answer == (got ? a.idx(*got) : kNoPage));
  }
  if (got) live.push_back(*got);
}

void run_case(const Case& c, std::uint64_t seed, std::size_t events) {
  ZoneFixture a(c.setup), b(c.setup);
  TestRng rng{seed};
  std::vector<Pfn> live;
  for (std::size_t i = 0; i < events; ++i) {
    const unsigned cpu = rng.below(c.setup.cpus);
    const bool cold = false; // 6.1 has no cold frees (D61-11)
    if (live.empty() || rng.chance(live.size() < 6 ? 85 : 50)) {
      AllocRequest r{random_order(rng, c.setup.max_order),
                     migratetype_at(static_cast<int>(rng.below(3))),
                     cpu,
                     cold,
                     false,
                     0};
      if (rng.chance(15)) {
        r.has_gfp = true;
        r.gfp = kGfpAtomic;
      }
      twin_alloc(a, b, r, c.setup.pcp, live);
    } else {
      const std::size_t k = rng.below(live.size());
      const Pfn pfn = live[k];
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
      twin_free(a, b, pfn, cpu, cold, c.setup.pcp);
    }
    a.check_invariants();
    b.check_invariants();
    REQUIRE(state(a, c.setup.cpus) == state(b, c.setup.cpus));
  }
}

} // namespace

TEST_CASE("Property: linux-6.1 predictions name the block each allocation gets, and per-CPU "
          "drains driven from outside replay free_pcppages_bulk exactly",
          "[property][linux61][predict]") {
  for (const Case& c : cases_61()) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      DYNAMIC_SECTION(c.name << ", seed " << seed) {
        run_case(c, seed, 1500);
      }
    }
  }
}
