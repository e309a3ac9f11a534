// The one table of policies (registry.hpp). Adding a kernel generation is one row here and one
// file under policy/ that composes the zone's kernel functions.
#include "policy/registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/linux_6_1.hpp"
#include "policy/linux_6_18.hpp"
#include "policy/recorded.hpp"
#include "policy/region_aware.hpp"
#include "policy/stock.hpp"

namespace memsim {

namespace {

const PolicyKey kReservePageblocks{
    "reserve.pageblocks", KeyKind::count, false,
    "MIGRATE_RESERVE pageblocks (default: the 3.11 formula, at most 2)"};

// One switch per 6.1 rule that differs from 3.11 (docs/kernel-6.1.md).
std::vector<PolicyKey> linux_6_1_keys() {
  const auto flag = [](const char* name, const char* what) {
    return PolicyKey{std::string("linux_6_1.") + name, KeyKind::flag, true, what};
  };
  return {
      flag("alike_rule", "steal_suitable_fallback claims a pageblock when free + alike pages "
                         "reach half of it (off: free pages only, as 3.11)"),
      flag("find_smallest", "a MOVABLE fallback that cannot steal a pageblock takes the smallest "
                            "block (off: the largest, as 3.11)"),
      flag("steal_retry", "__rmqueue retries __rmqueue_smallest after the steal (off: the stolen "
                          "block is split, as 3.11)"),
      flag("unmovable_steals", "can_steal_fallback: UNMOVABLE requests steal the pageblock at "
                               "every order, like RECLAIMABLE (off: as 3.11)"),
      flag("highatomic", "ALLOC_HIGHATOMIC requests (gfp: __GFP_HIGH, non-blocking, order > 0) "
                         "reserve HIGHATOMIC pageblocks and use them first; other non-blocking "
                         "requests use them when __rmqueue fails (off: gfp is ignored)"),
      flag("move_to_tail", "move_freepages moves free blocks to the list tail (off: the head, as "
                           "3.11)"),
      flag("merge_barrier", "__free_one_page does not merge across pageblocks with a HIGHATOMIC "
                            "or ISOLATE block"),
      flag("boot_to_tail", "boot frees with FPI_TO_TAIL, so the lists ascend from the head (off: "
                           "head insertion, as 3.11)"),
      flag("pcp_high_orders", "per-CPU lists also for orders 1..3 and pageblock_order (off: "
                              "order 0 only, as 3.11)"),
      flag("free_factor", "nr_pcp_free doubles the drain while frees run without allocations, "
                          "and a free of order 1..3 then drains everything"),
  };
}

// One switch per upstream series between 6.1 and 6.18 (docs/kernel-6.18.md).
std::vector<PolicyKey> linux_6_18_keys() {
  const auto flag = [](const char* name, bool on, const char* what) {
    return PolicyKey{std::string("linux_6_18.") + name, KeyKind::flag, on, what};
  };
  return {
      flag("hygiene", true,
           "6.10 free-list hygiene: per-CPU drains use the pageblock's current type, a merge "
           "at pageblock order re-types the buddy, larger frees go pageblock by pageblock (off: "
           "6.1's cached types and merges)"),
      flag("claim_steal", true,
           "6.15 fallback: claim a whole pageblock (largest first) or steal exactly the request "
           "(smallest first), remembered for the rest of a refill (off: the 6.10-6.14 "
           "__rmqueue_fallback)"),
      flag("defrag_mode", false,
           "vm.defrag_mode=1 (6.15): ALLOC_NOFRAGMENT on every attempt, dropped only when the "
           "request would fail"),
      flag("pcp_autotune", true,
           "6.7 per-CPU high auto-tuning between high_min and high_max (off: high fixed at "
           "high_min, as percpu_pagelist_high_fraction does)"),
      flag("highatomic", true,
           "ALLOC_HIGHATOMIC requests (gfp: __GFP_HIGH, non-blocking, order > 0) reserve "
           "HIGHATOMIC pageblocks (6.8+ limit) and use them first (off: gfp is ignored)"),
  };
}

std::vector<PolicyInfo> build_registry() {
  return {
      {"stock",
       "Linux 3.11 page allocator: LIFO buddy lists, __rmqueue_fallback stealing with "
       "pageblock claims, MIGRATE_RESERVE, per-CPU lists",
       {kReservePageblocks},
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<StockPolicy>(zone, config);
       },
       true,
       {},
       false,
       true},
      {"region-aware",
       "Bhat's v4 memory power management design (no evacuation): region-sorted lists, a region "
       "allocator behind the page allocator, loan-only stealing",
       {kReservePageblocks,
        {"region_aware.sorted_freelists", KeyKind::flag, true,
         "keep each free list grouped by region in increasing order, anchor per region (v4 06)"},
        {"region_aware.lower_region_bias", KeyKind::flag, true,
         "__rmqueue_smallest splits a larger block in a lower region first (v4 15)"},
        {"region_aware.region_allocator", KeyKind::flag, true,
         "return wholly free regions to a region allocator, grant them before any fallback "
         "(v4 25/26)"},
        {"region_aware.retype_regions", KeyKind::flag, true,
         "a granted region's pageblocks take the requester's migratetype (v4 32)"},
        {"region_aware.loan_only_stealing", KeyKind::flag, true,
         "fallback stealing moves free pages but never claims pageblocks (v4 31)"},
        {"region_aware.ra_cache", KeyKind::flag, true,
         "keep a region on a list whose head and tail share a region (v4 33)"}},
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<RegionAwarePolicy>(zone, config);
       },
       true},
      {"linux-6.1",
       "Linux 6.1.192 page allocator (Debian 12): per-order per-CPU lists with free_factor, "
       "steal-then-retry fallbacks with the alike claim rule and find_smallest, HIGHATOMIC "
       "reserves from gfp, tail moves and ascending boot lists (docs/kernel-6.1.md)",
       linux_6_1_keys(),
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<Linux61Policy>(zone, config);
       },
       false,
       {{"zone.pageblock_order", 9}, {"zone.max_order", 11}},
       false,
       true},
      {"linux-6.18",
       "Linux 6.18 page allocator: auto-tuned per-CPU lists (6.7), free-list hygiene (6.10), "
       "claim-or-steal fallbacks with the refill mode memo (6.15), optional defrag_mode "
       "(docs/kernel-6.18.md)",
       linux_6_18_keys(),
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<Linux618Policy>(zone, config);
       },
       false,
       {{"zone.pageblock_order", 9}, {"zone.max_order", 11}},
       false,
       true},
      {"recorded",
       "the recording kernel's own placements: every allocation at its traced pfn, the free and "
       "per-CPU lists following the buddy-level events (ftrace input, or traces with pfns)",
       {},
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<RecordedPolicy>(zone, config);
       },
       false,
       {},
       true},
  };
}

