// The one table of policies: name, one-line description and switches. It drives
// `memsim policies`, config validation and the conformance tests.
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/policy.hpp"
#include "policy/region_aware.hpp"
#include "policy/stock.hpp"

namespace memsim {

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> registry{
      {"stock",
       "Linux 3.11 page allocator: LIFO buddy lists, __rmqueue_fallback stealing with "
       "pageblock claims, MIGRATE_RESERVE, per-CPU lists",
       {}},
      {"region-aware",
       "Bhat's v4 memory power management design (no evacuation): region-sorted lists, a region "
       "allocator behind the page allocator, loan-only stealing",
       {{"region_aware.sorted_freelists",
         "keep each free list grouped by region in increasing order, anchor per region (v4 06)"},
        {"region_aware.lower_region_bias",
         "__rmqueue_smallest splits a larger block in a lower region first (v4 15)"},
        {"region_aware.region_allocator", "return wholly free regions to a region allocator, grant "
                                          "them before any fallback (v4 25/26)"},
        {"region_aware.retype_regions",
         "a granted region's pageblocks take the requester's migratetype (v4 32)"},
        {"region_aware.loan_only_stealing",
         "fallback stealing moves free pages but never claims pageblocks (v4 31)"},
        {"region_aware.ra_cache",
         "keep a region on a list whose head and tail share a region (v4 33)"}}},
  };
  return registry;
}

std::unique_ptr<Policy> make_policy(const std::string& name, const Config& config) {
  if (name == "stock") return std::make_unique<StockPolicy>(config);
  if (name == "region-aware") return std::make_unique<RegionAwarePolicy>(config);
  std::string names;
  for (const PolicyInfo& info : policy_registry()) names += (names.empty() ? "" : ", ") + info.name;
  throw InputError(fmt::format("unknown policy \"{}\" (known: {})", name, names));
}

} // namespace memsim
