// Shared by the libFuzzer targets of tests/fuzz: the readers take a path, so each input is
// written to one scratch file per process (under $TMPDIR, removed at exit), and a reader is
// drained to its end. Every target treats InputError as the expected answer to bad input; any
// other exception, a crash, a sanitizer report or a leak is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"

namespace memsim::fuzz {

class ScratchFile {
public:
  explicit ScratchFile(const char* name) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/memsim-fuzz-" +
            std::to_string(::getpid()) + "-" + name;
  }
  ~ScratchFile() { ::unlink(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content with `data`; returns its path.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size)) std::abort();
    std::fclose(f);
    return path_;
  }

private:
  std::string path_;
};

// The threads of this process (/proc/self/stat field 20): a reader must join its
// decompression thread however it ends, so after each input only the threads that were there
// before the first one (main, libFuzzer's RSS monitor) are left.
inline long thread_count() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return -1;
  char text[1024] = {};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  const std::string stat(text, n);
  std::size_t at = stat.rfind(')'); // the command name may hold spaces
  for (int field = 2; field < 20 && at != std::string::npos; ++field) at = stat.find(' ', at + 1);
  return at == std::string::npos ? -1 : std::strtol(stat.c_str() + at + 1, nullptr, 10);
}

// A joined thread can still be counted for a moment: pthread_join returns when the kernel
// clears the thread's tid (exit_mm), and the thread group's count drops later (release_task,
// from exit_notify). So an excess must last a second to be a leak; a real one lasts forever.
inline void check_no_thread_left(long baseline) {
  long n = thread_count();
  for (int wait = 0; n > baseline && wait < 1000; ++wait) {
    ::usleep(1000);
    n = thread_count();
  }
  if (n > baseline) {
    std::fprintf(stderr, "%ld threads left after the input\n", n);
    std::abort();
  }
}

// Reads every event, asks where() of each (messages must format for any position); returns
// the trace events among them (buddy-level events are not counted, as count_trace_events()).
inline std::uint64_t drain(TraceReader& reader) {
  Event event;
  std::uint64_t n = 0;
  while (reader.next(event)) {
    if (reader.where(event.pos).empty()) std::abort();
    if (is_trace_event(event.op)) ++n;
  }
  return n;
}

// A memsim trace file as open_trace() reads it (the format and compression told by content),
// then count_trace_events() on the same bytes: a trace that reads without error must count
// exactly its events (the count skips parsing, so a bad trace may count anything).
inline void read_and_count(ScratchFile& file, const std::string& bytes) {
  static const long baseline = thread_count();
  const std::string& path =
      file.write(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  std::uint64_t read = 0;
  bool read_ok = true;
  try {
    const auto reader = open_trace(path);
    read = drain(*reader);
  } catch (const InputError&) {
    read_ok = false;
  }
  try {
    const std::uint64_t counted = count_trace_events(path);
    if (read_ok && counted != read) {
      std::fprintf(stderr, "count_trace_events %llu != %llu events read\n",
                   static_cast<unsigned long long>(counted), static_cast<unsigned long long>(read));
      std::abort();
    }
  } catch (const InputError&) {
  }
  check_no_thread_left(baseline);
}

} // namespace memsim::fuzz
