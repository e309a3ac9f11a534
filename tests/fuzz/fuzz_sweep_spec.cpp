// libFuzzer target: the sweep spec reader and the DIR/plan.json reader (src/sim/sweep_spec.cpp,
// sweep_plan.cpp). The input is a spec; one that reads is written back and must read back to the
// same document. When the input is a JSON object it is also read as a plan.json; a plan that reads
// is written back and must be the same plan. Neither reader touches the file system. Seeds:
// corpus/fuzz_sweep_spec.
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "sim/sweep_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const memsim::SweepSpec spec = memsim::parse_sweep_spec(text, "spec.json");
    const nlohmann::ordered_json written = memsim::sweep_spec_to_json(spec);
    if (memsim::sweep_spec_to_json(memsim::parse_sweep_spec(written.dump(), "again")) != written)
      std::abort();
  } catch (const memsim::InputError&) {
  }
  const auto document = nlohmann::ordered_json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return 0;
  try {
    const memsim::SweepPlan plan = memsim::sweep_plan_from_json(document, "plan.json");
    const nlohmann::ordered_json written = memsim::sweep_plan_to_json(plan);
    if (memsim::sweep_plan_to_json(memsim::sweep_plan_from_json(written, "again")) != written)
      std::abort();
  } catch (const memsim::InputError&) {
  }
  return 0;
}
