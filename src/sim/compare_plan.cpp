// Parsing compare's --policies entries and layering each entry's overrides onto the shared
// config (compare_plan.hpp). A bare override key names one of the policy's switches from the
// registry; a dotted one is any config key but another policy's switch.
#include "sim/compare_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/policy.hpp"

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

const PolicyInfo& find_policy(std::string_view name, std::string_view entry) {
  std::string names;
  for (const PolicyInfo& info : policy_registry()) {
    if (info.name == name) return info;
    names += (names.empty() ? "" : ", ") + info.name;
  }
  throw InputError(
      fmt::format("{}: unknown policy \"{}\" (known: {})", entry_origin(entry), name, names));
}

// The policy has switches under "NS." (e.g. region_aware).
bool owns_namespace(const PolicyInfo& info, std::string_view ns) {
  return std::any_of(info.switches.begin(), info.switches.end(), [&](const PolicySwitch& sw) {
    return sw.key.size() > ns.size() && sw.key.starts_with(ns) && sw.key[ns.size()] == '.';
  });
}

std::string switch_names(const PolicyInfo& info) {
  if (info.switches.empty()) return "it has none";
  std::string names;
  for (const PolicySwitch& sw : info.switches)
    names += (names.empty() ? "" : ", ") + sw.key.substr(sw.key.find('.') + 1);
  return "its switches: " + names;
}

// The full config key of an override of `info`'s entry.
std::string override_key(const PolicyInfo& info, std::string_view key, std::string_view entry) {
  const auto dot = key.find('.');
  if (dot == std::string_view::npos) {
    for (const PolicySwitch& sw : info.switches)
      if (sw.key.substr(sw.key.find('.') + 1) == key) return sw.key;
    throw InputError(fmt::format("{}: {} has no switch \"{}\" ({})", entry_origin(entry), info.name,
                                 key, switch_names(info)));
  }
  const std::string_view ns = key.substr(0, dot);
  if (!owns_namespace(info, ns)) {
    for (const PolicyInfo& other : policy_registry()) {
      if (owns_namespace(other, ns))
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
  const PolicyInfo& info = find_policy(out.policy, written);
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
  const bool region_aware = std::any_of(entries.begin(), entries.end(), [](const PolicyEntry& e) {
    return owns_namespace(find_policy(e.policy, e.entry), "region_aware");
  });
  if (layers.touched_region_aware() && !region_aware)
    throw InputError("region_aware.* keys need the region-aware policy, which no run here uses");
}

std::vector<CompareRun> plan_compare_runs(const std::vector<PolicyEntry>& entries,
                                          const ConfigBuilder& layers) {
  check_switch_layers(entries, layers);
  resolve_geometry(layers.config());
  std::vector<CompareRun> runs;
  for (const PolicyEntry& entry : entries) {
    ConfigBuilder builder = layers;
    for (const PolicyOverride& o : entry.overrides)
      builder.set(o.key, nlohmann::json(o.value), entry_origin(entry.entry));
    if (!entry.overrides.empty()) check_geometry(builder.config(), entry.entry);
    runs.push_back({entry.entry, entry.policy, builder.config()});
  }
  return runs;
}

} // namespace memsim
