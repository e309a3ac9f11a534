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

#include "memsim/config.hpp"
#include "memsim/error.hpp"

namespace memsim {
namespace {

using nlohmann::json;

constexpr std::string_view kSizeHint =
    "(use an integer with B, KiB, MiB, GiB, TiB or the kernel's K, M, G, T, or a number of pages)";

// A value as messages show it: JSON text, any invalid UTF-8 replaced (a --set value or a trace
// header may hold any bytes; a strict dump() would throw instead of naming the bad value).
std::string shown(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A JSON value that holds a non-negative integer (nlohmann keeps C++ ints as number_integer).
std::optional<std::uint64_t> json_unsigned(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  return std::nullopt;
}

// The length of the leading number of `text`: decimal digits, or "0x" and hex digits (as the
// kernel's memparse and simple_strtoull take them).
std::size_t number_length(std::string_view text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string_view digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
  const std::size_t begin = hex ? 2 : 0;
  return std::min(text.find_first_not_of(digits, begin), text.size());
}

// Whole-string decimal (or 0x hex) digits into `out`: std::errc{} on success,
// result_out_of_range when too large, invalid_argument for anything else (an empty string too).
std::errc parse_digits(std::string_view text, std::uint64_t& out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out, base);
  if (ec == std::errc{} && ptr != end) return std::errc::invalid_argument;
  return ec;
}

std::uint64_t parse_u64(const json& value, const std::string& where) {
  if (auto number = json_unsigned(value)) return *number;
  if (value.is_string()) {
    std::uint64_t number = 0;
    const std::errc ec = parse_digits(value.get_ref<const std::string&>(), number);
    if (ec == std::errc{}) return number;
    if (ec == std::errc::result_out_of_range) {
      throw InputError(fmt::format("{}: {} is too large", where, shown(value)));
    }
  }
  throw InputError(fmt::format("{}: {} is not an unsigned integer", where, shown(value)));
}

unsigned parse_unsigned(const json& value, const std::string& where) {
  const std::uint64_t number = parse_u64(value, where);
  if (number > UINT_MAX) {
    throw InputError(fmt::format("{}: {} is too large", where, shown(value)));
  }
  return static_cast<unsigned>(number);
}

bool parse_bool(const json& value, const std::string& where) {
  if (value.is_boolean()) return value.get<bool>();
  if (value == "true") return true;
  if (value == "false") return false;
  throw InputError(fmt::format("{}: {} is not true or false", where, shown(value)));
}

// The suffix multipliers of a size, exactly as spelled (docs/spec.md §2): the binary units and
// the letters of the kernel's memparse() (lib/cmdline.c, either case).
std::optional<std::uint64_t> size_multiplier(std::string_view suffix) {
  constexpr std::array<std::pair<std::string_view, unsigned>, 13> units{{{"B", 0},
                                                                         {"KiB", 10},
                                                                         {"MiB", 20},
                                                                         {"GiB", 30},
                                                                         {"TiB", 40},
                                                                         {"K", 10},
                                                                         {"M", 20},
                                                                         {"G", 30},
                                                                         {"T", 40},
                                                                         {"k", 10},
                                                                         {"m", 20},
                                                                         {"g", 30},
                                                                         {"t", 40}}};
  for (const auto& [name, shift] : units) {
    if (suffix == name) return std::uint64_t{1} << shift;
  }
  return std::nullopt;
}

// "1GB", "4kb": 10^n or 2^n bytes? Refused, naming the two spellings that are not ambiguous.
void refuse_si_suffix(const json& value, std::string_view key, std::string_view number,
                      std::string_view suffix) {
  if (suffix.size() != 2 || (suffix[1] != 'B' && suffix[1] != 'b') ||
      std::string_view("KMGTkmgt").find(suffix[0]) == std::string_view::npos)
    return;
  const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
  throw InputError(fmt::format("{}: {} is ambiguous (decimal or binary?): write {}{} or {}{}iB "
                               "(binary, as the kernel's memparse reads {}{}), or the bytes",
                               key, shown(value), number, letter, number, letter, number, letter));
}

Size parse_size_string(const json& value, std::string_view key) {
  const std::string_view text = value.get_ref<const std::string&>();
  const std::size_t split = number_length(text);
  if (split != 0 && split < text.size())
    refuse_si_suffix(value, key, text.substr(0, split), text.substr(split));
  const std::optional<std::uint64_t> multiplier =
      split == text.size() ? std::optional<std::uint64_t>{1} : size_multiplier(text.substr(split));
  std::uint64_t number = 0;
  const std::errc ec = parse_digits(text.substr(0, split), number);
  if (multiplier && (ec == std::errc::result_out_of_range ||
                     (ec == std::errc{} && number > UINT64_MAX / *multiplier))) {
    throw InputError(fmt::format("{}: {} is too large", key, shown(value)));
  }
  if (!multiplier || ec != std::errc{}) {
    throw InputError(fmt::format("{}: {} is not a whole size {}", key, shown(value), kSizeHint));
  }
  if (split == text.size()) return Size{number, true};
  return Size{number * *multiplier, false};
}

// Parsing into a field, by the field's type.
void parse_into(Size& field, const json& v, const std::string& where) {
  field = parse_size(v, where);
}
void parse_into(std::uint64_t& field, const json& v, const std::string& where) {
  field = parse_u64(v, where);
}
void parse_into(unsigned& field, const json& v, const std::string& where) {
  field = parse_unsigned(v, where);
}
void parse_into(std::optional<unsigned>& field, const json& v, const std::string& where) {
  field = parse_unsigned(v, where);
}
void parse_into(std::optional<std::uint64_t>& field, const json& v, const std::string& where) {
  field = parse_u64(v, where);
}
void parse_into(bool& field, const json& v, const std::string& where) {
  field = parse_bool(v, where);
}
void parse_into(std::optional<Size>& field, const json& v, const std::string& where) {
  field = parse_size(v, where);
}
// A positive decimal number (JSON number or string), such as power.events_per_second.
void parse_into(std::optional<double>& field, const json& v, const std::string& where) {
  double number = v.is_number() ? v.get<double>() : 0;
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end != text.data() + text.size()) number = 0;
  }
  if (!std::isfinite(number) || number <= 0)
    throw InputError(fmt::format("{}: {} is not a positive number", where, shown(v)));
  field = number;
}
void parse_into(RegionOrigin& field, const json& v, const std::string& where) {
  if (v != "zone" && v != "physical")
    throw InputError(fmt::format("{}: {} is not zone or physical", where, shown(v)));
  field = v == "zone" ? RegionOrigin::zone : RegionOrigin::physical;
}

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
constexpr std::array<KeyField, 18> kKeys{{
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
