// Helpers of the trace reader tests: a scratch directory under the system temp dir, whole-trace
// reading into printable event descriptions, and in-memory gzip / zstd / xz compression.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"

namespace memsim::test {

class TempDir {
public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("memsim-trace-test-{:08x}{:08x}", random(), random());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& content) const {
    const std::string file = (path_ / name).string();
    // A new file each time: truncating one in place makes ext4 flush it to disk (auto_da_alloc).
    std::filesystem::remove(file);
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return file;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

// One line per event with every field, so that Catch prints differences readably.
// MEMSIM_SOURCE_DIR/relative, appended in place: GCC 12 -O2 misreports a chain of std::string
// operator+ on a temporary as overflowing (GCC bug 105651).
inline std::string source_file(const std::string& relative) {
  std::string path = MEMSIM_SOURCE_DIR;
  path += '/';
  path += relative;
  return path;
}

inline std::string describe(const Event& e) {
  static constexpr const char* ops[] = {"alloc",          "free",    "mark",
                                        "split",          "probe",   "zone_locked",
                                        "pcpu_drain",     "extfrag", "compaction_begin",
                                        "compaction_end", "migrate", "isolate_freepages"};
  return fmt::format("{} id={} order={}{} mt={} cpu={} t={} cold={} label='{}' pos={}",
                     ops[static_cast<int>(e.op)], e.id, e.order, e.has_order ? "" : "(none)",
                     static_cast<int>(e.mt), e.cpu, e.has_t ? fmt::format("{}", e.t) : "-", e.cold,
                     e.label, e.pos);
}

// Every trace event of a trace (not the buddy-level ones), described; `with_pos` false drops the
// positions (to compare forms).
inline std::vector<std::string> read_all(TraceReader& reader, bool with_pos = true) {
  std::vector<std::string> events;
  Event event;
  while (reader.next(event)) {
    if (!is_trace_event(event.op)) continue;
    if (!with_pos) event.pos = 0;
    events.push_back(describe(event));
  }
  return events;
}

inline std::vector<std::string> read_all(const std::string& path, bool with_pos = true) {
  const auto reader = open_trace(path);
  return read_all(*reader, with_pos);
}

inline std::string gzip_compress(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY); // 15 + 16: gzip wrapper
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::string zstd_compress(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

inline std::string xz_compress(const std::string& data) {
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  std::size_t out_pos = 0;
  lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr,
                          reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                          reinterpret_cast<std::uint8_t*>(out.data()), &out_pos, out.size());
  out.resize(out_pos);
  return out;
}

} // namespace memsim::test
