// Hand-worked scenarios for the per-CPU lists of Linux 6.18 with auto-tuning (zone/pcp_618): the
// refill sizes of nr_pcp_alloc with alloc_factor and the growth of high, free_count, nr_pcp_free's
// clamp, the free_high flush, the ZONE_BELOW_HIGH shrink and its clear, decay_pcp_high, the drain
// type with and without hygiene, tuning off. Each scenario's numbers are derived in its comments
// from the pseudo-code of docs/kernel-6.18.md "Per-CPU lists". The zone is booted by the linux-6.1
// policy with its own per-CPU lists off, so its buddy takes are __rmqueue_smallest's.
#include <catch2/catch.hpp>

#include "../../support/zone_fixture.hpp"
#include "zone/pcp_618.hpp"

using namespace memsim;
using namespace memsim::test;

namespace {

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

ZoneSetup zone_of(std::uint64_t pages, unsigned max_order, unsigned pageblock_order) {
  return {.pages = pages,
          .max_order = max_order,
          .pageblock_order = pageblock_order,
          .pcp = false,
          .policy = "linux-6.1"};
}

PcpRules618 rules_of(unsigned batch, unsigned high_min, unsigned high_max, unsigned start_high,
                     unsigned pageblock_order) {
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

} // namespace

TEST_CASE("6.18 nr_pcp_alloc: order-0 refills double with alloc_factor (63, 126, 252, 504) while "
          "they fit below high - count - batch, high grows by each refill up to high_max",
          "[zone][pcp618]") {
  // batch 63, high_min 100, high_max 1000, high 0 at the start; a 4096-page zone, all MOVABLE.
  Pcp618 z(zone_of(4096, 11, 9), rules_of(63, 100, 1000, 0, 9));
  // Refill 1: high = clamp(0, 100, 1000) = 100; b = 63 << 0; high = min(100 + 63, 1000) = 163;
  // max_nr = max(163 - 0 - 63, 63) = 100 >= 63: alloc_factor 1; 63 blocks 0..62, 0 handed out.
  CHECK(z.alloc(0) == Pfn{0});
  CHECK(z.buddy.bulks == 1);
  CHECK(z.count() == 62);
  CHECK(z.pcp.high(0) == 163);
  CHECK(z.pcp.alloc_factor(0) == 1);
  CHECK(z.list(0, M).front() == Pfn{1});
  CHECK(z.list(0, M).back() == Pfn{62}); // list_add_tail: extraction order
  for (int i = 0; i < 62; ++i) REQUIRE(z.alloc(0).has_value());
  CHECK(z.buddy.bulks == 1); // no refill while the list has pages
  // Refill 2: b = 63 << 1 = 126; high = 163 + 126 = 289; max_nr = 289 - 63 = 226: factor 2.
  CHECK(z.alloc(0) == Pfn{63});
  CHECK(z.count() == 125);
  CHECK(z.pcp.high(0) == 289);
  CHECK(z.pcp.alloc_factor(0) == 2);
  for (int i = 0; i < 125; ++i) REQUIRE(z.alloc(0).has_value());
  // Refill 3: b = 252; high = 541; max_nr = 478: factor 3.
  CHECK(z.alloc(0) == Pfn{189});
  CHECK(z.count() == 251);
  CHECK(z.pcp.high(0) == 541);
  for (int i = 0; i < 251; ++i) REQUIRE(z.alloc(0).has_value());
  // Refill 4: b = 504; high = min(541 + 504, 1000) = 1000; max_nr = 937: factor 4.
  CHECK(z.alloc(0) == Pfn{441});
  CHECK(z.count() == 503);
  CHECK(z.pcp.high(0) == 1000);
  CHECK(z.pcp.alloc_factor(0) == 4);
  for (int i = 0; i < 503; ++i) REQUIRE(z.alloc(0).has_value());
  // 10 UNMOVABLE pages on another list: count 10. Refill 5: b = 63 << 4 = 1008; high stays 1000;
  // max_nr = max(1000 - 10 - 63, 63) = 927 < 1008: factor stays 4, 927 blocks.
  for (Pfn p = 4000; p < 4010; ++p) z.add(p, 0, U);
  CHECK(z.alloc(0) == Pfn{945});
  CHECK(z.count() == 10 + 926);
  CHECK(z.pcp.alloc_factor(0) == 4);
  CHECK(z.pcp.high(0) == 1000);
  CHECK(z.pcp.free_count(0) == 0);
  // A free halves alloc_factor (count 937 < high 1000: no drain).
  z.free(945);
  CHECK(z.pcp.alloc_factor(0) == 2);
  CHECK(z.count() == 937);
  z.check();
}

TEST_CASE("6.18 nr_pcp_alloc: higher orders refill max(batch >> order, 2) blocks and grow high "
          "by batch; with ZONE_BELOW_HIGH high does not grow",
          "[zone][pcp618]") {
  // batch 8, high_min 16, high_max 64; 256 pages, 16-page pageblocks (the THP order is 4).
  Pcp618 z(zone_of(256, 5, 4), rules_of(8, 16, 64, 0, 4));
  CHECK(z.alloc(1) == Pfn{0}); // high 16 -> 24; 8 >> 1 = 4 blocks: 0, 2, 4, 6
  CHECK(z.list(1, M) == Pfns{2, 4, 6});
  CHECK(z.pcp.high(0) == 24);
  CHECK(z.alloc(2) == Pfn{8}); // high 32; max(8 >> 2, 2) = 2 blocks: 8, 12
  CHECK(z.list(2, M) == Pfns{12});
  CHECK(z.alloc(3) == Pfn{16}); // high 40; 2 blocks: 16, 24
  CHECK(z.alloc(4) == Pfn{32}); // high 48; 2 blocks: 32, 48
  CHECK(z.list(4, M) == Pfns{48});
  CHECK(z.count() == 6 + 4 + 8 + 16);
  CHECK(z.pcp.alloc_factor(0) == 0); // only order 0 scales
  z.pcp.set_zone_below_high(true);
  CHECK(z.alloc(4) == Pfn{48});
  CHECK(z.alloc(4) == Pfn{64}); // refill of 2: 64, 80, high stays 48
  CHECK(z.pcp.high(0) == 48);
  z.check();
}

TEST_CASE("6.18 free_count: +2^order per free up to batch << 5 (an order-3 free may overshoot), "
          "halved by every rmqueue_pcplist",
          "[zone][pcp618]") {
  // batch 4 (cap 128); high_min = high_max = 10000: tuning off, no drain, and free_high's
  // threshold 4 + 5000 is never reached.
  Pcp618 z(zone_of(256, 5, 4), rules_of(4, 10000, 10000, 0, 4));
  z.take_live(128);  // 0..127
  z.take_live(1, 3); // 128..135
  z.free_range(0, 126);
  CHECK(z.pcp.free_count(0) == 127);
  z.free(128); // 127 < 128: + 8 = 135
  CHECK(z.pcp.free_count(0) == 135);
  z.free(127); // 135 >= 128: unchanged
  CHECK(z.pcp.free_count(0) == 135);
  CHECK(z.count() == 136);
  CHECK(z.alloc(0) == Pfn{127}); // 135 >> 1 = 67; the head is the last order-0 free
  CHECK(z.pcp.free_count(0) == 67);
  CHECK(z.alloc(0) == Pfn{126});
  CHECK(z.pcp.free_count(0) == 33);
  CHECK(z.pcp.high(0) == 10000);
  z.check();
}

TEST_CASE("6.18 nr_pcp_free: a free at count >= high drains clamp(free_count, batch, high - "
          "batch) pages starting at the freed page's list",
          "[zone][pcp618]") {
  // batch 4, high_min = high_max = 12 (tuning off); 64 pages.
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 12, 12, 0, 4));
  z.take_live(24); // 0..23
  // Free k (k = 1..12) makes count k, free_count k; at k = 12: min(max(12, 4), 12 - 4) = 8.
  z.free_range(0, 11);
  CHECK(z.count() == 4);
  CHECK(z.list(0, M) == Pfns{11, 10, 9, 8}); // drained from the tail: 0..7
  CHECK(z.f.list(3, M).front() == Pfn{0});   // merged into one order-3 block
  CHECK(z.pcp.free_count(0) == 12);
  // Refills raise count without frees while each allocation halves free_count:
  // order 3: 12 -> 6, 2 blocks, one handed out: count 12; order 2: 6 -> 3, count 16;
  // order 1: 3 -> 1, count 18.
  REQUIRE(z.alloc(3).has_value());
  REQUIRE(z.alloc(2).has_value());
  REQUIRE(z.alloc(1).has_value());
  CHECK(z.count() == 18);
  CHECK(z.pcp.free_count(0) == 1);
  // free(23): free_count 2, count 19 >= 12: min(max(2, 4), 8) = 4 pages from the freed page's
  // list o0 M [23, 11, 10, 9, 8], from its tail: 8, 9, 10, 11.
  z.free(23);
  CHECK(z.count() == 15);
  CHECK(z.list(0, M) == Pfns{23});
  CHECK(z.list(1, M).size() == 1); // the order-1 refill's second block stays
  CHECK(z.pcp.free_count(0) == 2);
  z.check();
}

