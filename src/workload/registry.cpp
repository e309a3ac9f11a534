// The one table of workload models (`memsim gen --help` lists it in this order).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "memsim/error.hpp"
#include "workload/workload.hpp"

namespace memsim::workload {

const std::vector<ModelInfo>& models() {
  static const std::vector<ModelInfo> table = {ebizzy_model(), kbuild_model(), pagecache_model(),
                                               random_model()};
  return table;
}

const ModelInfo& find_model(std::string_view name) {
  std::vector<std::string> names;
  for (const ModelInfo& m : models()) {
    if (m.name == name) return m;
    names.push_back(m.name);
  }
  throw InputError(
      fmt::format("memsim gen: unknown workload '{}'; valid: {}", name, fmt::join(names, ", ")));
}

std::unique_ptr<TraceReader> make_generator(std::string_view name, std::uint64_t seed,
                                            const std::vector<std::string>& assignments) {
  const ModelInfo& model = find_model(name);
  const Params params(model.name, model.params, assignments);
  return model.make(params, seed);
}

} // namespace memsim::workload
