// Reading a sweep spec (sweep_spec.hpp): the JSON checked key by key with one-line errors that
// name the place ("SPEC: traces[0].proc_in: ..."), switch grids expanded into compare's
// NAME:key=value+key=value entries, and every entry and --set value tried on a ConfigBuilder so
// that a typo fails here, not in the middle of a cluster job.
#include "sim/sweep_spec.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "sim/compare_plan.hpp"

namespace memsim {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& where, std::string_view message) {
  throw InputError(fmt::format("{}: {}", where, message));
}

// Rejects the keys of `object` that are not in `known`.
void check_keys(const json& object, std::initializer_list<std::string_view> known,
                const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string names;
    for (const std::string_view name : known)
      names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", name);
    fail(where, fmt::format("unknown key \"{}\" (valid keys: {})", key, names));
  }
}

std::string string_at(const json& object, const char* key, const std::string& where,
                      bool required) {
  if (!object.contains(key)) {
    if (required) fail(where, fmt::format("missing \"{}\"", key));
    return {};
  }
  const json& value = object[key];
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    fail(where + "." + key, "expected a non-empty string");
  return value.get<std::string>();
}

SweepTraceSpec parse_trace(const json& item, const std::string& where) {
  if (item.is_string() && !item.get_ref<const std::string&>().empty())
    return {item.get<std::string>(), "", ""};
  if (!item.is_object()) fail(where, "expected {\"path\": ...} or a path");
  check_keys(item, {"path", "proc_in", "proc_expect"}, where);
  return {string_at(item, "path", where, true), string_at(item, "proc_in", where, false),
          string_at(item, "proc_expect", where, false)};
}

// A grid's values: a non-empty array of scalars, or one scalar.
std::vector<json> grid_values(const json& value, const std::string& where) {
  const json list = value.is_array() ? value : json::array({value});
  if (list.empty()) fail(where, "expected a non-empty array of values");
  for (const json& v : list) {
    if (!v.is_string() && !v.is_number() && !v.is_boolean())
      fail(where, fmt::format("{} is not a number, string or boolean", v.dump()));
  }
  return {list.begin(), list.end()};
}

std::vector<SweepGrid> parse_grids(const json& object, const std::string& where) {
  if (!object.is_object()) fail(where, "expected an object of key: [values]");
  std::vector<SweepGrid> grids; // nlohmann::json objects iterate in key order
  for (const auto& [key, value] : object.items())
    grids.push_back({key, grid_values(value, where + "." + key)});
  return grids;
}

// The entry as compare writes it (trimmed), known to the registry, its overrides valid config
// keys and values.
std::string checked_entry(const std::string& entry, const std::string& where) {
  std::vector<PolicyEntry> parsed;
  try {
    parsed = parse_policy_entries(entry);
  } catch (const InputError& e) {
    fail(where, e.what());
  }
  if (parsed.size() != 1) fail(where, fmt::format("\"{}\" is not one policy entry", entry));
  ConfigBuilder builder;
  for (const PolicyOverride& o : parsed.front().overrides)
    builder.set(o.key, json(o.value), fmt::format("{}: \"{}\"", where, entry));
  return parsed.front().entry;
}

// NAME:key=value+key=value for one combination of a policy's grid.
std::string grid_entry(const std::string& name, const std::vector<SweepGrid>& grids,
                       const std::vector<std::size_t>& combination, const std::string& where) {
  std::string entry = name;
  for (std::size_t g = 0; g < grids.size(); ++g) {
    const std::string value = grid_value_text(grids[g].values[combination[g]]);
    if (grids[g].key.find_first_of(",+=: ") != std::string::npos)
      fail(where + ".grid",
           fmt::format("key \"{}\" holds one of , + = : or a space", grids[g].key));
    if (value.empty() || value.find_first_of(",+") != std::string::npos)
      fail(where + ".grid." + grids[g].key,
           fmt::format("value \"{}\" is empty or holds , or +", value));
    entry += fmt::format("{}{}={}", g == 0 ? ":" : "+", grids[g].key, value);
  }
  return entry;
}

