// Linux 6.1.192 (Debian 12) as a composition of the zone's kernel functions: boot (ascending
// __free_pages_ok with FPI_TO_TAIL, no MIGRATE_RESERVE), rmqueue (rmqueue_pcplist for the
// cached orders, else rmqueue_buddy; a HIGHATOMIC reserve after an ALLOC_HIGHATOMIC take),
// __rmqueue with steal-then-retry, free_the_page, and the prediction hooks of the ground-truth
// replay (docs/kernel-6.1.md; docs/semantics.md D61-1..D61-19).
#include "policy/linux_6_1.hpp"

#include <algorithm>
#include <climits>

#include "zone/fallback_311.hpp"

namespace memsim {

Linux61Switches linux_6_1_switches(const Config& config) {
  Linux61Switches s;
  s.alike_rule = config.policy_flag("linux_6_1.alike_rule");
  s.find_smallest = config.policy_flag("linux_6_1.find_smallest");
  s.steal_retry = config.policy_flag("linux_6_1.steal_retry");
  s.unmovable_steals = config.policy_flag("linux_6_1.unmovable_steals");
  s.highatomic = config.policy_flag("linux_6_1.highatomic");
  s.move_to_tail = config.policy_flag("linux_6_1.move_to_tail");
  s.merge_barrier = config.policy_flag("linux_6_1.merge_barrier");
  s.boot_to_tail = config.policy_flag("linux_6_1.boot_to_tail");
  s.pcp_high_orders = config.policy_flag("linux_6_1.pcp_high_orders");
  s.free_factor = config.policy_flag("linux_6_1.free_factor");
  return s;
}

std::uint64_t linux_managed_pages(const Zone& zone, const Config& config) {
  return config.zone.managed_pages.value_or(zone.pages());
}

ZoneParams61 linux_zone_params(const Zone& zone, const Config& config) {
  ZoneParams61Input in;
  in.managed = linux_managed_pages(zone, config); // managed = present unless set (D61-5)
  in.page_size = config.zone.page_size;
  in.pageblock_order = config.zone.pageblock_order;
  in.cpus = config.zone.cpus;
  in.batch = config.pcp.batch;
  in.high = config.pcp.high;
  in.wmark_min = config.watermark.min;
  in.wmark_low = config.watermark.low;
  in.wmark_high = config.watermark.high;
  return zone_params_61(in);
}

const std::vector<Migratetype>& linux_list_types() {
  static const std::vector<Migratetype> types{Migratetype::unmovable, Migratetype::reclaimable,
                                              Migratetype::movable, Migratetype::highatomic};
  return types;
}

void linux_params_json(const ZoneParams61& params, nlohmann::ordered_json& out) {
  out["min_free_kbytes"] = params.min_free_kbytes;
  out["watermark"] = {{"min", params.watermark.min},
                      {"low", params.watermark.low},
                      {"high", params.watermark.high}};
}

std::uint64_t highatomic_pageblock_pages(const Zone& zone) {
  const auto& types = zone.pageblock_types();
  return static_cast<std::uint64_t>(
             std::count(types.begin(), types.end(), Migratetype::highatomic)) *
         zone.geometry().pageblock_pages;
}

namespace {

PcpRules61 pcp_rules(const ZoneParams61& params, const Config& config, const Linux61Switches& s) {
  PcpRules61 rules;
  rules.batch = static_cast<unsigned>(std::min<std::uint64_t>(params.batch, UINT_MAX));
  rules.high = static_cast<unsigned>(std::min<std::uint64_t>(params.high, UINT_MAX));
  rules.pageblock_order = config.zone.pageblock_order;
  rules.high_orders = s.pcp_high_orders;
  rules.free_factor = s.free_factor;
  return rules;
}

} // namespace

Linux61Policy::Linux61Policy(Zone& zone, const Config& config)
    : zone_(zone), config_(config),
      switches_(linux_6_1_switches(config)), fallback_rules_{switches_.alike_rule,
                                                             switches_.find_smallest,
                                                             switches_.unmovable_steals},
      params_(linux_zone_params(zone, config)),
      pcp_(config.zone.cpus, pcp_rules(params_, config, switches_)),
      highatomic_{0, linux_managed_pages(zone, config)}, boost_{0,
                                                                linux_managed_pages(zone, config),
                                                                params_.watermark.high,
                                                                zone.geometry().pageblock_pages} {
  zone_.set_rules({switches_.move_to_tail, switches_.merge_barrier});
}

// Boot (D61-8): every pageblock MOVABLE, the zone freed ascending as max-order blocks through
// __free_pages_ok(FPI_TO_TAIL), never a per-CPU list: the lists ascend from the head.
void Linux61Policy::boot() {
  zone_.boot_free(switches_.boot_to_tail);
}

bool Linux61Policy::uses_pcp(unsigned order) const {
  return config_.pcp.enabled && pcp_.pcp_allowed_order(order); // D61-14
}

// Linux 6.1 rmqueue() and get_page_from_freelist()'s reserve: the per-CPU path for the cached
// orders, rmqueue_buddy when it gives nothing, then reserve_highatomic_pageblock for an
// ALLOC_HIGHATOMIC request (D61-3; it runs after a per-CPU take too). The flags come from the
// request's gfp as gfp_to_alloc_flags derives them (docs/decisions.md 110).
Taken Linux61Policy::alloc(const AllocRequest& request) {
  if (!highatomic_counted_) {
    highatomic_.nr_reserved = highatomic_pageblock_pages(zone_);
    highatomic_counted_ = true;
  }
  const bool gfp = switches_.highatomic && request.has_gfp;
  const BuddyFlags flags{gfp && alloc_flags_highatomic(request.gfp, request.order),
                         gfp && alloc_flags_non_block(request.gfp)};
  Taken taken;
  if (uses_pcp(request.order))
    taken = pcp_.rmqueue_pcplist(zone_, *this, request.order, request.mt, request.cpu);
  if (taken.block == kNoPage) taken = rmqueue_buddy(zone_, *this, request.order, request.mt, flags);
  if (taken.block != kNoPage && flags.highatomic) {
    zone_.pcp_release(taken.block); // prep_new_page: no longer PageBuddy for the pageblock walk
    reserve_highatomic_pageblock(zone_, highatomic_, taken.block);
  }
  return taken;
}

// __rmqueue(): the retry after a steal takes the smallest block now on mt's lists, which need
// not be the stolen one (kernel-6.1.md §4); without steal_retry the stolen block is split (3.11).
Taken Linux61Policy::rmqueue(unsigned order, Migratetype mt) {
  Taken taken;
  for (;;) {
    const PageIdx page = zone_.rmqueue_smallest(order, mt);
    if (page != kNoPage) {
      taken.block = page;
      if (!taken.fallback) taken.how = TakeSource::own_list;
      return taken;
    }
    const auto stolen =
        rmqueue_fallback_61(zone_, order, {mt, &fallback_rules_, &boost_}, counters_);
    if (!stolen) return {};
    taken.fallback = true; // D61-10
    taken.how = stolen->claimed != 0 ? TakeSource::fallback_claim : TakeSource::fallback_steal;
    if (!switches_.steal_retry) {
      const PageIdx block = stolen->choice.page;
      zone_.del_from_freelist(block);
      zone_.expand(block, order, stolen->choice.current_order, mt);
      taken.block = block;
      return taken;
    }
  }
}

// free_the_page(): the cached orders through free_unref_page, the rest by __free_pages_ok
// (pageblock type, FPI_NONE). 6.1 has no cold frees (D61-11).
void Linux61Policy::free(PageIdx block, unsigned order, unsigned cpu, bool /*cold*/) {
  if (uses_pcp(order)) {
    pcp_.free_unref_page(zone_, block, order, cpu);
  } else {
    zone_.free_pages_ok(block, order);
  }
}

// __rmqueue without changing anything: the own lists' smallest head, else the block the
// retry would take after the fallback's steal (or, without steal_retry, the stolen block).
PageIdx Linux61Policy::would_rmqueue(unsigned order, Migratetype mt) const {
  if (const PageIdx own = zone_.peek_smallest(order, mt); own != kNoPage) return own;
  const auto choice = find_fallback_61(zone_, order, mt, fallback_rules_);
  if (!choice) return kNoPage;
  return switches_.steal_retry ? retry_after_steal(zone_, *choice, order) : choice->page;
}

// __rmqueue_pcplist: the list head, or the first block of the refill (list_add_tail keeps the
// extraction order and the head is popped).
PageIdx Linux61Policy::would_pcp_alloc(const PcpQuery& query) const {
  if (!uses_pcp(query.order)) return kNoPage;
  const PageIdx page = pcp_.peek(zone_, query);
  return page != kNoPage ? page : would_rmqueue(query.order, query.mt);
}

PageIdx Linux61Policy::would_pcp_drain(unsigned cpu) const {
  return pcp_.next_drain(zone_, cpu);
}

// docs/spec.md §9 for 6.1: the requested type's lists, else a list __rmqueue_fallback searches
// (orders >= order, D61-2). HIGHATOMIC lists serve only rmqueue_buddy's ALLOC_HIGHATOMIC and
// failing non-blocking requests, which a probe (no gfp) is not: they answer nothing.
ProbeAnswer Linux61Policy::probe(unsigned order, Migratetype mt) const {
  if (own_available(zone_, order, mt)) return ProbeAnswer::own;
  if (find_fallback_61(zone_, order, mt, fallback_rules_)) return ProbeAnswer::fallback;
  return ProbeAnswer::none;
}

void Linux61Policy::report(PolicyReport& out) const {
  out.region_held.assign(zone_.geometry().regions, false);
  out.pcp_count.clear();
  for (unsigned cpu = 0; cpu < pcp_.cpus(); ++cpu) out.pcp_count.push_back(pcp_.count(cpu));
  out.pcp_high = pcp_.rules().high;
  out.pcp_batch = pcp_.rules().batch;
  out.min_wmark = params_.watermark.min;
}

// D61-13: no MIGRATE_RESERVE; HIGHATOMIC lists are the fourth.
const std::vector<Migratetype>& Linux61Policy::list_types() const {
  return linux_list_types();
}

// D61-5: the resolved per-CPU batch and high, min_free_kbytes and the watermarks.
void Linux61Policy::config_json(nlohmann::ordered_json& out) const {
  out["pcp"]["batch"] = pcp_.rules().batch;
  out["pcp"]["high"] = pcp_.rules().high;
  linux_params_json(params_, out);
  const Linux61Switches& s = switches_;
  out["linux_6_1"] = {
      {"alike_rule", s.alike_rule},           {"find_smallest", s.find_smallest},
      {"steal_retry", s.steal_retry},         {"unmovable_steals", s.unmovable_steals},
      {"highatomic", s.highatomic},           {"move_to_tail", s.move_to_tail},
      {"merge_barrier", s.merge_barrier},     {"boot_to_tail", s.boot_to_tail},
      {"pcp_high_orders", s.pcp_high_orders}, {"free_factor", s.free_factor}};
}

// Bookkeeping that decides nothing in a replay (D61-4): zone->watermark_boost and
// zone->nr_reserved_highatomic at the end.
void Linux61Policy::state_json(nlohmann::ordered_json& out) const {
  out["watermark_boost"] = boost_.boost;
  out["nr_reserved_highatomic"] =
      highatomic_counted_ ? highatomic_.nr_reserved : highatomic_pageblock_pages(zone_);
}

void Linux61Policy::check_invariants() const {
  pcp_.check_invariants(zone_);
}

} // namespace memsim
