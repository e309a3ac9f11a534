// libFuzzer target: the /proc snapshot readers of --proc-in and --proc-expect (docs/spec.md §7.1,
// §7.3). The input is five 16-bit little-endian lengths, then zoneinfo, pagetypeinfo, buddyinfo,
// kpageflags and kpagecount of those lengths and an ftrace trace (the rest; a file is absent
// when its length is 0xffff), written to a scratch directory; then read_proc_files,
// read_page_dumps and build_start_state (without a trace), and open_ftrace with --proc-in on the
// trace, which builds the start state from the trace's evidence.
// Seeds: corpus/fuzz_proc_snapshot (the hand-made snapshot of tests/fixtures/proc with a trace).
#include <algorithm>
#include <filesystem>
#include <vector>

#include "fuzz_support.hpp"
#include "trace/proc_snapshot.hpp"

namespace {

class ScratchDir {
public:
  ScratchDir() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/memsim-fuzz-proc-" +
            std::to_string(::getpid());
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  void write(const std::string& name, const std::string& content) const {
    std::FILE* f = std::fopen((path_ + "/" + name).c_str(), "wb");
    if (f == nullptr ||
        (!content.empty() && std::fwrite(content.data(), 1, content.size(), f) != content.size()))
      std::abort();
    std::fclose(f);
  }
  void remove(const std::string& name) const { std::filesystem::remove(path_ + "/" + name); }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchDir dir;
  static const char* const kNames[] = {"zoneinfo",   "pagetypeinfo", "buddyinfo",
                                       "kpageflags", "kpagecount",   "trace.txt"};
  if (size < 10) return 0;
  std::size_t at = 10;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t length =
        i < 5 ? static_cast<std::size_t>(data[2 * i] | (data[2 * i + 1] << 8)) : size;
    if (length == 0xffff) {
      dir.remove(kNames[i]);
      continue;
    }
    const std::size_t take = std::min(length, size - at);
    dir.write(kNames[i], std::string(reinterpret_cast<const char*>(data) + at, take));
    at += take;
  }
  try {
    const memsim::ProcFiles files = memsim::read_proc_files(dir.path());
    const auto dumps = memsim::read_page_dumps(files, 11);
    const memsim::ProcSnapshot snap =
        memsim::build_start_state(files, dumps ? &*dumps : nullptr, memsim::StartStateOptions{});
    if (!snap.start_state || snap.start_state->report.is_null()) std::abort();
  } catch (const memsim::InputError&) {
  }
  try {
    memsim::FtraceOptions options;
    options.proc_in = dir.path();
    const auto reader = memsim::open_ftrace(dir.path() + "/trace.txt", options);
    memsim::fuzz::drain(*reader);
  } catch (const memsim::InputError&) {
  }
  return 0;
}
