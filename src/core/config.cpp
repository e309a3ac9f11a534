// The layered config loader (include/memsim/config.hpp): sizes, the table of valid dotted keys
// and the ConfigBuilder that applies defaults < trace header < --config FILE < --set, one key at
// a time, naming the origin of a bad value. Validation of the whole and the computed defaults
// live in geometry.cpp.
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <fmt/format.h>

#include "core/config_values.hpp"
#include "memsim/config.hpp"
#include "memsim/error.hpp"

namespace memsim {
namespace {

using nlohmann::json;
using namespace config_detail;

ZoneConfig& section_of(Config& c, ZoneConfig*) {
  return c.zone;
}
PcpConfig& section_of(Config& c, PcpConfig*) {
  return c.pcp;
}
WatermarkConfig& section_of(Config& c, WatermarkConfig*) {
  return c.watermark;
}
PowerConfig& section_of(Config& c, PowerConfig*) {
  return c.power;
}

// One settable key: its dotted name and the member of its section it sets.
struct KeyField {
  std::string_view key;
  std::variant<Size ZoneConfig::*, std::uint64_t ZoneConfig::*, unsigned ZoneConfig::*,
               std::optional<std::uint64_t> ZoneConfig::*, bool PcpConfig::*,
               std::optional<unsigned> PcpConfig::*,
               std::optional<std::uint64_t> WatermarkConfig::*, RegionOrigin ZoneConfig::*,
               std::optional<Size> PowerConfig::*, bool PowerConfig::*,
               std::optional<double> PowerConfig::*>
      field;
};

// The table of the zone model's keys (docs/spec.md §2); the policies' own keys follow them in
// config_keys() and error messages (policy_keys(), from the registry).
constexpr std::array<KeyField, 20> kKeys{{
    {"zone.memory", &ZoneConfig::memory},
    {"zone.start_pfn", &ZoneConfig::start_pfn},
    {"zone.page_size", &ZoneConfig::page_size},
    {"zone.max_order", &ZoneConfig::max_order},
    {"zone.pageblock_order", &ZoneConfig::pageblock_order},
    {"zone.region_size", &ZoneConfig::region_size},
    {"zone.cpus", &ZoneConfig::cpus},
    {"zone.managed_pages", &ZoneConfig::managed_pages},
    {"zone.region_origin", &ZoneConfig::region_origin},
    {"pcp.enabled", &PcpConfig::enabled},
    {"pcp.batch", &PcpConfig::batch},
    {"pcp.high", &PcpConfig::high},
    {"pcp.high_min", &PcpConfig::high_min},
    {"pcp.high_max", &PcpConfig::high_max},
    {"watermark.min", &WatermarkConfig::min},
    {"watermark.low", &WatermarkConfig::low},
    {"watermark.high", &WatermarkConfig::high},
    {"power.segment_size", &PowerConfig::segment_size},
    {"power.drain_pcp", &PowerConfig::drain_pcp},
    {"power.events_per_second", &PowerConfig::events_per_second},
}};

const PolicyKey* find_policy_key(std::string_view key) {
  for (const PolicyKey& entry : policy_keys())
    if (entry.key == key) return &entry;
  return nullptr;
}

// Parses `value` for `key` into the config; false for a key it does not know.
bool store(Config& config, std::string_view key, const json& value, const std::string& where) {
  for (const KeyField& entry : kKeys) {
    if (entry.key != key) continue;
    std::visit(
        [&]<typename T, typename Section>(T Section::*field) {
          parse_into(section_of(config, static_cast<Section*>(nullptr)).*field, value, where);
        },
        entry.field);
    return true;
  }
  const PolicyKey* owned = find_policy_key(key);
  if (owned == nullptr) return false;
  config.policy_values[std::string(key)] = owned->kind == KeyKind::flag
                                               ? json(parse_bool(value, where))
                                               : json(parse_unsigned(value, where));
  return true;
}

std::string joined_keys(std::string_view prefix) {
  std::string out;
  for (const auto& key : config_keys()) {
    if (!key.starts_with(prefix)) continue;
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Flattens {"zone": {"memory": ...}} to ("zone.memory", ...) pairs, depth first.
void flatten(const json& object, const std::string& prefix,
             std::vector<std::pair<std::string, const json*>>& out) {
  for (const auto& [name, value] : object.items()) {
    std::string key = prefix.empty() ? name : prefix + "." + name;
    if (value.is_object()) {
      flatten(value, key, out);
    } else {
      out.emplace_back(std::move(key), &value);
    }
  }
}

} // namespace

std::uint64_t Size::bytes(std::uint64_t page_size) const {
  if (!in_pages) return value;
  if (page_size != 0 && value > UINT64_MAX / page_size) {
    throw InputError(fmt::format("{} pages of {} bytes overflow 64 bits", value, page_size));
  }
  return value * page_size;
}

Size parse_size(const nlohmann::json& value, std::string_view key) {
  if (auto pages = json_unsigned(value)) return Size{*pages, true};
  if (value.is_string()) return parse_size_string(value, key);
  throw InputError(fmt::format("{}: {} is not a whole size {}", key, shown(value), kSizeHint));
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const KeyField& entry : kKeys) out.emplace_back(entry.key);
    for (const PolicyKey& entry : policy_keys()) out.push_back(entry.key);
    return out;
  }();
  return keys;
}

bool Config::policy_flag(std::string_view key) const {
  if (const auto it = policy_values.find(key); it != policy_values.end())
    return it->second.get<bool>();
  const PolicyKey* owned = find_policy_key(key);
  return owned != nullptr && owned->default_flag;
}

std::optional<unsigned> Config::policy_count(std::string_view key) const {
  if (const auto it = policy_values.find(key); it != policy_values.end())
    return it->second.get<unsigned>();
  return std::nullopt;
}

void ConfigBuilder::set(std::string_view key, const nlohmann::json& value,
                        std::string_view origin) {
  if (store(config_, key, value, fmt::format("{}: {}", origin, key))) {
    if (!is_set(key)) set_keys_.emplace_back(key);
    if (key.starts_with("power.")) power_keys_ = true;
    if (find_policy_key(key) != nullptr) {
      const std::string ns(key.substr(0, key.find('.')));
      if (std::find(touched_.begin(), touched_.end(), ns) == touched_.end()) touched_.push_back(ns);
    }
    return;
  }
  throw InputError(
      fmt::format("{}: unknown key \"{}\"; valid keys: {}", origin, key, joined_keys("")));
}

bool ConfigBuilder::is_set(std::string_view key) const {
  return std::find(set_keys_.begin(), set_keys_.end(), key) != set_keys_.end();
}

Config ConfigBuilder::with_defaults(const std::vector<ConfigDefault>& defaults) const {
  Config out = config_;
  for (const ConfigDefault& d : defaults) {
    if (is_set(d.key)) continue;
    if (!store(out, d.key, d.value, fmt::format("policy default: {}", d.key)))
      throw InternalError(fmt::format("a policy default names the unknown key \"{}\"", d.key));
  }
  return out;
}

void ConfigBuilder::set_assignment(std::string_view assignment, std::string_view origin) {
  const auto equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    throw InputError(fmt::format("{}: \"{}\" is not key=value", origin, assignment));
  }
  const std::string_view key = trim(assignment.substr(0, equals));
  set(key, nlohmann::json(std::string(trim(assignment.substr(equals + 1)))), origin);
}

