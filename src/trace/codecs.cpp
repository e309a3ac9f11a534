// gzip, zstd and xz decoders behind the Codec interface of codecs.hpp. Each wraps its library's
// streaming call (inflate, ZSTD_decompressStream, lzma_code) and keeps going across member or
// frame boundaries, so concatenated files (pigz, pzstd, xz -T) decode as one stream.
#include "trace/codecs.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

namespace memsim::trace {
namespace {

// zlib and liblzma count in uInt / size_t; zlib's uInt is 32 bits, so feed it in slices.
uInt zlib_slice(std::size_t len) {
  return static_cast<uInt>(std::min<std::size_t>(len, UINT_MAX));
}

void advance(CodecBuffers& io, std::size_t used_in, std::size_t used_out) {
  io.in += used_in;
  io.in_len -= used_in;
  io.out += used_out;
  io.out_len -= used_out;
}

class GzipCodec final : public Codec {
public:
  GzipCodec() {
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw CodecError("cannot initialise zlib");
  }
  ~GzipCodec() override { inflateEnd(&zs_); }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  bool decode(CodecBuffers& io) override {
    if (member_done_) {
      if (io.in_len == 0) return io.in_end;
      inflateReset(&zs_); // another member follows (gzip files may be concatenated)
      member_done_ = false;
    }
    const uInt in_len = zlib_slice(io.in_len);
    const uInt out_len = zlib_slice(io.out_len);
    zs_.next_in = const_cast<Bytef*>(io.in); // zlib's API is not const-correct
    zs_.avail_in = in_len;
    zs_.next_out = io.out;
    zs_.avail_out = out_len;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    advance(io, in_len - zs_.avail_in, out_len - zs_.avail_out);
    if (rc == Z_STREAM_END) {
      member_done_ = true;
      return io.in_len == 0 && io.in_end;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) return false; // Z_BUF_ERROR: needs more input
    throw CodecError(zs_.msg != nullptr ? zs_.msg : zError(rc));
  }

private:
  z_stream zs_{};
  bool member_done_ = false;
};

class ZstdCodec final : public Codec {
public:
  ZstdCodec() : ds_(ZSTD_createDStream()) {
    if (ds_ == nullptr) throw CodecError("cannot initialise zstd");
    // Accept frames written with --long (windows up to 2 GiB), as the zstd tool does on request.
    ZSTD_DCtx_setParameter(ds_, ZSTD_d_windowLogMax, 31);
  }
  ~ZstdCodec() override { ZSTD_freeDStream(ds_); }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  bool decode(CodecBuffers& io) override {
    if (frame_done_ && io.in_len == 0) return io.in_end;
    ZSTD_inBuffer in{io.in, io.in_len, 0};
    ZSTD_outBuffer out{io.out, io.out_len, 0};
    const std::size_t rc = ZSTD_decompressStream(ds_, &out, &in);
    if (ZSTD_isError(rc) != 0) throw CodecError(ZSTD_getErrorName(rc));
    advance(io, in.pos, out.pos);
    frame_done_ = rc == 0; // 0: a frame ended and its output is all flushed
    return frame_done_ && io.in_len == 0 && io.in_end;
  }

private:
  ZSTD_DStream* ds_;
  bool frame_done_ = false;
};

const char* lzma_message(lzma_ret rc) {
  switch (rc) {
  case LZMA_MEM_ERROR:
    return "cannot allocate memory";
  case LZMA_MEMLIMIT_ERROR:
    return "memory usage limit reached";
  case LZMA_FORMAT_ERROR:
    return "file format not recognized";
  case LZMA_OPTIONS_ERROR:
    return "unsupported compression options";
  case LZMA_DATA_ERROR:
    return "compressed data is corrupt";
  case LZMA_BUF_ERROR:
    return "unexpected end of input";
  default:
    return "internal liblzma error";
  }
}

class XzCodec final : public Codec {
public:
  XzCodec() {
    const lzma_ret rc = lzma_stream_decoder(&xs_, UINT64_MAX, LZMA_CONCATENATED);
    if (rc != LZMA_OK) throw CodecError(lzma_message(rc));
  }
  ~XzCodec() override { lzma_end(&xs_); }
  XzCodec(const XzCodec&) = delete;
  XzCodec& operator=(const XzCodec&) = delete;

