// The versions of the libraries the trace readers link (codecs.hpp: library_versions()), for
// `memsim --version`: the compression libraries as loaded at run time, simdjson as compiled.
#include <fmt/format.h>
#include <lzma.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include "trace/codecs.hpp"

namespace memsim::trace {

std::string library_versions() {
  return fmt::format("simdjson {}.{}.{}, zlib {}, zstd {}, liblzma {}",
                     static_cast<int>(simdjson::SIMDJSON_VERSION_MAJOR),
                     static_cast<int>(simdjson::SIMDJSON_VERSION_MINOR),
                     static_cast<int>(simdjson::SIMDJSON_VERSION_REVISION), zlibVersion(),
                     ZSTD_versionString(), lzma_version_string());
}

} // namespace memsim::trace
