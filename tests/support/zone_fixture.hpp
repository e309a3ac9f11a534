// A small zone for hand-checked kernel scenarios: Config -> resolve_geometry -> a registry policy
// (stock unless told) -> Zone, booted (and optionally carved) like the simulator does it, with
// helpers that read free lists and per-CPU lists as pfns (head first) and allocate / free like a
// trace.
// Small geometries (e.g. max_order 4: 8-page blocks) keep every list small enough to write by hand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "memsim/config.hpp"
#include "memsim/trace.hpp"
#include "memsim/types.hpp"
#include "policy/linux_6_1.hpp"
#include "policy/region_aware.hpp"
#include "policy/registry.hpp"
#include "policy/stock.hpp"
#include "zone/zone.hpp"

namespace memsim::test {

inline constexpr Migratetype U = Migratetype::unmovable;
inline constexpr Migratetype R = Migratetype::reclaimable;
inline constexpr Migratetype M = Migratetype::movable;
inline constexpr Migratetype RES = Migratetype::reserve;
inline constexpr Migratetype HA = Migratetype::highatomic;

using Pfns = std::vector<Pfn>;

struct ZoneSetup {
  std::uint64_t pages = 32; // zone.memory as a bare page count
  unsigned max_order = 4;   // orders 0..3: 8-page max-order blocks
  unsigned pageblock_order = 3;
  Pfn start_pfn = 0;
  unsigned cpus = 1;
  bool pcp = false;
  std::optional<unsigned> batch{};                // pcp.batch (unset: zone_batchsize)
  std::optional<unsigned> high{};                 // pcp.high (unset: 6 x batch)
  std::optional<unsigned> high_min{}, high_max{}; // pcp.high_min / pcp.high_max (linux-6.18)
  unsigned reserve = 0;                           // reserve.pageblocks
  std::uint64_t region_pages = 0; // 0: the zone rounded up to a whole max-order block
  std::vector<PreallocatedBlock> preallocated{}; // carved after boot (docs/semantics.md D19)
  bool finish_init = true;      // false: leave the zone in initialisation (nothing counted yet)
  std::string policy = "stock"; // a registry name (make_policy)
  RegionAwareSwitches region_aware{};     // the switches of the region-aware policy
  std::map<std::string, bool> switches{}; // other policies' flags ("linux_6_1.alike_rule")
};

inline Config make_config(const ZoneSetup& s) {
  Config c;
  c.zone.memory = Size{s.pages, true};
  c.zone.start_pfn = s.start_pfn;
  c.zone.max_order = s.max_order;
  c.zone.pageblock_order = s.pageblock_order;
  const std::uint64_t max_block = std::uint64_t{1} << (s.max_order - 1);
  const std::uint64_t region =
      s.region_pages != 0 ? s.region_pages : (s.pages + max_block - 1) / max_block * max_block;
  c.zone.region_size = Size{region, true};
  c.zone.cpus = s.cpus;
  c.pcp.enabled = s.pcp;
  c.pcp.batch = s.batch;
  c.pcp.high = s.high;
  c.pcp.high_min = s.high_min;
  c.pcp.high_max = s.high_max;
  c.policy_values["reserve.pageblocks"] = s.reserve;
  const RegionAwareSwitches& ra = s.region_aware;
  c.policy_values["region_aware.sorted_freelists"] = ra.sorted_freelists;
  c.policy_values["region_aware.lower_region_bias"] = ra.lower_region_bias;
  c.policy_values["region_aware.region_allocator"] = ra.region_allocator;
  c.policy_values["region_aware.retype_regions"] = ra.retype_regions;
  c.policy_values["region_aware.loan_only_stealing"] = ra.loan_only_stealing;
  c.policy_values["region_aware.ra_cache"] = ra.ra_cache;
  for (const auto& [key, value] : s.switches) c.policy_values[key] = value;
  return c;
}

class ZoneFixture {
public:
  explicit ZoneFixture(const ZoneSetup& setup = {})
      : policy_name_(setup.policy), config_(make_config(setup)),
        geometry_(resolve_geometry(config_)), zone_ptr_(std::make_unique<Zone>(config_, geometry_)),
        zone_(*zone_ptr_), policy_(make_policy(setup.policy, zone_, config_)) {
    policy_->boot();
    for (const PreallocatedBlock& b : setup.preallocated)
      zone_.carve(b.pfn, b.order, b.mt, "preallocated");
    if (setup.finish_init) zone_.finish_init();
  }

  Zone& zone() { return zone_; }
  const Zone& zone() const { return zone_; }
  Policy& policy() { return *policy_; }
  const Policy& policy() const { return *policy_; }
  const std::string& setup_policy() const { return policy_name_; }
  // Zone and policy invariants, as --check runs them.
  void check_invariants() const {
    zone_.check_invariants();
    policy_->check_invariants();
  }
  const Geometry& geometry() const { return geometry_; }

  // free_list[order][mt] as pfns, head first.
  Pfns list(unsigned order, Migratetype mt) const {
    Pfns out;
    for (PageIdx i = zone_.free_list(order, mt).head; i != kNoPage; i = zone_.page(i).next)
      out.push_back(zone_.pfn_of(i));
    return out;
  }

  // The per-CPU list of `mt` (RESERVE pages ride the movable one) as pfns, head first.
  Pfns pcp_list(unsigned cpu, Migratetype mt) const {
    Pfns out;
    for (PageIdx i = pcp().list(cpu, mt).head; i != kNoPage; i = zone_.page(i).next)
      out.push_back(zone_.pfn_of(i));
    return out;
  }
  std::uint64_t pcp_count(unsigned cpu = 0) const { return pcp().count(cpu); }
  const PerCpuPages311& pcp() const { return dynamic_cast<const StockPolicy&>(*policy_).pcp(); }

