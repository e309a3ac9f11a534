// Parsing compare's --policies entries and layering each entry's overrides onto the shared
// config (compare_plan.hpp). A bare override key names one of the policy's switches from the
// registry; a dotted one is any config key but another policy's switch.
#include "sim/compare_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/registry.hpp"

namespace memsim {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string entry_origin(std::string_view entry) {
  return fmt::format("--policies entry \"{}\"", entry);
}

const PolicyInfo& entry_policy(std::string_view name, std::string_view entry) {
  return find_policy(name, entry_origin(entry));
}

// A policy's switches are its flag keys; they may be named without their namespace.
std::string switch_names(const PolicyInfo& info) {
  std::string names;
  for (const PolicyKey& key : info.keys)
    if (key.kind == KeyKind::flag)
      names += (names.empty() ? "" : ", ") + key.key.substr(key.key.find('.') + 1);
  return names.empty() ? "it has none" : "its switches: " + names;
}

// The full config key of an override of `info`'s entry.
std::string override_key(const PolicyInfo& info, std::string_view key, std::string_view entry) {
  const auto dot = key.find('.');
  if (dot == std::string_view::npos) {
    for (const PolicyKey& owned : info.keys)
      if (owned.kind == KeyKind::flag && owned.key.substr(owned.key.find('.') + 1) == key)
        return owned.key;
    throw InputError(fmt::format("{}: {} has no switch \"{}\" ({})", entry_origin(entry), info.name,
                                 key, switch_names(info)));
  }
  const std::string_view ns = key.substr(0, dot);
  if (!info.owns_namespace(ns)) {
    for (const PolicyInfo& other : policy_registry()) {
      if (other.owns_namespace(ns))
        throw InputError(fmt::format("{}: {}.* keys belong to the {} policy, not to {}",
                                     entry_origin(entry), ns, other.name, info.name));
    }
  }
  return std::string(key);
}

// An entry's overrides may make the zone impossible: say which entry.
void check_geometry(const Config& config, std::string_view entry) {
  try {
    resolve_geometry(config);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", entry_origin(entry), e.what()));
  }
}

PolicyEntry parse_entry(std::string_view written) {
  const auto colon = written.find(':');
  PolicyEntry out{std::string(written), std::string(trim(written.substr(0, colon))), {}};
  const PolicyInfo& info = entry_policy(out.policy, written);
  if (colon == std::string_view::npos) return out;
  std::string_view rest = written.substr(colon + 1);
  for (;;) {
    const auto plus = rest.find('+');
    const std::string_view item = rest.substr(0, plus);
    const auto equals = item.find('=');
    const std::string_view key = trim(item.substr(0, equals));
    if (equals == std::string_view::npos || key.empty() || trim(item.substr(equals + 1)).empty())
      throw InputError(fmt::format("{}: bad override \"{}\" (expected key=value, joined by +)",
                                   entry_origin(written), item));
    out.overrides.push_back(
        {override_key(info, key, written), std::string(trim(item.substr(equals + 1)))});
    if (plus == std::string_view::npos) return out;
    rest = rest.substr(plus + 1);
  }
}

} // namespace

std::vector<PolicyEntry> parse_policy_entries(std::string_view list) {
  const std::string_view all = list;
  std::vector<PolicyEntry> entries;
  for (;;) {
    const auto comma = list.find(',');
    const std::string_view written = trim(list.substr(0, comma));
    if (written.empty())
      throw InputError(fmt::format("--policies \"{}\": empty entry (expected NAME or "
                                   "NAME:key=value+key=value, separated by commas)",
                                   all));
    entries.push_back(parse_entry(written));
    if (comma == std::string_view::npos) return entries;
    list = list.substr(comma + 1);
  }
}

void check_switch_layers(const std::vector<PolicyEntry>& entries, const ConfigBuilder& layers) {
  std::vector<std::string> policies;
  for (const PolicyEntry& e : entries) policies.push_back(e.policy);
  check_key_owners(layers.touched_namespaces(), policies);
}

std::vector<CompareRun> plan_compare_runs(const std::vector<PolicyEntry>& entries,
                                          const ConfigBuilder& layers) {
  check_switch_layers(entries, layers);
  std::vector<CompareRun> runs;
  for (const PolicyEntry& entry : entries) {
    resolve_geometry(policy_config(layers, entry.policy)); // the shared layers' own problems
    ConfigBuilder builder = layers;
    for (const PolicyOverride& o : entry.overrides)
      builder.set(o.key, nlohmann::json(o.value), entry_origin(entry.entry));
    Config config = policy_config(builder, entry.policy);
    if (!entry.overrides.empty()) check_geometry(config, entry.entry);
    runs.push_back({entry.entry, entry.policy, std::move(config)});
  }
  return runs;
}

} // namespace memsim
