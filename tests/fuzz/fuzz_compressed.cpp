// libFuzzer target: the compressed wrappers (gzip, zstd, xz; src/trace/codecs.cpp) under the
// trace readers, with their decompression thread. Mode by the first byte: 0-2 put the gzip,
// zstd or xz magic before the rest (the decoder sees damaged streams), 3-5 compress the rest
// with that format (valid streams of any content, split at any block boundary), anything else
// reads the rest as it is (seeds: real .gz/.zst/.xz traces in corpus/fuzz_compressed).
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz_support.hpp"

namespace {

std::string gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
  if (ZSTD_isError(n)) std::abort();
  out.resize(n);
  return out;
}

std::string xz(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  std::size_t pos = 0;
  if (lzma_easy_buffer_encode(
          0, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const std::uint8_t*>(in.data()), in.size(),
          reinterpret_cast<std::uint8_t*>(out.data()), &pos, out.size()) != LZMA_OK)
    std::abort();
  out.resize(pos);
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("compressed");
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const std::string kMagic[] = {std::string("\x1f\x8b", 2),
                                       std::string("\x28\xb5\x2f\xfd", 4),
                                       std::string("\xfd"
                                                   "7zXZ\x00",
                                                   6)};
  std::string bytes;
  switch (data[0]) {
  case 0:
  case 1:
  case 2:
    bytes = kMagic[data[0]] + rest;
    break;
  case 3:
    bytes = gzip(rest);
    break;
  case 4:
    bytes = zstd(rest);
    break;
  case 5:
    bytes = xz(rest);
    break;
  default:
    bytes = rest;
  }
  memsim::fuzz::read_and_count(file, bytes);
  return 0;
}