std::string names_where(bool (*keep)(const PolicyInfo&)) {
  std::string names;
  for (const PolicyInfo& info : policy_registry())
    if (keep(info)) names += (names.empty() ? "" : ", ") + info.name;
  return names;
}

std::string known_names() {
  return names_where([](const PolicyInfo&) { return true; });
}

} // namespace

bool PolicyInfo::owns(std::string_view key) const {
  return std::any_of(keys.begin(), keys.end(), [&](const PolicyKey& k) { return k.key == key; });
}

bool PolicyInfo::owns_namespace(std::string_view ns) const {
  return std::any_of(keys.begin(), keys.end(), [&](const PolicyKey& k) {
    return k.key.size() > ns.size() && k.key.starts_with(ns) && k.key[ns.size()] == '.';
  });
}

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> registry = build_registry();
  return registry;
}

// Every owned key once, in registry order (core/config.hpp declares it: the config layers
// check and store these keys without knowing the policies).
const std::vector<PolicyKey>& policy_keys() {
  static const std::vector<PolicyKey> keys = [] {
    std::vector<PolicyKey> out;
    for (const PolicyInfo& info : policy_registry())
      for (const PolicyKey& key : info.keys)
        if (std::none_of(out.begin(), out.end(),
                         [&](const PolicyKey& k) { return k.key == key.key; }))
          out.push_back(key);
    return out;
  }();
  return keys;
}

const PolicyInfo& find_policy(std::string_view name, std::string_view origin) {
  for (const PolicyInfo& info : policy_registry())
    if (info.name == name) return info;
  const std::string prefix = origin.empty() ? std::string() : std::string(origin) + ": ";
  throw InputError(fmt::format("{}unknown policy \"{}\" (known: {})", prefix, name, known_names()));
}

Config policy_config(const ConfigBuilder& layers, std::string_view policy) {
  return layers.with_defaults(find_policy(policy).zone_defaults);
}

std::unique_ptr<Policy> make_policy(std::string_view name, Zone& zone, const Config& config) {
  return find_policy(name).make(zone, config);
}

bool policy_follows_trace(std::string_view name) {
  for (const PolicyInfo& info : policy_registry())
    if (info.name == name) return info.follows_trace;
  return false;
}

std::string predicting_policy_names() {
  return names_where([](const PolicyInfo& info) { return info.predicts; });
}

const std::string& default_policy() {
  return policy_registry().front().name;
}

std::string default_compare_policies() {
  std::string out;
  for (const PolicyInfo& info : policy_registry())
    if (info.compared_by_default) out += (out.empty() ? "" : ",") + info.name;
  return out;
}

void check_key_owners(const std::vector<std::string>& touched,
                      const std::vector<std::string>& run_policies) {
  for (const std::string& ns : touched) {
    const bool owned = std::any_of(run_policies.begin(), run_policies.end(), [&](const auto& p) {
      return find_policy(p).owns_namespace(ns);
    });
    if (owned) continue;
    std::string owners;
    for (const PolicyInfo& info : policy_registry())
      if (info.owns_namespace(ns)) owners += (owners.empty() ? "" : " or ") + info.name;
    throw InputError(
        fmt::format("{}.* keys need the {} policy, which no run here uses", ns, owners));
  }
}

} // namespace memsim