TEST_CASE("6.18 nr_pcp_high: a drain with tuning on grows high to free_count + batch",
          "[zone][pcp618]") {
  // batch 4, high_min 8, high_max 64, high 0 at the start.
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 8, 64, 0, 4));
  z.take_live(24);
  z.free_range(0, 6); // count 7 < high 8
  CHECK(z.count() == 7);
  // Free 8: count 8 >= 8: need = 8 + 4 = 12 > 8: high 12; the drain uses the old high 8:
  // clamp(8, 4, 4) = 4.
  z.free(7);
  CHECK(z.pcp.high(0) == 12);
  CHECK(z.count() == 4);
  // Frees 9..16: count reaches 12 at free 16: need 20: high 20; clamp(16, 4, 8) = 8.
  z.free_range(8, 14);
  CHECK(z.count() == 11);
  z.free(15);
  CHECK(z.pcp.high(0) == 20);
  CHECK(z.count() == 4);
  z.check();
}

TEST_CASE("6.18 free_high: the second of consecutive order 1..3 frees with free_count >= batch + "
          "high_min / 2 flushes min(count, batch << 5) pages and lowers high by batch << 5",
          "[zone][pcp618]") {
  for (const bool free_high_batch : {true, false}) {
    INFO("PCPF_FREE_HIGH_BATCH " << free_high_batch);
    // batch 4, high_min 8 (threshold 4 + 4 = 8), high_max 64, high 64: no ordinary drain.
    Pcp618 z(zone_of(256, 5, 4), {.batch = 4,
                                  .high_min = 8,
                                  .high_max = 64,
                                  .start_high = 64,
                                  .pageblock_order = 4,
                                  .free_high_batch = free_high_batch});
    z.take_live(6); // 0..5
    Pfns o1;
    for (int i = 0; i < 4; ++i) o1.push_back(*z.f.alloc(1, M));
    z.free_range(0, 4); // free_count 5
    z.free(o1[0]);      // 5 < 8: no flush; PREV_FREE_HIGH_ORDER set; free_count 7
    // 7 < 8: no flush (6.7..6.15's threshold, batch = 4, would flush here); free_count 9.
    z.free(o1[1]);
    CHECK(z.count() == 9);
    z.free(5); // order 0 clears PREV_FREE_HIGH_ORDER; free_count 10
    CHECK_FALSE(z.pcp.prev_free_high_order(0));
    z.free(o1[2]); // 10 >= 8 but the previous free was order 0: no flush; free_count 12
    CHECK(z.count() == 12);
    CHECK(z.pcp.prev_free_high_order(0));
    // The fourth order-1 free: 12 >= 8, previous free order 1, count 14 >= batch: flush.
    // high = max(64 - 128, 8) = 8; nr_pcp_free = min(14, 128): every page, o1 M first.
    z.free(o1[3]);
    CHECK(z.count() == 0);
    CHECK(z.pcp.high(0) == 8);
    CHECK(z.f.free_pages() == 256);
    CHECK(z.pcp.free_count(0) == 14); // not reset by the flush
    // Another order-1 free: free_count 14 >= 8 and the previous free was order 1, but count 2 is
    // below batch: PCPF_FREE_HIGH_BATCH holds the flush back (count 2 < high 8: no drain).
    const std::optional<Pfn> d = z.f.alloc(1, M);
    REQUIRE(d.has_value());
    z.free(*d);
    CHECK(z.count() == (free_high_batch ? 2U : 0U));
    z.check();
  }
}

