// The one table of policies: name, one-line description, the config keys the policy owns (its
// switches and settings) and its factory. `memsim policies`, config validation, compare's
// per-run overrides, sweeps and the docs all read it; no other file names a policy.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memsim/config.hpp"
#include "policy/policy.hpp"

namespace memsim {

struct PolicyInfo {
  std::string name;
  std::string description;
  std::vector<PolicyKey> keys; // owned keys ("region_aware.ra_cache", "reserve.pageblocks")
  std::function<std::unique_ptr<Policy>(Zone&, const Config&)> make;
  bool compared_by_default = false; // one of compare's default --policies
  // The policy's own defaults of zone keys, beneath the trace header, --config and --set.
  std::vector<ConfigDefault> zone_defaults{};
  // The policy follows the trace's own placements (Policy::follows_trace): readers look ahead
  // for it (FtraceOptions::free_hints) and the simulated-trace suites leave it out.
  bool follows_trace = false;
  // Its decisions can be asked without changing the state (Policy::predictor): --predict.
  bool predicts = false;

  bool owns(std::string_view key) const;
  bool owns_namespace(std::string_view ns) const;
};

const std::vector<PolicyInfo>& policy_registry();
// Throws InputError for an unknown name, listing the valid ones ("<origin>: unknown policy").
const PolicyInfo& find_policy(std::string_view name, std::string_view origin = {});
std::unique_ptr<Policy> make_policy(std::string_view name, Zone& zone, const Config& config);

// A run's config under `policy`: the layers with the policy's zone_defaults beneath them.
Config policy_config(const ConfigBuilder& layers, std::string_view policy);
// Whether the named policy follows the trace (false for an unknown name: the caller's own
// checks report it).
bool policy_follows_trace(std::string_view name);

// The policies --predict takes ("a, b").
std::string predicting_policy_names();

// replay's default --policy and compare's default --policies ("a,b").
const std::string& default_policy();
std::string default_compare_policies();

// Every key of `touched` namespaces (ConfigBuilder::touched_namespaces()) must belong to one of
// the runs' policies: "NS.* keys need the X policy, which no run here uses" otherwise.
void check_key_owners(const std::vector<std::string>& touched,
                      const std::vector<std::string>& run_policies);

} // namespace memsim
