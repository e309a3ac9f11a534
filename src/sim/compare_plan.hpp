// The plan of `memsim compare` (docs/spec.md §1): its --policies entries, "NAME" or
// "NAME:key=value+key=value", each becoming one run with its registry policy, its effective
// config (the shared layers, then the entry's overrides: the last word) and the entry as
// written, which is the run's stats "policy". compare.hpp runs the plan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memsim/config.hpp"

namespace memsim {

struct PolicyOverride {
  std::string key; // fully dotted: a bare switch name is resolved to "region_aware.NAME"
  std::string value;
};

struct PolicyEntry {
  std::string entry;  // as written (trimmed)
  std::string policy; // the registry name
  std::vector<PolicyOverride> overrides;
};

// Splits a --policies list at commas and parses each entry. Throws a one-line InputError naming
// the entry for an empty entry, an unknown policy, an override that is not key=value, a bare
// switch the policy does not have, or another policy's switch.
std::vector<PolicyEntry> parse_policy_entries(std::string_view list);

// Throws InputError when `layers` set a region_aware.* key and no entry is region-aware.
void check_switch_layers(const std::vector<PolicyEntry>& entries, const ConfigBuilder& layers);

struct CompareRun {
  std::string entry;  // stats "policy"
  std::string policy; // registry name
  Config config;
};

// Each entry's overrides applied on a copy of `layers` (defaults < the policy's zone_defaults <
// header < --config < --set).
// Throws InputError when `layers` set a region_aware.* key and no entry is region-aware, when
// an override has an unknown key or a bad value, or when a run's zone is impossible.
std::vector<CompareRun> plan_compare_runs(const std::vector<PolicyEntry>& entries,
                                          const ConfigBuilder& layers);

} // namespace memsim
