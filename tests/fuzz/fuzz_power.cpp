// libFuzzer target: the power file reader (src/core/power_model.cpp, parse_power_file) and the
// pricing of what it accepts over a small zone (sim/power_tracker.cpp, price_segments). Every
// input either loads or throws InputError. Seeds: corpus/fuzz_power.
#include <string_view>

#include "fuzz_support.hpp"
#include "memsim/config.hpp"
#include "memsim/power.hpp"
#include "sim/power_tracker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    memsim::Config config;
    config.zone.memory = memsim::Size{4096, true};
    config.power.model = memsim::parse_power_file(text, "power.json");
    if (config.power.model->fixed_mw < 0 || config.power.model->on_mw < 0) std::abort();
    const memsim::PricedSegments priced =
        memsim::price_segments(config, memsim::resolve_geometry(config));
    if (priced.segments == 0) std::abort();
  } catch (const memsim::InputError&) {
  }
  return 0;
}