  bool decode(CodecBuffers& io) override {
    xs_.next_in = io.in;
    xs_.avail_in = io.in_len;
    xs_.next_out = io.out;
    xs_.avail_out = io.out_len;
    // LZMA_CONCATENATED learns where the last stream ends only from LZMA_FINISH.
    const lzma_ret rc = lzma_code(&xs_, io.in_end ? LZMA_FINISH : LZMA_RUN);
    advance(io, io.in_len - xs_.avail_in, io.out_len - xs_.avail_out);
    if (rc == LZMA_STREAM_END) return true;
    if (rc == LZMA_OK || (rc == LZMA_BUF_ERROR && !io.in_end)) return false;
    throw CodecError(lzma_message(rc));
  }

private:
  lzma_stream xs_ = LZMA_STREAM_INIT;
};

bool starts_with(const unsigned char* head, std::size_t len, const unsigned char* magic,
                 std::size_t magic_len) {
  return len >= magic_len && std::memcmp(head, magic, magic_len) == 0;
}

} // namespace

Compression detect_compression(const unsigned char* head, std::size_t len) {
  static constexpr unsigned char gzip[] = {0x1f, 0x8b};
  static constexpr unsigned char zstd[] = {0x28, 0xb5, 0x2f, 0xfd};
  static constexpr unsigned char zstd_skippable[] = {0x2a, 0x4d, 0x18}; // 0x184D2A5?, pzstd
  static constexpr unsigned char xz[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
  if (starts_with(head, len, gzip, sizeof gzip)) return Compression::gzip;
  if (starts_with(head, len, zstd, sizeof zstd)) return Compression::zstd;
  if (len >= 4 && (head[0] & 0xf0) == 0x50 &&
      starts_with(head + 1, len - 1, zstd_skippable, sizeof zstd_skippable))
    return Compression::zstd;
  if (starts_with(head, len, xz, sizeof xz)) return Compression::xz;
  return Compression::none;
}

const char* unsupported_compression(const unsigned char* head, std::size_t len) {
  static constexpr unsigned char bzip2[] = {'B', 'Z', 'h'};
  static constexpr unsigned char lz4[] = {0x04, 0x22, 0x4d, 0x18};
  static constexpr unsigned char lzip[] = {'L', 'Z', 'I', 'P'};
  static constexpr unsigned char compress[] = {0x1f, 0x9d};
  static constexpr unsigned char zip[] = {'P', 'K', 0x03, 0x04};
  static constexpr unsigned char seven_z[] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c};
  if (starts_with(head, len, bzip2, sizeof bzip2) && len > 3 && head[3] >= '1' && head[3] <= '9')
    return "bzip2";
  if (starts_with(head, len, lz4, sizeof lz4)) return "lz4";
  if (starts_with(head, len, lzip, sizeof lzip)) return "lzip";
  if (starts_with(head, len, compress, sizeof compress)) return "compress";
  if (starts_with(head, len, zip, sizeof zip)) return "zip";
  if (starts_with(head, len, seven_z, sizeof seven_z)) return "7z";
  return nullptr;
}

const char* compression_name(Compression compression) {
  switch (compression) {
  case Compression::gzip:
    return "gzip";
  case Compression::zstd:
    return "zstd";
  case Compression::xz:
    return "xz";
  case Compression::none:
    break;
  }
  return "plain";
}

std::unique_ptr<Codec> make_codec(Compression compression) {
  switch (compression) {
  case Compression::gzip:
    return std::make_unique<GzipCodec>();
  case Compression::zstd:
    return std::make_unique<ZstdCodec>();
  case Compression::xz:
    return std::make_unique<XzCodec>();
  case Compression::none:
    break;
  }
  return nullptr;
}

} // namespace memsim::trace
