// The --power models (include/memsim/power.hpp): presets derived from datasheet currents and the
// strict reader of a power file (docs/power.md "Power file"). Every error names the file and the
// field: "FILE: segment_mw.on: -1 is negative".
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/error.hpp"
#include "memsim/power.hpp"

namespace memsim {
namespace {

// Mobile DDR die (Samsung K4X1G163PC, 1 Gb, VDD 1.8 V): IDD6 at 85 °C 1200 µA full array, 900 µA
// half, 750 µA quarter: 600 µA fixed plus 600 µA across the refreshed array, per 128 MiB die.
constexpr double kPasrShareMwPerGib = 0.600 * 1.8 * 8;
// DDR4 device (DRAMPower memspec MICRON_4Gb_DDR4-2400_8bit_A, VDD 1.2 V, two 4 Gb devices per
// GiB): IDD3N 44.0 mA active standby, IDD6 20.25 mA self-refresh, IDD2P 17.0 mA power-down.
constexpr double kDdr4DevicesPerGib = 2;
constexpr double kDdr4Idd3nMw = 44.0 * 1.2;
constexpr double kDdr4Idd6Mw = 20.25 * 1.2;
constexpr double kDdr4Idd2pMw = 17.0 * 1.2;

const std::vector<std::string_view> kFileKeys = {"memsim_power", "name",     "description",
                                                 "segment_size", "fixed_mw", "segment_mw"};

std::string shown(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

double milliwatts(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number())
    throw InputError(fmt::format("{}: {} is not a number of milliwatts", where, shown(value)));
  const double mw = value.get<double>();
  if (!std::isfinite(mw) || mw < 0)
    throw InputError(fmt::format("{}: {} is negative or not finite", where, shown(value)));
  return mw;
}

void check_keys(const nlohmann::json& object, const std::vector<std::string_view>& valid,
                const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const std::string_view name : valid) known = known || key == name;
    if (known) continue;
    std::string list;
    for (const std::string_view name : valid)
      list += fmt::format("{}{}", list.empty() ? "" : ", ", name);
    throw InputError(fmt::format("{}unknown key \"{}\"; valid keys: {}", where, key, list));
  }
}

void read_segment_mw(const nlohmann::json& doc, const std::string& origin, PowerModel& model) {
  if (!doc.contains("segment_mw"))
    throw InputError(fmt::format("{}: segment_mw is missing (per segment: {{\"on\": mW, \"off\": "
                                 "mW}})",
                                 origin));
  const nlohmann::json& states = doc["segment_mw"];
  if (!states.is_object())
    throw InputError(fmt::format("{}: segment_mw: {} is not an object", origin, shown(states)));
  check_keys(states, {"on", "off"}, origin + ": segment_mw: ");
  for (const char* state : {"on", "off"})
    if (!states.contains(state))
      throw InputError(fmt::format("{}: segment_mw.{} is missing", origin, state));
  model.on_mw = milliwatts(states["on"], origin + ": segment_mw.on");
  model.off_mw = milliwatts(states["off"], origin + ": segment_mw.off");
}

std::string read_text(const std::string& path) {
  if (std::filesystem::is_directory(path))
    throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(EISDIR)));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string presets;
    for (const PowerPreset& p : power_presets())
      presets += fmt::format("{}{}", presets.empty() ? "" : ", ", p.name);
    throw InputError(fmt::format("{}: cannot open: {} (--power takes a preset: {}, or a power "
                                 "file)",
                                 path, std::strerror(errno), presets));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read", path));
  return text.str();
}

} // namespace

const std::vector<PowerPreset>& power_presets() {
  static const std::vector<PowerPreset> presets = {
      {"lpddr-pasr",
       "mobile LPDDR in self-refresh with partial-array self-refresh: half of the self-refresh "
       "current is fixed, half scales with the refreshed segments (Samsung K4X1G163PC IDD6)",
       kPasrShareMwPerGib, kPasrShareMwPerGib, 0.0},
      {"ddr4-rank",
       "server DDR4: a used segment in active standby (IDD3N), an unused one in self-refresh "
       "(IDD6) (DRAMPower MICRON_4Gb_DDR4-2400_8bit_A)",
       0.0, kDdr4Idd3nMw * kDdr4DevicesPerGib, kDdr4Idd6Mw * kDdr4DevicesPerGib},
      {"ddr4-rank-pd",
       "server DDR4: a used segment in active standby (IDD3N), an unused one in precharge "
       "power-down (IDD2P) (DRAMPower MICRON_4Gb_DDR4-2400_8bit_A)",
       0.0, kDdr4Idd3nMw * kDdr4DevicesPerGib, kDdr4Idd2pMw * kDdr4DevicesPerGib},
  };
  return presets;
}

PowerModel parse_power_file(std::string_view text, const std::string& origin) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    std::string_view message = error.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos)
      message.remove_prefix(bracket + 2);
    throw InputError(fmt::format("{}: not valid JSON: {}", origin, message));
  }
  if (!doc.is_object()) throw InputError(fmt::format("{}: not a JSON object", origin));
  if (!doc.contains("memsim_power") || doc["memsim_power"] != 1)
    throw InputError(
        fmt::format("{}: not a memsim power file (\"memsim_power\": 1 is missing)", origin));
  check_keys(doc, kFileKeys, origin + ": ");
  PowerModel model;
  model.name = std::filesystem::path(origin).stem().string();
  model.source = origin;
  if (doc.contains("name")) {
    if (!doc["name"].is_string())
      throw InputError(fmt::format("{}: name: {} is not a string", origin, shown(doc["name"])));
    model.name = doc["name"].get<std::string>();
  }
  if (doc.contains("description") && !doc["description"].is_string())
    throw InputError(
        fmt::format("{}: description: {} is not a string", origin, shown(doc["description"])));
  if (doc.contains("segment_size"))
    model.segment_size = parse_size(doc["segment_size"], origin + ": segment_size");
  if (doc.contains("fixed_mw")) model.fixed_mw = milliwatts(doc["fixed_mw"], origin + ": fixed_mw");
  read_segment_mw(doc, origin, model);
  return model;
}

PowerModel load_power_model(const std::string& spec) {
  for (const PowerPreset& preset : power_presets()) {
    if (preset.name != spec) continue;
    PowerModel model;
    model.name = std::string(preset.name);
    model.source = model.name;
    model.fixed_mw = preset.fixed_mw_per_gib;
    model.on_mw = preset.on_mw_per_gib;
    model.off_mw = preset.off_mw_per_gib;
    model.per_gib = true;
    return model;
  }
  return parse_power_file(read_text(spec), spec);
}

} // namespace memsim
