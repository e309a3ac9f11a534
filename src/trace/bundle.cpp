// find_recording_bundle() (bundle.hpp): DIR/meta.json's "memsim_record", "trace", "begin" and
// "end" keys, each path relative to DIR.
#include "trace/bundle.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/error.hpp"

namespace memsim::trace {

std::optional<RecordingBundle> find_recording_bundle(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path == "-" || !fs::is_directory(path, ec)) return std::nullopt;
  const std::string meta_path = path + "/meta.json";
  std::ifstream in(meta_path);
  if (!in)
    throw InputError(
        fmt::format("{}: a directory, not a memsim record bundle (no meta.json)", path));
  const nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
  if (!meta.is_object() || !meta.contains("memsim_record") ||
      !meta.value("trace", nlohmann::json()).is_string())
    throw InputError(fmt::format("{}: not a memsim record bundle's meta.json", meta_path));
  const auto part = [&](const char* key) {
    const nlohmann::json value = meta.value(key, nlohmann::json());
    if (!value.is_string()) return std::string();
    const std::string full = path + "/" + value.get<std::string>();
    return fs::exists(full, ec) ? full : std::string();
  };
  RecordingBundle bundle{part("trace"), part("begin"), part("end")};
  if (bundle.trace.empty())
    throw InputError(fmt::format("{}: the bundle's trace ({}) is missing", path,
                                 meta["trace"].get<std::string>()));
  return bundle;
}

} // namespace memsim::trace