  // linux-6.1: the policy, its per-CPU lists, and the list (cpu, order, mt) as pfns, head first.
  const Linux61Policy& linux61() const { return dynamic_cast<const Linux61Policy&>(*policy_); }
  Linux61Policy& linux61() { return dynamic_cast<Linux61Policy&>(*policy_); }
  const PerCpuPages61& pcp61() const { return linux61().pcp(); }
  Pfns pcp61_list(unsigned cpu, unsigned order, Migratetype mt) const {
    Pfns out;
    const PageList& l = pcp61().list(cpu, pcp61().order_to_pindex(mt, order));
    for (PageIdx i = l.head; i != kNoPage; i = zone_.page(i).next) out.push_back(zone_.pfn_of(i));
    return out;
  }

  // What the simulator does for an alloc event: buffered_rmqueue, then mark the block live.
  // Returns the pfn, or nullopt when the allocation fails; last_fallback() is its D1 flag.
  std::optional<Pfn> alloc(unsigned order, Migratetype mt, unsigned cpu = 0, bool cold = false) {
    return alloc_request({order, mt, cpu, cold, false, 0});
  }
  // The same with the request's gfp (HIGHATOMIC reserves of linux-6.1).
  std::optional<Pfn> alloc_gfp(unsigned order, Migratetype mt, GfpMask gfp, unsigned cpu = 0) {
    return alloc_request({order, mt, cpu, false, true, gfp});
  }
  std::optional<Pfn> alloc_request(const AllocRequest& request) {
    const Taken t = policy_->alloc(request);
    last_fallback_ = t.fallback;
    last_source_ = t.how;
    if (t.block == kNoPage) return std::nullopt;
    zone_.mark_allocated(t.block, request.order, request.mt);
    return zone_.pfn_of(t.block);
  }
  bool last_fallback() const { return last_fallback_; }
  TakeSource last_source() const { return last_source_; }

  // __free_pages() of the live block at `pfn` (order 0 through the pcp list when enabled).
  void free(Pfn pfn, unsigned cpu = 0, bool cold = false) {
    const PageIdx block = idx(pfn);
    const unsigned order = zone_.page(block).order;
    zone_.mark_freed(block);
    policy_->free(block, order, cpu, cold);
  }
  // split_page() of the live block at `pfn`.
  void split(Pfn pfn) { zone_.split_allocation(idx(pfn)); }

  Migratetype pageblock_type(Pfn pfn) const { return zone_.pageblock_migratetype(idx(pfn)); }
  std::vector<Migratetype> pageblock_types() const { return zone_.pageblock_types(); }

  std::uint64_t move_freepages_block(Pfn pfn, Migratetype mt) {
    return zone_.move_freepages_block(idx(pfn), mt).free;
  }

  const FallbackCounts& fallbacks() const { return policy_->counters().fallbacks; }
  std::uint64_t by_pair(Migratetype start, Migratetype from) const {
    return fallbacks().by_pair[index_of(start)][index_of(from)];
  }
  std::uint64_t retypes(Migratetype from, Migratetype to) const {
    return zone_.retypes()[index_of(from)][index_of(to)];
  }
  std::uint64_t total_retypes() const {
    std::uint64_t n = 0;
    for (const auto& row : zone_.retypes())
      for (const std::uint64_t v : row) n += v;
    return n;
  }
  const RetypeCounts& retype_table() const { return zone_.retypes(); }
  std::uint64_t held_blocks() const { return policy_->held_blocks(); }
  PolicyReport report() const {
    PolicyReport r;
    policy_->report(r);
    return r;
  }
  RegionAllocatorCounts ra_counts() const { return report().region_allocator; }
  bool in_region_allocator(std::uint64_t region) const { return report().region_held[region]; }

  std::uint64_t free_pages() const {
    std::uint64_t n = 0;
    for (unsigned o = 0; o < zone_.max_order(); ++o) n += zone_.nr_free(o) << o;
    return n;
  }

  // Every non-empty list, for INFO() on a failure.
  std::string dump() const {
    std::ostringstream s;
    for (unsigned o = 0; o < zone_.max_order(); ++o)
      for (int t = 0; t < kMigratetypes; ++t) {
        const Pfns l = list(o, migratetype_at(t));
        if (l.empty()) continue;
        s << "free_list[" << o << "][" << to_string(migratetype_at(t)) << "] =";
        for (const Pfn p : l) s << ' ' << p;
        s << '\n';
      }
    const bool pcp_311 = dynamic_cast<const StockPolicy*>(policy_.get()) != nullptr;
    for (unsigned c = 0; pcp_311 && c < config_.zone.cpus; ++c)
      for (int t = 0; t < kRequestableTypes; ++t) {
        const Pfns l = pcp_list(c, migratetype_at(t));
        if (l.empty()) continue;
        s << "pcp[" << c << "][" << to_string(migratetype_at(t)) << "] =";
        for (const Pfn p : l) s << ' ' << p;
        s << '\n';
      }
    s << "pageblocks:";
    for (const Migratetype mt : zone_.pageblock_types()) s << ' ' << map_letter(mt);
    return s.str();
  }

  PageIdx idx(Pfn pfn) const { return static_cast<PageIdx>(pfn - config_.zone.start_pfn); }

private:
  std::string policy_name_;
  Config config_;
  Geometry geometry_;
  std::unique_ptr<Zone> zone_ptr_;
  Zone& zone_;
  std::unique_ptr<Policy> policy_;
  bool last_fallback_ = false;
  TakeSource last_source_ = TakeSource::none;
};

} // namespace memsim::test