TEST_CASE("6.18 ZONE_BELOW_HIGH: each free lowers high by max(free_count, batch) down to high_min, "
          "a drain needs count >= high_min; after a drain the flag clears once free pages less "
          "HIGHATOMIC free pages exceed the high watermark",
          "[zone][pcp618]") {
  // batch 4, high_min 8, high_max 64, high 40; 256 pages, 16-page pageblocks.
  PcpRules618 rules = rules_of(4, 8, 64, 40, 4);
  rules.high_wmark = 230;
  Pcp618 z(zone_of(256, 5, 4), rules);
  z.take_live(16); // 0..15
  z.pcp.set_zone_below_high(true);
  // Free k: free_count k; high 40 -> 36, 32, 28, 24 (max(k, 4) = 4), 19, 13, 8 (k = 7: 13 - 7 < 8).
  const std::vector<unsigned> highs{36, 32, 28, 24, 19, 13, 8};
  for (unsigned k = 1; k <= 7; ++k) {
    z.free(k - 1);
    CHECK(z.pcp.high(0) == highs[k - 1]);
    CHECK(z.count() == k); // nr_pcp_high returns max(count, 8): no drain below 8 pages
  }
  // A full HIGHATOMIC pageblock of 16 free pages at 240.
  z.retype(240, HA);
  // Free 8: count 8 >= max(8, 8): clamp(8, 4, 8 - 4) = 4 pages drained (0..3). Free pages
  // 256 - 8 live - 4 pcp = 244, less 16 HIGHATOMIC = 228 <= 230: the flag stays.
  z.free(7);
  CHECK(z.count() == 4);
  CHECK(z.pcp.high(0) == 8);
  CHECK(z.f.free_pages() == 244);
  CHECK(z.pcp.zone_below_high());
  z.retype(240, M);
  // Frees 9..12: count 5..8; at 8 a drain of clamp(12, 4, 4) = 4: free pages 248 > 230: cleared.
  z.free_range(8, 10);
  CHECK(z.count() == 7);
  CHECK(z.pcp.zone_below_high());
  z.free(11);
  CHECK(z.count() == 4);
  CHECK(z.f.free_pages() == 248);
  CHECK_FALSE(z.pcp.zone_below_high());
  z.check();
}

