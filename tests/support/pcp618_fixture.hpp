// A small zone with one PerCpuPages618 on it, for the hand-worked 6.18 per-CPU scenarios
// (tests/unit/zone/pcp_618*_test.cpp): the zone is booted by the linux-6.1 policy with its own
// per-CPU lists off, refills take through __rmqueue_smallest, and the helpers allocate and free
// like a trace, put blocks on the lists like the replay, and read the lists as pfns.
#pragma once

#include <optional>

#include <catch2/catch.hpp>

#include "zone/pcp_618.hpp"
#include "zone_fixture.hpp"

namespace memsim::test {

// __rmqueue of a zone without fallback: __rmqueue_smallest; counts rmqueue_bulk's lock holds.
class SmallestOnly : public Rmqueue {
public:
  explicit SmallestOnly(Zone& zone) : zone_(zone) {}
  Taken rmqueue(unsigned order, Migratetype mt) override {
    const PageIdx block = zone_.rmqueue_smallest(order, mt);
    return {block, false, block == kNoPage ? TakeSource::none : TakeSource::own_list};
  }
  void begin_bulk() override { ++bulks; }
  unsigned bulks = 0;

private:
  Zone& zone_;
};

inline ZoneSetup zone_of(std::uint64_t pages, unsigned max_order, unsigned pageblock_order) {
  return {.pages = pages,
          .max_order = max_order,
          .pageblock_order = pageblock_order,
          .pcp = false,
          .policy = "linux-6.1"};
}

inline PcpRules618 rules_of(unsigned batch, unsigned high_min, unsigned high_max,
                            unsigned start_high, unsigned pageblock_order) {
  return {.batch = batch,
          .high_min = high_min,
          .high_max = high_max,
          .start_high = start_high,
          .pageblock_order = pageblock_order};
}

// A zone, one PerCpuPages618 on it and the helpers a trace would use.
struct Pcp618 {
  Pcp618(const ZoneSetup& setup, const PcpRules618& rules)
      : f(setup), pcp(setup.cpus, rules), buddy(f.zone()) {}

  // rmqueue_pcplist, then the block is live.
  std::optional<Pfn> alloc(unsigned order, Migratetype mt = M, unsigned cpu = 0) {
    const Taken t = pcp.rmqueue_pcplist(f.zone(), buddy, order, mt, cpu);
    if (t.block == kNoPage) return std::nullopt;
    f.zone().mark_allocated(t.block, order, mt);
    return f.zone().pfn_of(t.block);
  }
  // `n` live order-`order` blocks straight from the buddy (not through the per-CPU lists).
  void take_live(unsigned n, unsigned order = 0) {
    for (unsigned i = 0; i < n; ++i) REQUIRE(f.alloc(order, M).has_value());
  }
  // __free_pages of the live block at `pfn` through the 6.18 per-CPU path.
  void free(Pfn pfn, unsigned cpu = 0) {
    const PageIdx block = f.idx(pfn);
    const unsigned order = f.zone().page(block).order;
    f.zone().mark_freed(block);
    pcp.free_frozen_page(f.zone(), block, order, cpu);
  }
  void free_range(Pfn first, Pfn last) {
    for (Pfn p = first; p <= last; ++p) free(p);
  }
  // A free block put on a per-CPU list as the replay would (no tuning state changes).
  void add(Pfn pfn, unsigned order, Migratetype mt, PcpInsert how = PcpInsert::refill) {
    REQUIRE(f.zone().take_free(f.idx(pfn), order));
    pcp.add(f.zone(), {0, f.idx(pfn), order, mt, how, false, false});
  }
  Pfns list(unsigned order, Migratetype mt, unsigned cpu = 0) const {
    Pfns out;
    const PageList& l = pcp.list(cpu, pcp.order_to_pindex(mt, order));
    for (PageIdx i = l.head; i != kNoPage; i = f.zone().page(i).next)
      out.push_back(f.zone().pfn_of(i));
    return out;
  }
  // Re-types a pageblock with its free pages (move_freepages_block + set_pageblock_migratetype).
  void retype(Pfn pfn, Migratetype mt) {
    f.zone().move_freepages_block(f.idx(pfn), mt);
    f.zone().set_pageblock_migratetype(f.idx(pfn), mt);
  }
  std::uint64_t count() const { return pcp.count(0); }
  void check() const {
    f.zone().check_invariants();
    pcp.check_invariants(f.zone());
  }

  ZoneFixture f;
  PerCpuPages618 pcp;
  SmallestOnly buddy;
};

} // namespace memsim::test
