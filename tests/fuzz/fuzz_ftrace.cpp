// libFuzzer target: kmem tracepoint text (docs/spec.md §4.5) through open_ftrace() with each option
// (--skip-bad-lines, --gfp-bits pre-4.4, the recorded policy's free look-ahead, chosen by the
// first byte), then open_trace(), which tells ftrace from memsim JSON by content, and the
// counting pass behind --interval.
// Seeds: corpus/fuzz_ftrace (excerpts of tracefs, trace-cmd and perf output).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("ftrace");
  if (size == 0) return 0;
  memsim::FtraceOptions options;
  options.skip_bad_lines = (data[0] & 1) != 0;
  options.gfp_pre_4_4 = (data[0] & 2) != 0;
  options.free_hints = (data[0] & 4) != 0;
  const std::string& path = file.write(data + 1, size - 1);
  try {
    const auto reader = memsim::open_ftrace(path, options);
    memsim::fuzz::drain(*reader);
    if (!reader->header().zone.is_object()) std::abort();
  } catch (const memsim::InputError&) {
  }
  memsim::fuzz::read_and_count(file,
                               std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
