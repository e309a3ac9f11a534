// Streaming decompressors under the input layer (input_stream.cpp): gzip through zlib (every
// member of a multi-member file), zstd (every frame, skippable ones too) and xz through liblzma
// (LZMA_CONCATENATED). Each is fed compressed bytes and fills an output window; the caller
// detects truncation when no progress is possible after the end of the compressed input.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace memsim::trace {

enum class Compression { none, gzip, zstd, xz };

// Magic bytes needed to recognise every format.
inline constexpr std::size_t kMagicBytes = 10; // trace.dat: 10

// The format whose magic number `head` starts with (none when it is too short or unknown).
Compression detect_compression(const unsigned char* head, std::size_t len);

// The name of a compression memsim does not read whose magic number `head` starts with
// ("bzip2", "lz4", "lzip", "compress", "zip", "7z"), or nullptr.
const char* unsupported_compression(const unsigned char* head, std::size_t len);

// "gzip", "zstd", "xz" (for messages: "corrupt gzip data").
const char* compression_name(Compression compression);

// One decompression step's windows; Codec::decode() advances them past what it used.
struct CodecBuffers {
  const unsigned char* in = nullptr;
  std::size_t in_len = 0;
  unsigned char* out = nullptr;
  std::size_t out_len = 0;
  bool in_end = false; // nothing follows what `in` holds
};

// The library's own message for corrupt or truncated data.
struct CodecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Codec {
public:
  virtual ~Codec() = default;
  // Decompresses as much as the windows allow. Returns true once all the compressed input (every
  // member or frame) has been decoded and delivered. Throws CodecError on corrupt data.
  virtual bool decode(CodecBuffers& io) = 0;
};

std::unique_ptr<Codec> make_codec(Compression compression);

// "simdjson 3.0.1, zlib 1.2.13, zstd 1.5.4, liblzma 5.4.1" (library_versions.cpp).
std::string library_versions();

} // namespace memsim::trace
