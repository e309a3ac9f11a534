// The byte source under every trace reader: a file or standard input ("-"), decompressed
// transparently when its first bytes are a gzip, zstd or xz magic number (never by file name).
// Compressed input is decompressed on a second thread (docs/spec.md §6) into a small bounded queue
// of blocks; plain input is read inline. The readers see one flat stream of bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace memsim::trace {

class InputStream {
public:
  virtual ~InputStream() = default;
  // Copies the next bytes of the (decompressed) input to `dst`, filling it completely unless the
  // input ends first; returns the number of bytes, 0 at the end. Throws InputError
  // ("NAME: corrupt gzip data: ...", "NAME: read error: ...").
  virtual std::size_t read(char* dst, std::size_t max) = 0;
};

// The name that messages give a trace path: the path as given, "<stdin>" for "-".
std::string display_name(const std::string& path);

// Opens `path` ("-" = standard input). Throws InputError("NAME: cannot open: <strerror>", or
// "NAME: bzip2 is not supported; use gzip, zstd or xz" for a compression memsim does not read).
std::unique_ptr<InputStream> open_input(const std::string& path);

// True when the file (decompressed) is a trace.dat or a Perfetto trace, which open_input() reads
// as ftrace text: told from its first bytes, without converting any of it.
bool is_binary_kernel_trace(const std::string& path);
// Bytes read from files and standard input so far by every input of the process (compressed
// bytes as stored), for the progress line; any thread.
std::uint64_t input_bytes_read();

} // namespace memsim::trace
