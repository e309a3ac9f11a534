// Compressed atomic outputs (report/compressed_output.hpp): a streambuf that collects 1 MiB of
// text, hands it to the codec and writes what comes out to the OutputFile's stream.
#include "report/compressed_output.hpp"

#include <algorithm>
#include <cstdint>
#include <streambuf>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

constexpr std::size_t kChunkBytes = 1 << 20;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A path whose extension names a compression memsim does not write is refused before anything
// is created (rather than written as plain text under that name).
std::string checked_output_path(std::string path) {
  static constexpr std::pair<std::string_view, std::string_view> kUnsupported[] = {
      {".bz2", "bzip2"}, {".lz4", "lz4"}, {".lz", "lzip"},  {".Z", "compress"},
      {".zip", "zip"},   {".7z", "7z"},   {".lzma", "lzma"}};
  for (const auto& [suffix, name] : kUnsupported) {
    if (ends_with(path, suffix))
      throw InputError(fmt::format("{}: {} output is not supported; use .gz, .zst or .xz, or no "
                                   "compression suffix for plain text",
                                   path, name));
  }
  return path;
}

} // namespace

OutputCompression compression_for_path(const std::string& path) {
  if (ends_with(path, ".gz")) return OutputCompression::gzip;
  if (ends_with(path, ".zst")) return OutputCompression::zstd;
  if (ends_with(path, ".xz")) return OutputCompression::xz;
  return OutputCompression::none;
}

// Collects text and compresses it into `sink` one chunk at a time; finish() ends the stream.
class CompressingStreamBuf : public std::streambuf {
public:
  CompressingStreamBuf(OutputCompression compression, std::ostream& sink, std::string path)
      : compression_(compression), sink_(sink), path_(std::move(path)), in_(kChunkBytes),
        out_(kChunkBytes) {
    setp(in_.data(), in_.data() + in_.size());
    switch (compression_) {
    case OutputCompression::gzip:
      // windowBits 15 + 16: a gzip header and trailer.
      if (deflateInit2(&gzip_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK)
        fail("cannot start gzip compression");
      break;
    case OutputCompression::zstd:
      zstd_ = ZSTD_createCCtx();
      if (zstd_ == nullptr) fail("cannot start zstd compression");
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_nbWorkers, 1); // compress on a second thread
      break;
    case OutputCompression::xz:
      if (lzma_easy_encoder(&xz_, 6, LZMA_CHECK_CRC64) != LZMA_OK)
        fail("cannot start xz compression");
      break;
    case OutputCompression::none:
      break;
    }
  }
  ~CompressingStreamBuf() override {
    if (compression_ == OutputCompression::gzip) deflateEnd(&gzip_);
    ZSTD_freeCCtx(zstd_);
    lzma_end(&xz_);
  }
  CompressingStreamBuf(const CompressingStreamBuf&) = delete;
  CompressingStreamBuf& operator=(const CompressingStreamBuf&) = delete;

  void finish() {
    compress(true);
    setp(in_.data(), in_.data() + in_.size());
  }

protected:
  int_type overflow(int_type ch) override {
    compress(false);
    setp(in_.data(), in_.data() + in_.size());
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      if (pptr() == epptr()) overflow(traits_type::eof());
      const std::streamsize room = epptr() - pptr();
      const std::streamsize take = std::min(room, n - done);
      std::copy(s + done, s + done + take, pptr());
      pbump(static_cast<int>(take));
      done += take;
    }
    return n;
  }

private:
  [[noreturn]] void fail(std::string_view what) const {
    throw InputError(fmt::format("{}: {}", path_, what));
  }

  void emit(std::size_t bytes) { sink_.write(out_.data(), static_cast<std::streamsize>(bytes)); }

  // Compresses the pending text; `last` ends the stream.
  void compress(bool last) {
    const std::size_t pending = static_cast<std::size_t>(pptr() - pbase());
    switch (compression_) {
    case OutputCompression::gzip:
      return compress_gzip(pending, last);
    case OutputCompression::zstd:
      return compress_zstd(pending, last);
    case OutputCompression::xz:
      return compress_xz(pending, last);
    case OutputCompression::none:
      break;
    }
    sink_.write(in_.data(), static_cast<std::streamsize>(pending));
  }

  void compress_gzip(std::size_t pending, bool last) {
    gzip_.next_in = reinterpret_cast<Bytef*>(in_.data());
    gzip_.avail_in = static_cast<uInt>(pending);
    for (;;) {
      gzip_.next_out = reinterpret_cast<Bytef*>(out_.data());
      gzip_.avail_out = static_cast<uInt>(out_.size());
      const int rc = deflate(&gzip_, last ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) fail("gzip compression failed");
      emit(out_.size() - gzip_.avail_out);
      if (last ? rc == Z_STREAM_END : gzip_.avail_in == 0 && gzip_.avail_out != 0) return;
    }
  }

  void compress_zstd(std::size_t pending, bool last) {
    ZSTD_inBuffer input{in_.data(), pending, 0};
    for (;;) {
      ZSTD_outBuffer output{out_.data(), out_.size(), 0};
      const std::size_t left =
          ZSTD_compressStream2(zstd_, &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left) != 0u)
        fail(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(left)));
      emit(output.pos);
      if (last ? left == 0 : input.pos == input.size) return;
    }
  }

  void compress_xz(std::size_t pending, bool last) {
    xz_.next_in = reinterpret_cast<const std::uint8_t*>(in_.data());
    xz_.avail_in = pending;
    for (;;) {
      xz_.next_out = reinterpret_cast<std::uint8_t*>(out_.data());
      xz_.avail_out = out_.size();
      const lzma_ret rc = lzma_code(&xz_, last ? LZMA_FINISH : LZMA_RUN);
      if (rc != LZMA_OK && rc != LZMA_STREAM_END) fail("xz compression failed");
      emit(out_.size() - xz_.avail_out);
      if (last ? rc == LZMA_STREAM_END : xz_.avail_in == 0 && xz_.avail_out != 0) return;
    }
  }

  OutputCompression compression_;
  std::ostream& sink_;
  std::string path_;
  std::vector<char> in_;
  std::vector<char> out_;
  z_stream gzip_{};
  ZSTD_CCtx* zstd_ = nullptr;
  lzma_stream xz_ = LZMA_STREAM_INIT;
};

CompressedOutputFile::CompressedOutputFile(std::string path)
    : file_(checked_output_path(std::move(path))) {
  const OutputCompression compression = compression_for_path(file_.path());
  if (compression == OutputCompression::none) return;
  buffer_ = std::make_unique<CompressingStreamBuf>(compression, file_.stream(), file_.path());
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

CompressedOutputFile::~CompressedOutputFile() = default;

std::ostream& CompressedOutputFile::stream() {
  return stream_ ? *stream_ : file_.stream();
}

void CompressedOutputFile::commit() {
  if (buffer_) {
    stream_->flush();
    buffer_->finish();
  }
  file_.commit();
}

} // namespace memsim
