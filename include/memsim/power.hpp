// The DRAM energy models of --power (docs/power.md): the built-in presets, priced per GiB from
// public datasheets, and the reader of a power file ({"memsim_power": 1, ...}). The CLI puts the
// model into Config::power; sim/power_tracker.hpp integrates it over a run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memsim/config.hpp"

namespace memsim {

struct PowerPreset {
  std::string_view name;
  std::string_view description;
  double fixed_mw_per_gib = 0; // per GiB of zone
  double on_mw_per_gib = 0;    // per GiB of segment
  double off_mw_per_gib = 0;
};

const std::vector<PowerPreset>& power_presets();

// A preset by name, else the power file at `spec`. Throws InputError ("FILE: message") for an
// unreadable or malformed file; an unknown name that is no file lists the presets.
PowerModel load_power_model(const std::string& spec);

// The power file's text; `origin` names it in errors (fuzzed through this entry point).
PowerModel parse_power_file(std::string_view text, const std::string& origin);

} // namespace memsim
