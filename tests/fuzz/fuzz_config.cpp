// libFuzzer target: the config loader (src/core/config.cpp, geometry.cpp). The input is a
// --config FILE.json (apply_file), then each of its lines is a --set key=value, then a trace
// header "zone" object when it parses as JSON; every config that loads is resolved
// (resolve_geometry) and printed (config_to_json) as the stats do. Seeds: corpus/fuzz_config.
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "memsim/config.hpp"

namespace {

void resolve_and_print(const memsim::ConfigBuilder& builder) {
  try {
    const memsim::Geometry geometry = memsim::resolve_geometry(builder.config());
    if (geometry.pages == 0 || geometry.region_pages == 0) std::abort();
    (void)memsim::config_to_json(builder.config(), geometry).dump();
  } catch (const memsim::InputError&) {
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("config");
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    memsim::ConfigBuilder builder;
    try {
      builder.apply_file(file.write(data, size));
      resolve_and_print(builder);
    } catch (const memsim::InputError&) {
    }
  }
  {
    memsim::ConfigBuilder builder;
    std::size_t start = 0;
    try {
      while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        builder.set_assignment(std::string_view(text).substr(start, end - start), "--set");
        start = end + 1;
      }
      resolve_and_print(builder);
    } catch (const memsim::InputError&) {
    }
  }
  const nlohmann::json zone = nlohmann::json::parse(text, nullptr, false);
  if (!zone.is_discarded()) {
    memsim::ConfigBuilder builder;
    try {
      builder.apply_header_zone(zone, "trace.jsonl:1");
      resolve_and_print(builder);
    } catch (const memsim::InputError&) {
    }
  }
  return 0;
}
