// The checked reading of a stats document (report/report_input.cpp, high_order_report.cpp): a
// JSON object with the path that led to it, so that a missing or mistyped value is a one-line
// InputError naming the document and the value's JSON path ("ORIGIN: runs[1].summary.x: ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/error.hpp"

namespace memsim {

class JsonNode {
public:
  JsonNode(const nlohmann::ordered_json& value, std::string origin, std::string path)
      : value_(value), origin_(std::move(origin)), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(fmt::format("{}: {}: {}", origin_, name(key), what));
  }
  const nlohmann::ordered_json& get(const std::string& key) const {
    const auto it = value_.find(key);
    if (it == value_.end()) fail(key, "missing");
    return *it;
  }
  JsonNode object(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_object()) fail(key, "expected an object");
    return JsonNode(v, origin_, name(key));
  }
  const nlohmann::ordered_json& array(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_array()) fail(key, "expected an array");
    return v;
  }
  JsonNode element(const std::string& key, std::size_t i) const {
    const nlohmann::ordered_json& v = array(key)[i];
    const std::string where = fmt::format("{}[{}]", key, i);
    if (!v.is_object()) fail(where, "expected an object");
    return JsonNode(v, origin_, name(where));
  }
  std::uint64_t u64(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_number_unsigned()) fail(key, "expected an unsigned integer");
    return v.get<std::uint64_t>();
  }
  double number(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_number()) fail(key, "expected a number");
    return v.get<double>();
  }
  std::optional<double> number_or_null(const std::string& key) const {
    if (get(key).is_null()) return std::nullopt;
    return number(key);
  }
  std::string string(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
  }
  bool boolean(const std::string& key) const {
    const nlohmann::ordered_json& v = get(key);
    if (!v.is_boolean()) fail(key, "expected true or false");
    return v.get<bool>();
  }
  std::vector<std::uint64_t> u64_array(const std::string& key) const {
    std::vector<std::uint64_t> out;
    for (const auto& v : array(key)) {
      if (!v.is_number_unsigned()) fail(key, "expected an array of unsigned integers");
      out.push_back(v.get<std::uint64_t>());
    }
    return out;
  }
  std::vector<double> number_array(const std::string& key) const {
    std::vector<double> out;
    for (const auto& v : array(key)) {
      if (!v.is_number()) fail(key, "expected an array of numbers");
      out.push_back(v.get<double>());
    }
    return out;
  }
  // {"name": count, ...} in document order.
  std::vector<std::pair<std::string, std::uint64_t>> counts(const std::string& key) const {
    const JsonNode node = object(key);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& [name, v] : node.value_.items()) out.emplace_back(name, node.u64(name));
    return out;
  }
  const nlohmann::ordered_json& value() const { return value_; }

private:
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const nlohmann::ordered_json& value_;
  std::string origin_;
  std::string path_;
};

} // namespace memsim