void add_policy(const json& item, const std::string& where, std::vector<std::string>& out) {
  std::vector<std::string> entries;
  if (item.is_string()) {
    entries.push_back(item.get<std::string>());
  } else if (item.is_object()) {
    check_keys(item, {"name", "grid"}, where);
    const std::string name = string_at(item, "name", where, true);
    if (name.find(':') != std::string::npos)
      fail(where + ".name", fmt::format("\"{}\": give overrides in \"grid\"", name));
    const std::vector<SweepGrid> grids = item.contains("grid")
                                             ? parse_grids(item["grid"], where + ".grid")
                                             : std::vector<SweepGrid>{};
    if (combination_count(grids) > kMaxSweepRuns)
      fail(where + ".grid", fmt::format("more than {} combinations", kMaxSweepRuns));
    for (const auto& combination : grid_combinations(grids))
      entries.push_back(grid_entry(name, grids, combination, where));
  } else {
    fail(where, "expected a policy entry \"NAME\" or {\"name\": ..., \"grid\": {...}}");
  }
  for (std::string& entry : entries) {
    entry = checked_entry(entry, where);
    if (std::find(out.begin(), out.end(), entry) != out.end())
      fail(where, fmt::format("policy entry \"{}\" appears twice", entry));
    out.push_back(entry);
  }
}

bool all_of_chars(std::string_view text, std::string_view allowed_extra) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= '0' && c <= '9') || allowed_extra.find(c) != std::string_view::npos;
  });
}

SweepResources parse_resources(const json& object, const std::string& where) {
  if (!object.is_object()) fail(where, "expected an object");
  check_keys(object, {"cpus", "mem", "time", "partition"}, where);
  SweepResources out;
  if (object.contains("cpus")) {
    const json& cpus = object["cpus"];
    if (!cpus.is_number_unsigned() || cpus.get<std::uint64_t>() == 0)
      fail(where + ".cpus", "expected a positive integer");
    out.cpus = cpus.get<std::uint64_t>();
  }
  out.mem = string_at(object, "mem", where, false);
  std::string_view digits = out.mem;
  if (!digits.empty() && std::string_view("KMGT").find(digits.back()) != std::string_view::npos)
    digits.remove_suffix(1);
  if (!out.mem.empty() && !all_of_chars(digits, ""))
    fail(where + ".mem", fmt::format("\"{}\" is not a Slurm size such as \"4G\"", out.mem));
  out.time = string_at(object, "time", where, false);
  if (!out.time.empty() && (!all_of_chars(out.time, ":-") || out.time.front() == ':' ||
                            out.time.back() == ':' || out.time.back() == '-'))
    fail(where + ".time", fmt::format("\"{}\" is not a Slurm time such as \"00:30:00\"", out.time));
  out.partition = string_at(object, "partition", where, false);
  const auto is_name = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_.,-").find(c) != std::string_view::npos;
  };
  if (!std::all_of(out.partition.begin(), out.partition.end(), is_name))
    fail(where + ".partition", fmt::format("\"{}\" is not a partition name", out.partition));
  return out;
}

// The JSON of the spec, comments allowed.
json parse_document(std::string_view text, const std::string& origin) {
  try {
    return json::parse(text, nullptr, true, true);
  } catch (const json::exception& error) { // parse_error, and out_of_range for 1e999
    std::string_view message = error.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos)
      message.remove_prefix(bracket + 2);
    fail(origin, fmt::format("not valid JSON: {}", message));
  }
}

std::vector<SweepGrid> parse_set(const json& object, const std::string& where) {
  std::vector<SweepGrid> grids = parse_grids(object, where);
  for (const SweepGrid& grid : grids) {
    for (const json& value : grid.values) ConfigBuilder().set(grid.key, value, where);
  }
  return grids;
}

} // namespace

