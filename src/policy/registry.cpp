// The one table of policies (registry.hpp). Adding a kernel generation is one row here and one
// file under policy/ that composes the zone's kernel functions.
#include "policy/registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/recorded.hpp"
#include "policy/region_aware.hpp"
#include "policy/stock.hpp"

namespace memsim {

namespace {

const PolicyKey kReservePageblocks{
    "reserve.pageblocks", KeyKind::count, false,
    "MIGRATE_RESERVE pageblocks (default: the 3.11 formula, at most 2)"};

std::vector<PolicyInfo> build_registry() {
  return {
      {"stock",
       "Linux 3.11 page allocator: LIFO buddy lists, __rmqueue_fallback stealing with "
       "pageblock claims, MIGRATE_RESERVE, per-CPU lists",
       {kReservePageblocks},
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<StockPolicy>(zone, config);
       },
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
      {"recorded",
       "the recording kernel's own placements: every allocation at its traced pfn, the free and "
       "per-CPU lists following the buddy-level events (ftrace input, or traces with pfns)",
       {},
       [](Zone& zone, const Config& config) -> std::unique_ptr<Policy> {
         return std::make_unique<RecordedPolicy>(zone, config);
       },
       false,
       true},
  };
}

std::string known_names() {
  std::string names;
  for (const PolicyInfo& info : policy_registry()) names += (names.empty() ? "" : ", ") + info.name;
  return names;
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

std::unique_ptr<Policy> make_policy(std::string_view name, Zone& zone, const Config& config) {
  return find_policy(name).make(zone, config);
}

bool policy_follows_trace(std::string_view name) {
  for (const PolicyInfo& info : policy_registry())
    if (info.name == name) return info.follows_trace;
  return false;
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
