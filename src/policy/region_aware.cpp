// Bhat v4 on top of Linux 3.11 (docs/region-aware.md; docs/semantics.md D25–D35). The list
// discipline lives in region/sorted_freelists, the bank in region/region_allocator; this file is
// the glue the patchset put into mm/page_alloc.c: __rmqueue, the biased __rmqueue_smallest,
// loan-only stealing, can_return_region and the RA transfers.
#include "policy/region_aware.hpp"

#include <algorithm>

#include "memsim/error.hpp"

namespace memsim {

RegionAwareSwitches region_aware_switches(const Config& config) {
  RegionAwareSwitches s;
  s.sorted_freelists = config.policy_flag("region_aware.sorted_freelists");
  s.lower_region_bias = config.policy_flag("region_aware.lower_region_bias");
  s.region_allocator = config.policy_flag("region_aware.region_allocator");
  s.retype_regions = config.policy_flag("region_aware.retype_regions");
  s.loan_only_stealing = config.policy_flag("region_aware.loan_only_stealing");
  s.ra_cache = config.policy_flag("region_aware.ra_cache");
  return s;
}

RegionAwarePolicy::RegionAwarePolicy(Zone& zone, const Config& config)
    : StockPolicy(zone, config), switches_(region_aware_switches(config)),
      lists_(zone.geometry(), config.zone.max_order, switches_.sorted_freelists),
      ra_(zone.geometry()) {
  fallback_rules_.claim = !switches_.loan_only_stealing;
  fallback_rules_.stealing = &stealing_block_;
  zone_.set_hooks(this);
}

RegionAwarePolicy::~RegionAwarePolicy() {
  zone_.set_hooks(nullptr);
}

// v4 26: the RA is asked before any cross-migratetype fallback, never for MIGRATE_RESERVE;
// a grant always leaves a max-order block on the requester's list, so the retry succeeds.
// A grant is not a fallback (no extfrag event, docs/semantics.md D1).
Taken RegionAwarePolicy::rmqueue(unsigned order, Migratetype mt) {
  bool granted = false;
  for (;;) {
    const PageIdx page = rmqueue_smallest(order, mt);
    if (page != kNoPage)
      return {page, false, granted ? TakeSource::region_grant : TakeSource::own_list};
    if (switches_.region_allocator) {
      if (const auto region = ra_.next_region()) {
        grant_region(*region, mt, false);
        granted = true;
        continue;
      }
    }
    return rmqueue_fallback_or_reserve_311(
        {zone_, fallback_rules_, counters_}, order, mt,
        [this](unsigned o, Migratetype t) { return rmqueue_smallest(o, t); });
  }
}

// v4 15 (docs/region-aware.md, D27): the smallest order with a block, unless a larger order's
// head block lies in a strictly lower region; ties keep the smaller order. Region of a list =
// its head block.
PageIdx RegionAwarePolicy::rmqueue_smallest(unsigned order, Migratetype mt) {
  if (!switches_.lower_region_bias) return zone_.rmqueue_smallest(order, mt);
  unsigned alloc_order = zone_.max_order();
  std::uint64_t alloc_region = 0;
  for (unsigned o = order; o < zone_.max_order(); ++o) {
    const PageList& list = zone_.free_list(o, mt);
    if (list.empty()) continue;
    const std::uint64_t r = zone_.region_of(list.head);
    if (alloc_order == zone_.max_order() || r < alloc_region) {
      alloc_order = o;
      alloc_region = r;
    }
  }
  if (alloc_order == zone_.max_order()) return kNoPage;
  const PageIdx page = zone_.free_list(alloc_order, mt).head;
  zone_.del_from_freelist(page);
  zone_.expand(page, order, alloc_order, mt);
  return page;
}

// The move's re-insertion of the block being stolen is not offered to the RA (D31): the
// kernel would return it and then list_del it off the RA list.
void RegionAwarePolicy::add_to_freelist(Zone& zone, PageIdx block, unsigned order, Migratetype mt,
                                        bool tail) {
  lists_.insert(zone, block, order, mt, tail);
  if (switches_.region_allocator && block != stealing_block_ && can_return_region(block, order, mt))
    return_region(zone.region_of(block), order, mt);
}

void RegionAwarePolicy::del_from_freelist(Zone& zone, PageIdx block) {
  lists_.remove(zone, block);
}

// can_return_region() (v4 25 + 33, D28): a max-order insertion into a completely free region
// (RA pages count as free, pcp pages do not) whose free pages are all max-order blocks on this
// very list; with ra_cache, not when the list's head and tail lie in the same region.
bool RegionAwarePolicy::can_return_region(PageIdx block, unsigned order, Migratetype mt) const {
  const std::uint64_t r = zone_.region_of(block);
  if (order != zone_.max_order() - 1) return false;
  if (lists_.region_free(r) != region_present(r)) return false;
  const PageList& list = zone_.free_list(order, mt);
  if (switches_.ra_cache && zone_.region_of(list.head) == zone_.region_of(list.tail)) return false;
  return (std::uint64_t{lists_.segment(order, mt, r).count} << order) == lists_.region_free(r);
}

// add_to_region_allocator() / del_from_freelist_bulk() (v4 18/19/21): the segment in list
// order, anchor last; nr_free of the free area drops, the region's free pages do not.
void RegionAwarePolicy::return_region(std::uint64_t region, unsigned order, Migratetype mt) {
  const std::vector<PageIdx> blocks = lists_.segment_blocks(zone_, order, mt, region);
  for (const PageIdx b : blocks) lists_.remove(zone_, b);
  lists_.adjust_region_free(region, static_cast<std::int64_t>(blocks.size() << order));
  ra_.hold(zone_, region, blocks);
  if (zone_.initialised()) ++ra_counts_.regions_returned; // D5
}

// __del_from_region_allocator() + add_to_freelist_bulk() (v4 20/27/29/32, D29): every block
// stamped `mt` and, with retype_regions, every pageblock it covers re-typed (all of them when
// pageblock_order < max_order-1: the labelled extension). The first block goes through the
// sorted insertion (its PA⇒RA check would fail: the region is over-counted at that instant, so
// it is skipped), the rest are spliced just before it: [b2, …, bn, b1] (D32 alike, at the head).
void RegionAwarePolicy::grant_region(std::uint64_t region, Migratetype mt, bool by_move_freepages) {
  const unsigned top = zone_.max_order() - 1;
  const std::vector<PageIdx> blocks = ra_.release(zone_, region);
  if (switches_.retype_regions) {
    const std::uint64_t pageblocks =
        top > zone_.pageblock_order() ? std::uint64_t{1} << (top - zone_.pageblock_order()) : 1;
    const std::uint64_t pageblock_pages = zone_.geometry().pageblock_pages;
    for (const PageIdx b : blocks)
      for (std::uint64_t i = 0; i < pageblocks; ++i)
        zone_.set_pageblock_migratetype(static_cast<PageIdx>(b + i * pageblock_pages), mt);
  }
  const PageIdx first = blocks.front();
  lists_.insert(zone_, first, top, mt, false);
  lists_.adjust_region_free(region, -(std::int64_t{1} << top));
  for (std::size_t i = 1; i < blocks.size(); ++i) lists_.splice_before(zone_, first, blocks[i]);
  if (!zone_.initialised()) return; // boot reserve setup and carving are not counted (D5, D19)
  ++ra_counts_.regions_granted;
  if (by_move_freepages) ++ra_counts_.regions_granted_by_move_freepages;
}

// v4 30 (D30): move_freepages() met a block the RA holds: its whole region goes to MOVABLE
// (re-typed MOVABLE with retype_regions), then the walk looks at the same pfn again.
void RegionAwarePolicy::release_held_block(Zone& zone, PageIdx block) {
  grant_region(zone.region_of(block), Migratetype::movable, true);
}

ProbeAnswer RegionAwarePolicy::probe(unsigned order, Migratetype mt) const {
  if (switches_.region_allocator && ra_.next_region()) return ProbeAnswer::own;
  return StockPolicy::probe(order, mt);
}

void RegionAwarePolicy::report(PolicyReport& out) const {
  StockPolicy::report(out);
  out.region_allocator = ra_counts_;
  out.region_allocator.regions_held = ra_.held_regions();
  for (std::uint64_t r = 0; r < out.region_held.size(); ++r) out.region_held[r] = ra_.holds(r);
}

void RegionAwarePolicy::config_json(nlohmann::ordered_json& out) const {
  StockPolicy::config_json(out);
  const RegionAwareSwitches& ra = switches_;
  out["region_aware"] = {
      {"sorted_freelists", ra.sorted_freelists},     {"lower_region_bias", ra.lower_region_bias},
      {"region_allocator", ra.region_allocator},     {"retype_regions", ra.retype_regions},
      {"loan_only_stealing", ra.loan_only_stealing}, {"ra_cache", ra.ra_cache}};
}

std::vector<std::string> RegionAwarePolicy::notes() const {
  if (!switches_.region_allocator || !switches_.retype_regions ||
      config_.zone.pageblock_order + 1 >= config_.zone.max_order)
    return {};
  return {"extension: pageblock_order < max_order-1, so a region granted by the region "
          "allocator re-types every pageblock of each max-order block (Bhat v4 32 re-types one "
          "pageblock per block)"};
}

void RegionAwarePolicy::check_invariants() const {
  StockPolicy::check_invariants();
  std::string broken = lists_.check(zone_);
  if (broken.empty()) broken = ra_.check(zone_);
  if (!broken.empty()) throw InternalError("invariant violated: " + broken);
}

std::uint64_t RegionAwarePolicy::region_present(std::uint64_t region) const {
  return region_present_pages(zone_.geometry(), region);
}

} // namespace memsim
