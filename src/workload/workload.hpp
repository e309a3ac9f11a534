// Workload models (docs/spec.md §1 `memsim gen`, §4.6): seeded generators of memsim trace events. A
// model is a TraceReader whose header carries the zone geometry it assumes, so one object feeds
// either `memsim gen` (written out as JSON Lines) or a Simulator in-process (tests, no file). model
// parameters (--set name=value) -> make_generator -> TraceReader::next(Event&).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memsim/trace.hpp"

namespace memsim::workload {

enum class ParamKind { size, count, fraction, real };

struct ParamSpec {
  std::string name;
  ParamKind kind = ParamKind::count;
  std::string default_value;
  std::string help;
};

// A model's parameter values: its defaults overridden by "name=value" assignments. Unknown
// names are errors that list the valid ones; values are checked by kind when read.
class Params {
public:
  Params(std::string model, std::vector<ParamSpec> specs,
         const std::vector<std::string>& assignments);
  std::uint64_t bytes(std::string_view name) const; // sizes; a bare integer is 4 KiB pages
  std::uint64_t count(std::string_view name) const;
  double real(std::string_view name) const; // fractions are checked to lie in [0, 1]
  const std::map<std::string, std::string>& values() const { return values_; }

private:
  const ParamSpec& spec(std::string_view name) const;
  std::string origin(std::string_view name) const;
  std::string model_;
  std::vector<ParamSpec> specs_;
  std::map<std::string, std::string> values_;
};

struct ModelInfo {
  std::string name;
  std::string summary;     // one line
  std::string description; // what it represents and where its ratios come from
  std::vector<ParamSpec> params;
  std::function<std::unique_ptr<TraceReader>(const Params&, std::uint64_t seed)> make;
};

// The one table of models, in `memsim gen --help` order.
const std::vector<ModelInfo>& models();
// Throws InputError listing the models when `name` is none of them.
const ModelInfo& find_model(std::string_view name);
// The generator of model `name` for `seed` and "name=value" assignments.
std::unique_ptr<TraceReader> make_generator(std::string_view name, std::uint64_t seed,
                                            const std::vector<std::string>& assignments);

// The geometry parameters every model takes (they go to the trace header's "zone").
std::vector<ParamSpec> geometry_params(std::string memory, std::string cpus);

// Model factories (one file each).
ModelInfo ebizzy_model();
ModelInfo kbuild_model();
ModelInfo pagecache_model();
ModelInfo random_model();

} // namespace memsim::workload