TEST_CASE("6.18 decay_pcp_high: high falls by high / 8 per tick down to high_min and the lists "
          "are drained to it in chunks of batch from list 0",
          "[zone][pcp618]") {
  // batch 2, high_min 8, high_max 1000, high 100; 4 UNMOVABLE (list 0) and 36 MOVABLE pages.
  Pcp618 z(zone_of(256, 5, 4), rules_of(2, 8, 1000, 100, 4));
  for (Pfn p = 100; p < 104; ++p) z.add(p, 0, U);
  for (Pfn p = 0; p < 36; ++p) z.add(p, 0, M);
  // high: 100 -> 88 -> 77 -> 68 -> 60 -> 53 -> 47 -> 42 (count 40 - 64 < 0 never binds).
  for (const unsigned high : {88U, 77U, 68U, 60U, 53U, 47U, 42U}) {
    CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
    CHECK(z.pcp.high(0) == high);
    CHECK(z.count() == 40);
  }
  // 42 -> 37: drain 3 as 2 + 1 from list 0: its tail 103, 102, then 101.
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 37);
  CHECK(z.list(0, U) == Pfns{100});
  // 37 -> 33: drain 4 as 2 + 2, each from list 0: 100 and the MOVABLE tail 35; then 34, 33.
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.count() == 33);
  CHECK(z.list(0, U).empty());
  CHECK(z.list(0, M).back() == Pfn{32});
  z.check();
}