std::string grid_value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::uint64_t combination_count(const std::vector<SweepGrid>& grids) {
  std::uint64_t count = 1;
  for (const SweepGrid& grid : grids)
    count = std::min<std::uint64_t>(count * grid.values.size(), kMaxSweepRuns + 1);
  return count;
}

std::vector<std::vector<std::size_t>> grid_combinations(const std::vector<SweepGrid>& grids) {
  std::vector<std::vector<std::size_t>> out{{}};
  for (const SweepGrid& grid : grids) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& prefix : out) {
      for (std::size_t v = 0; v < grid.values.size(); ++v) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    }
    out = std::move(next);
  }
  return out;
}

SweepSpec parse_sweep_spec(std::string_view text, const std::string& origin) {
  const json doc = parse_document(text, origin);
  if (!doc.is_object()) fail(origin, "not a JSON object");
  if (!doc.contains("memsim_sweep")) fail(origin, "not a sweep spec (no \"memsim_sweep\": 1)");
  if (doc["memsim_sweep"] != 1)
    fail(origin, fmt::format("memsim_sweep {} is not a version this memsim reads (1)",
                             doc["memsim_sweep"].dump()));
  check_keys(doc, {"memsim_sweep", "traces", "policies", "set", "resources"}, origin);
  SweepSpec spec;
  for (const char* key : {"traces", "policies"}) {
    if (!doc.contains(key) || !doc[key].is_array() || doc[key].empty())
      fail(origin, fmt::format("\"{}\": expected a non-empty array", key));
  }
  for (std::size_t i = 0; i < doc["traces"].size(); ++i)
    spec.traces.push_back(parse_trace(doc["traces"][i], fmt::format("{}: traces[{}]", origin, i)));
  for (std::size_t i = 0; i < doc["policies"].size(); ++i)
    add_policy(doc["policies"][i], fmt::format("{}: policies[{}]", origin, i), spec.policies);
  if (doc.contains("set")) spec.set = parse_set(doc["set"], origin + ": set");
  if (doc.contains("resources"))
    spec.resources = parse_resources(doc["resources"], origin + ": resources");
  if (combination_count(spec.set) * spec.policies.size() > kMaxSweepRuns)
    fail(origin, fmt::format("policies x set: more than {} runs per trace", kMaxSweepRuns));
  std::vector<PolicyEntry> entries;
  for (const std::string& entry : spec.policies) entries.push_back(parse_policy_entries(entry)[0]);
  ConfigBuilder layers;
  for (const SweepGrid& grid : spec.set) layers.set(grid.key, grid.values.front(), origin);
  try {
    check_switch_layers(entries, layers);
  } catch (const InputError& e) {
    fail(origin + ": set", e.what());
  }
  return spec;
}

nlohmann::ordered_json sweep_spec_to_json(const SweepSpec& spec) {
  nlohmann::ordered_json out{{"memsim_sweep", 1}};
  out["traces"] = nlohmann::ordered_json::array();
  for (const SweepTraceSpec& t : spec.traces) {
    nlohmann::ordered_json trace{{"path", t.path}};
    if (!t.proc_in.empty()) trace["proc_in"] = t.proc_in;
    if (!t.proc_expect.empty()) trace["proc_expect"] = t.proc_expect;
    out["traces"].push_back(trace);
  }
  out["policies"] = spec.policies;
  if (!spec.set.empty()) {
    out["set"] = nlohmann::ordered_json::object();
    for (const SweepGrid& grid : spec.set) out["set"][grid.key] = grid.values;
  }
  const SweepResources& r = spec.resources;
  nlohmann::ordered_json resources = nlohmann::ordered_json::object();
  if (r.cpus) resources["cpus"] = *r.cpus;
  for (const auto& [key, value] :
       {std::pair{"mem", &r.mem}, {"time", &r.time}, {"partition", &r.partition}})
    if (!value->empty()) resources[key] = *value;
  if (!resources.empty()) out["resources"] = resources;
  return out;
}

SweepSpec read_sweep_spec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read", path));
  return parse_sweep_spec(text.str(), path);
}

} // namespace memsim
