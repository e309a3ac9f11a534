// The one configuration aggregate (docs/spec.md §2), nested like its JSON form, and the layered
// loader: built-in defaults < a policy's own defaults < trace header < --config FILE < --set
// key=value < per-policy overrides. Unknown keys are errors that list the valid ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace memsim {

// A size as written: bytes ("16GiB") or a bare number of pages, resolved against page_size.
struct Size {
  std::uint64_t value = 0;
  bool in_pages = false;
  std::uint64_t bytes(std::uint64_t page_size) const; // throws InputError on overflow
};

// Where regions are counted from (docs/power.md): the zone's first page (as the patchset does)
// or physical address 0, so that regions match the machine's physical segments.
enum class RegionOrigin : std::uint8_t { zone, physical };

struct ZoneConfig {
  Size memory{4ULL << 30, false};
  std::uint64_t start_pfn = 0;
  std::uint64_t page_size = 4096;
  unsigned max_order = 11; // MAX_ORDER: orders 0 .. max_order-1
  unsigned pageblock_order = 10;
  Size region_size{512ULL << 20, false};
  RegionOrigin region_origin = RegionOrigin::zone;
  unsigned cpus = 1;
  std::optional<std::uint64_t> managed_pages; // unset: the policy's formula (--proc-in: zoneinfo)
};

struct PcpConfig {
  bool enabled = true;
  std::optional<unsigned> batch; // unset: zone_batchsize()
  std::optional<unsigned> high;  // unset: 6 * batch
  // 6.7+ auto-tuning bounds of pcp->high (linux-6.18; other policies do not read them).
  std::optional<unsigned> high_min, high_max; // unset: zone_highsize() with fraction 0 and 8
};

// Zone watermarks in pages (docs/spec.md §7.1); unset: the policy's formula.
struct WatermarkConfig {
  std::optional<std::uint64_t> min, low, high;
};

// The DRAM energy model of --power (docs/power.md): fixed power plus power per segment in each
// priced state. A preset is priced per GiB (`per_gib`) and resolved to the run's geometry.
struct PowerModel {
  std::string name;
  std::string source;               // the power file (or the preset's name), for messages
  std::optional<Size> segment_size; // the power file's; else power.segment_size
  double fixed_mw = 0;              // drawn whatever the segment states
  double on_mw = 0, off_mw = 0;     // per segment
  bool per_gib = false;             // a preset: fixed per GiB of zone, states per GiB of segment
};

// power.* keys (docs/power.md); the model itself comes from --power.
struct PowerConfig {
  std::optional<Size> segment_size;        // unset: the model's, else zone.region_size
  bool drain_pcp = false;                  // per-CPU pages do not keep a segment on
  std::optional<double> events_per_second; // the time base of a trace without `t`
  std::optional<PowerModel> model;         // --power
};

// A key a policy owns (its switches and settings: "region_aware.ra_cache",
// "reserve.pageblocks", ...). The policy registry (policy/registry.cpp) is the one table of
// them; the config layers only check and store their values.
enum class KeyKind : std::uint8_t { flag, count }; // true/false; an unsigned integer
struct PolicyKey {
  std::string key; // dotted: "NAMESPACE.NAME"
  KeyKind kind = KeyKind::flag;
  bool default_flag = true; // a flag's default; a count's default is the policy's formula
  std::string description;
};
// Every key the registered policies own, in the registry's order (defined by
// policy/registry.cpp, which owns the table).
const std::vector<PolicyKey>& policy_keys();

struct Config {
  ZoneConfig zone;
  PcpConfig pcp;
  WatermarkConfig watermark;
  PowerConfig power;
  // Values of policy-owned keys that were set (flags as bool, counts as unsigned), by key.
  std::map<std::string, nlohmann::json, std::less<>> policy_values;

  // A flag's value: as set, else its default in the registry. A count: as set, or nullopt.
  bool policy_flag(std::string_view key) const;
  std::optional<unsigned> policy_count(std::string_view key) const;
};

// The geometry and computed defaults of a config, all resolved (what the stats print).
struct Geometry {
  std::uint64_t pages = 0;         // zone pages
  std::uint64_t region_pages = 0;  // pages per region
  std::uint64_t regions = 0;       // the first (zone.region_origin=physical) and last may be short
  std::uint64_t region_offset = 0; // pages of the first region below the zone (physical origin)
  std::uint64_t pageblock_pages = 0;
  unsigned page_shift = 12;
  unsigned pcp_batch = 1; // the 3.11 formula (D14) unless set
  unsigned pcp_high = 0;
  std::uint64_t min_wmark = 0; // pages: 3.11 WMARK_MIN of __setup_per_zone_wmarks() (D13)
};

// Region r's first page (zone index) and its pages inside the zone.
std::uint64_t region_first_page(const Geometry& g, std::uint64_t r);
std::uint64_t region_present_pages(const Geometry& g, std::uint64_t r);

// Checks a config (sizes, alignment, ranges) and resolves the computed defaults.
// Throws InputError("<origin>: ...") naming the offending key.
Geometry resolve_geometry(const Config& config);

// Every valid dotted key, in a stable order.
const std::vector<std::string>& config_keys();

// A default a policy gives a config key in place of the built-in one (the registry's
// zone_defaults: linux-6.1's zone.pageblock_order 9, ...). It is beneath every layer that sets
// the key.
struct ConfigDefault {
  std::string key; // dotted
  nlohmann::json value;
};

// Layers settings onto a Config. Each set() names where the value came from, for errors.
class ConfigBuilder {
public:
  // Applies one dotted key; `value` is a JSON value (number, string or bool). A string is
  // parsed like a --set value. Throws InputError("<origin>: ...") for unknown keys / bad values.
  void set(std::string_view key, const nlohmann::json& value, std::string_view origin);
  // "key=value" as given to --set.
  void set_assignment(std::string_view assignment, std::string_view origin);
  // The trace header's "zone" object: keys with or without the "zone." prefix (docs/semantics.md
  // D20).
  void apply_header_zone(const nlohmann::json& zone, std::string_view origin);
  // A --config FILE.json, flattened to dotted keys.
  void apply_file(const std::string& path);
  // A nested or flat JSON object, flattened to dotted keys.
  void apply_object(const nlohmann::json& object, std::string_view origin);

  // The namespaces of the policy-owned keys that were set ("region_aware", "reserve", ...).
  const std::vector<std::string>& touched_namespaces() const { return touched_; }
  // Whether a layer set this dotted key.
  bool is_set(std::string_view key) const;
  const Config& config() const { return config_; }
  // The config with `defaults` applied to the keys no layer set (policy_config() in
  // policy/registry.hpp gives a run's config this way).
  Config with_defaults(const std::vector<ConfigDefault>& defaults) const;
  // --power's model (docs/power.md); power_keys_set(): some power.* key was set.
  void set_power_model(PowerModel model) { config_.power.model = std::move(model); }
  bool power_keys_set() const { return power_keys_; }

private:
  Config config_;
  std::vector<std::string> touched_;
  std::vector<std::string> set_keys_;
  bool power_keys_ = false;
};

// Parses "16GiB", "4096B", "512MiB" or a bare integer of pages (JSON number or string).
// Throws InputError("<key>: ...") for fractions, unknown suffixes and negative values.
Size parse_size(const nlohmann::json& value, std::string_view key);

// The effective config as the stats document prints it: the zone and per-CPU sections (sizes
// in bytes, computed defaults resolved); a policy adds its own sections (Policy::config_json).
nlohmann::ordered_json config_to_json(const Config& config, const Geometry& geometry);

} // namespace memsim