TEST_CASE("6.18 decay_pcp_high: high never falls below count - (batch << 5) nor high_min",
          "[zone][pcp618]") {
  // batch 1 (batch << 5 = 32), high_min 8, high 300 with 300 pages cached: max(300 - 32,
  // 300 - 37, 8) = 268, so 32 pages drained in 32 chunks of 1.
  Pcp618 z(zone_of(512, 5, 4), rules_of(1, 8, 1000, 300, 4));
  for (Pfn p = 0; p < 300; ++p) z.add(p, 0, M);
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 268);
  CHECK(z.count() == 268);
  // high 9, nothing cached: max(-32, 9 - 1, 8) = 8 = high_min: no work left; then unchanged.
  Pcp618 low(zone_of(64, 5, 4), rules_of(1, 8, 1000, 9, 4));
  CHECK_FALSE(low.pcp.decay_pcp_high(low.f.zone(), 0));
  CHECK(low.pcp.high(0) == 8);
  CHECK_FALSE(low.pcp.decay_pcp_high(low.f.zone(), 0));
  CHECK(low.pcp.high(0) == 8);
  z.check();
}

TEST_CASE("6.18 decay_pcp_high: each batch chunk is its own free_pcppages_bulk from list 0, so a "
          "THP block overshooting one chunk does not stop the next",
          "[zone][pcp618]") {
  // batch 2, high 34; one order-0 UNMOVABLE page and two order-4 (THP) MOVABLE blocks: count 33.
  Pcp618 z(zone_of(64, 5, 4), rules_of(2, 8, 1000, 34, 4));
  z.add(0, 0, U);
  z.add(16, 4, M);
  z.add(32, 4, M);
  // high = max(33 - 64, 34 - 4, 8) = 30: to_drain 3. Chunk 2: page 0 (1 left), then the THP tail
  // 32 (-15). Chunk 1: from list 0 again: 16. (One call of 3 would have left 16 cached.)
  CHECK(z.pcp.decay_pcp_high(z.f.zone(), 0));
  CHECK(z.pcp.high(0) == 30);
  CHECK(z.count() == 0);
  CHECK(z.f.free_pages() == 64);
  z.check();
}

TEST_CASE("6.18 free_pcppages_bulk: with hygiene a block re-typed while cached goes to its "
          "pageblock's type at drain time, without it to its cached type (6.1)",
          "[zone][pcp618]") {
  for (const bool hygiene : {true, false}) {
    INFO("hygiene " << hygiene);
    // batch 1, high_min = high_max = 2: the second cached page drains one.
    Pcp618 z(zone_of(64, 5, 4),
             {.batch = 1, .high_min = 2, .high_max = 2, .pageblock_order = 4, .hygiene = hygiene});
    z.take_live(48); // 0..47: the buddies of 17 and 33 stay live
    z.free(17);      // cached MOVABLE
    z.f.zone().set_pageblock_migratetype(z.f.idx(16), U);
    // free(33): count 2 >= 2: clamp(2, 1, 1) = 1 from list o0 M [33, 17]: its tail 17.
    z.free(33);
    CHECK(z.list(0, M) == Pfns{33});
    CHECK(z.f.list(0, U) == (hygiene ? Pfns{17} : Pfns{}));
    CHECK(z.f.list(0, M) == (hygiene ? Pfns{} : Pfns{17}));
    z.check();
  }
}

