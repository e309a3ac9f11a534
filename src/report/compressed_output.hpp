// Compressed atomic outputs: a trace written to a path ending in .gz, .zst or .xz is compressed
// (gzip through zlib, zstd with one worker thread, xz through liblzma), through the same
// temp-file-and-rename OutputFile as every other output; any other path is written as is.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "report/output_file.hpp"

namespace memsim {

enum class OutputCompression { none, gzip, zstd, xz };

// The compression a path's extension asks for.
OutputCompression compression_for_path(const std::string& path);

class CompressingStreamBuf;

class CompressedOutputFile {
public:
  explicit CompressedOutputFile(std::string path); // throws InputError when it cannot be created
  ~CompressedOutputFile();
  CompressedOutputFile(const CompressedOutputFile&) = delete;
  CompressedOutputFile& operator=(const CompressedOutputFile&) = delete;

  std::ostream& stream();
  // Ends the compressed stream, then commits the file (OutputFile::commit).
  void commit();
  const std::string& path() const { return file_.path(); }

private:
  OutputFile file_;
  std::unique_ptr<CompressingStreamBuf> buffer_; // null: no compression
  std::unique_ptr<std::ostream> stream_;
};

} // namespace memsim