void ConfigBuilder::apply_header_zone(const nlohmann::json& zone, std::string_view origin) {
  if (!zone.is_object()) {
    throw InputError(fmt::format("{}: \"zone\" is not a JSON object", origin));
  }
  for (const auto& [name, value] : zone.items()) {
    const std::string key = name.starts_with("zone.") ? name : "zone." + name;
    if (std::find(config_keys().begin(), config_keys().end(), key) == config_keys().end()) {
      throw InputError(fmt::format("{}: unknown zone key \"{}\"; valid keys: {}", origin, name,
                                   joined_keys("zone.")));
    }
    set(key, value, origin);
  }
}

void ConfigBuilder::apply_file(const std::string& path) {
  if (std::filesystem::is_directory(path))
    throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(EISDIR)));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read", path));
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& error) { // parse_error, and out_of_range for 1e999
    std::string_view message = error.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos) {
      message.remove_prefix(bracket + 2);
    }
    throw InputError(fmt::format("{}: not valid JSON: {}", path, message));
  }
  if (!document.is_object()) throw InputError(fmt::format("{}: not a JSON object", path));
  apply_object(document, path);
}

void ConfigBuilder::apply_object(const nlohmann::json& object, std::string_view origin) {
  if (!object.is_object()) throw InputError(fmt::format("{}: not a JSON object", origin));
  std::vector<std::pair<std::string, const json*>> entries;
  flatten(object, "", entries);
  for (const auto& [key, value] : entries) set(key, *value, origin);
}

} // namespace memsim
