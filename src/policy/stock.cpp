// Linux 3.11 as a composition of the zone's kernel functions: boot (ascending __free_pages_ok,
// setup_zone_migrate_reserve), buffered_rmqueue (the 3.11 per-CPU lists for order 0),
// __rmqueue (__rmqueue_smallest, __rmqueue_fallback, MIGRATE_RESERVE) and __free_pages.
#include "policy/stock.hpp"

#include <algorithm>

#include "memsim/error.hpp"
#include "zone/boot.hpp"

namespace memsim {

unsigned reserve_pageblocks_311(const Config& config, const Geometry& geometry) {
  if (const auto set = config.policy_count("reserve.pageblocks")) return *set;
  // setup_zone_migrate_reserve(): min(2, roundup(min_wmark, pageblock) >> pageblock_order).
  const std::uint64_t rounded = (geometry.min_wmark + geometry.pageblock_pages - 1) /
                                geometry.pageblock_pages * geometry.pageblock_pages;
  return static_cast<unsigned>(std::min<std::uint64_t>(2, rounded >> config.zone.pageblock_order));
}

StockPolicy::StockPolicy(Zone& zone, const Config& config)
    : zone_(zone), config_(config),
      reserve_pageblocks_(reserve_pageblocks_311(config, zone.geometry())),
      pcp_(config.zone.cpus, zone.geometry().pcp_batch, zone.geometry().pcp_high) {}

// Boot: every max-order block freed ascending through __free_pages_ok (head insertion: the
// highest pfn ends at the list head), then setup_zone_migrate_reserve (D12, D13).
void StockPolicy::boot() {
  zone_.boot_free(false);
  setup_zone_migrate_reserve(zone_, reserve_pageblocks_);
}

// buffered_rmqueue(): order 0 through the CPU's per-CPU list (when enabled), else __rmqueue.
Taken StockPolicy::alloc(const AllocRequest& request) {
  if (request.order == 0 && config_.pcp.enabled)
    return pcp_.rmqueue(zone_, *this, request.mt, request.cpu, request.cold);
  return rmqueue(request.order, request.mt);
}

// __free_pages(): order 0 → free_hot_cold_page (per-CPU), else __free_pages_ok (D15).
void StockPolicy::free(PageIdx block, unsigned order, unsigned cpu, bool cold) {
  if (order == 0 && config_.pcp.enabled) {
    pcp_.free_hot_cold_page(zone_, block, cpu, cold);
  } else {
    zone_.free_pages_ok(block, order);
  }
}

Taken StockPolicy::rmqueue(unsigned order, Migratetype mt) {
  const PageIdx page = rmqueue_smallest(order, mt);
  if (page != kNoPage) return {page, false, TakeSource::own_list};
  return rmqueue_fallback_or_reserve_311(
      {zone_, fallback_rules_, counters_}, order, mt,
      [this](unsigned o, Migratetype t) { return rmqueue_smallest(o, t); });
}

// 3.11 __rmqueue() without its effects: __rmqueue_smallest, the list __rmqueue_fallback would
// take from (expand() hands out the block's first pages), then MIGRATE_RESERVE.
PageIdx StockPolicy::would_rmqueue(unsigned order, Migratetype mt) const {
  if (const PageIdx own = zone_.peek_smallest(order, mt); own != kNoPage) return own;
  if (const Fallback311Choice choice = find_fallback_311(zone_, order, mt); choice.block != kNoPage)
    return choice.block;
  return zone_.peek_smallest(order, Migratetype::reserve);
}

// docs/spec.md §9 for 3.11: MIGRATE_RESERVE, the last resort of __rmqueue, is neither the
// requested type's lists nor a list __rmqueue_fallback searches (docs/decisions.md).
ProbeAnswer StockPolicy::probe(unsigned order, Migratetype mt) const {
  if (own_available(zone_, order, mt)) return ProbeAnswer::own;
  if (fallback_available_311(zone_, order, mt)) return ProbeAnswer::fallback;
  return ProbeAnswer::none;
}

PageIdx StockPolicy::rmqueue_smallest(unsigned order, Migratetype mt) {
  return zone_.rmqueue_smallest(order, mt);
}

void StockPolicy::report(PolicyReport& out) const {
  out.region_held.assign(zone_.geometry().regions, false);
  out.pcp_count.clear();
  for (unsigned cpu = 0; cpu < pcp_.cpus(); ++cpu) out.pcp_count.push_back(pcp_.count(cpu));
  out.pcp_high = zone_.geometry().pcp_high;
  out.pcp_batch = zone_.geometry().pcp_batch;
  out.min_wmark = zone_.geometry().min_wmark;
}

const std::vector<Migratetype>& StockPolicy::list_types() const {
  static const std::vector<Migratetype> types{Migratetype::unmovable, Migratetype::reclaimable,
                                              Migratetype::movable, Migratetype::reserve};
  return types;
}

void StockPolicy::config_json(nlohmann::ordered_json& out) const {
  out["reserve"] = {{"pageblocks", reserve_pageblocks_}};
}

void StockPolicy::check_invariants() const {
  pcp_.check_invariants(zone_);
}

} // namespace memsim
