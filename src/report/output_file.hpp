// Atomic output files (docs/spec.md §1: never a partial output left behind as if complete). A
// regular path is written to "<path>.tmp.<pid>" in the same directory and renamed over the path by
// commit(); "-" is standard output (through the same buffer: do not use std::cout meanwhile);
// an existing non-regular file (a FIFO, /dev/null) is written in place. Write errors throw
// InputError("<path>: cannot write: <reason>").
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace memsim {

class FdStreamBuf;

class OutputFile {
public:
  explicit OutputFile(std::string path); // throws InputError when it cannot be created
  ~OutputFile();                         // removes the temporary file unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream();
  // Flushes, checks for write errors and closes; throws InputError naming the path on failure.
  // Lets a command check all its outputs before it renames any of them.
  void finish();
  // finish(), then renames the temporary file over the path.
  void commit();
  const std::string& path() const { return path_; }

private:
  [[noreturn]] void fail(int error) const;
  void discard() noexcept;

  std::string path_;
  std::string temp_path_; // empty: written in place (stdout, a device, a FIFO)
  std::unique_ptr<FdStreamBuf> buffer_;
  std::unique_ptr<std::ostream> stream_;
  int slot_ = -1; // the signal-safe registry slot of temp_path_, or -1
  bool finished_ = false;
  bool committed_ = false;
};

// A directory for outputs (replay --proc-out): created with its missing parents, and removed
// again, if it was created here, unless commit() is called first: a failed run leaves no empty
// directory behind (also on SIGINT / SIGTERM, through remove_uncommitted_outputs()). Destroy
// the OutputFiles inside it first. Throws InputError("DIR: cannot create directory: ...").
class OutputDir {
public:
  explicit OutputDir(std::string path);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  void commit();
  const std::string& path() const { return path_; }

private:
  void discard() noexcept;

  std::string path_;
  std::vector<std::string> created_; // deepest first
  std::vector<int> slots_;
  bool committed_ = false;
};

// Unlinks every temporary file not yet committed, then removes the directories OutputDir
// created and did not commit. Async-signal-safe: for SIGINT / SIGTERM handlers, before they
// _exit(130).
void remove_uncommitted_outputs() noexcept;

} // namespace memsim