TEST_CASE("6.18 __free_frozen_pages: a HIGHATOMIC block's page rides the MOVABLE list, an "
          "ISOLATE block's goes straight to the buddy",
          "[zone][pcp618]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 64, 64, 0, 4));
  z.take_live(48);
  z.f.zone().set_pageblock_migratetype(z.f.idx(16), HA);
  z.f.zone().set_pageblock_migratetype(z.f.idx(32), Migratetype::isolate);
  z.free(17);
  CHECK(z.list(0, M) == Pfns{17});
  CHECK(z.f.zone().page(z.f.idx(17)).mt == HA); // the type 6.1's drain would use
  z.free(33);
  CHECK(z.count() == 1);
  CHECK(z.f.list(0, Migratetype::isolate) == Pfns{33});
  z.check();
}

TEST_CASE("6.18 tuning off (high_min == high_max): nr_pcp_high returns high whatever "
          "ZONE_BELOW_HIGH says, refills never grow it",
          "[zone][pcp618]") {
  // batch 4, high_min = high_max = 20.
  Pcp618 z(zone_of(256, 5, 4), rules_of(4, 20, 20, 0, 4));
  // Refills: 4 (max_nr = max(20 - 0 - 4, 4) = 16, factor 1), 8 (factor 2), 16 (factor 3), then
  // 32 > 16: 16 and the factor stays 3.
  for (const unsigned refill : {4U, 8U, 16U, 16U}) {
    REQUIRE(z.alloc(0).has_value());
    CHECK(z.count() == refill - 1);
    CHECK(z.pcp.high(0) == 20);
    for (unsigned i = 1; i < refill; ++i) REQUIRE(z.alloc(0).has_value());
  }
  CHECK(z.pcp.alloc_factor(0) == 3);
  REQUIRE(z.alloc(0).has_value()); // the 5th refill: 16 again, 15 cached
  z.pcp.set_zone_below_high(true);
  // Five frees: count 20 at the fifth: clamp(5, 4, 16) = 5 drained; high stays 20.
  z.free_range(0, 4);
  CHECK(z.count() == 15);
  CHECK(z.pcp.high(0) == 20);
  CHECK(z.pcp.alloc_factor(0) == 0);
  z.check();
}

TEST_CASE("6.18 boot pageset (high 0, batch 1): a refill takes one block and a free drains at "
          "once",
          "[zone][pcp618]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(1, 0, 0, 0, 4));
  CHECK(z.alloc(0) == Pfn{0}); // nr_pcp_alloc: high 0 < batch 1: one block
  CHECK(z.count() == 0);
  z.free(0); // nr_pcp_high 0; nr_pcp_free: high 0 < batch: 1
  CHECK(z.count() == 0);
  CHECK(z.f.free_pages() == 64);
  z.check();
}

TEST_CASE("PcpModel (6.18): add puts a refill at the tail and a free at the head, peek is the "
          "head and next_drain the tail of the freed page's list",
          "[zone][pcp618][predict]") {
  Pcp618 z(zone_of(64, 5, 4), rules_of(4, 64, 64, 0, 4));
  PcpModel& model = z.pcp;
  CHECK(model.caches(3));
  CHECK(model.caches(4));
  CHECK_FALSE(model.caches(5));
  z.add(0, 0, M);
  z.add(1, 0, M);
  z.add(2, 0, M, PcpInsert::free);
  CHECK(z.list(0, M) == Pfns{2, 0, 1});
  CHECK(model.peek(z.f.zone(), {0, 0, M, false}) == z.f.idx(2));
  model.begin_drain(z.f.zone(), 0, z.f.idx(2), 1);
  CHECK(model.next_drain(z.f.zone(), 0) == z.f.idx(1));
  model.drain_block(z.f.zone(), 0, z.f.idx(1));
  CHECK(z.list(0, M) == Pfns{2, 0});
  CHECK(model.count(0) == 2);
  z.check();
}
