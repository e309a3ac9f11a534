// Model parameters of `memsim gen --set name=value`: defaults from the model's table, values
// checked by kind when the model reads them, unknown names rejected with the valid ones listed
// (as config keys are).
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "workload/workload.hpp"

namespace memsim::workload {

Params::Params(std::string model, std::vector<ParamSpec> specs,
               const std::vector<std::string>& assignments)
    : model_(std::move(model)), specs_(std::move(specs)) {
  for (const ParamSpec& s : specs_) values_[s.name] = s.default_value;
  for (const std::string& assignment : assignments) {
    const std::size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError(fmt::format("--set {}: expected name=value", assignment));
    }
    const std::string name = assignment.substr(0, eq);
    if (!values_.contains(name)) {
      std::vector<std::string> names;
      for (const ParamSpec& s : specs_) names.push_back(s.name);
      throw InputError(fmt::format("--set {}: unknown parameter '{}' of model {}; valid: {}",
                                   assignment, name, model_, fmt::join(names, ", ")));
    }
    values_[name] = assignment.substr(eq + 1);
  }
  for (const ParamSpec& s : specs_) { // check every value now, not when first read
    if (s.kind == ParamKind::size)
      bytes(s.name);
    else if (s.kind == ParamKind::count)
      count(s.name);
    else
      real(s.name);
  }
}

const ParamSpec& Params::spec(std::string_view name) const {
  for (const ParamSpec& s : specs_)
    if (s.name == name) return s;
  throw InternalError(fmt::format("model {} has no parameter {}", model_, name));
}

std::string Params::origin(std::string_view name) const {
  return fmt::format("{} parameter {}", model_, name);
}

std::uint64_t Params::bytes(std::string_view name) const {
  const Size size = parse_size(nlohmann::json(values_.at(std::string(name))), origin(name));
  return size.bytes(4096);
}

std::uint64_t Params::count(std::string_view name) const {
  const std::string& text = values_.at(std::string(name));
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    throw InputError(fmt::format("{}: '{}' is not an unsigned integer", origin(name), text));
  }
  return value;
}

double Params::real(std::string_view name) const {
  const std::string& text = values_.at(std::string(name));
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    throw InputError(fmt::format("{}: '{}' is not a non-negative number", origin(name), text));
  }
  if (spec(name).kind == ParamKind::fraction && value > 1) {
    throw InputError(fmt::format("{}: '{}' is not a fraction between 0 and 1", origin(name), text));
  }
  return value;
}

std::vector<ParamSpec> geometry_params(std::string memory, std::string cpus) {
  return {
      {"memory", ParamKind::size, std::move(memory), "zone size (trace header zone.memory)"},
      {"cpus", ParamKind::count, std::move(cpus), "CPUs (zone.cpus; the events' cpu field)"},
      {"region_size", ParamKind::size, "512MiB", "region size (zone.region_size)"},
      {"pageblock_order", ParamKind::count, "10", "pageblock order (zone.pageblock_order)"},
  };
}

} // namespace memsim::workload
