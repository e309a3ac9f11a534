// libFuzzer target: Perfetto traces (src/trace/perfetto_source.cpp, perfetto_events.cpp) through
// open_trace(), which tells them by content, then the ftrace reader's two passes and the counting
// pass. The first byte is dropped and 0x0a put first, so every input is taken for a Perfetto
// trace whatever its second byte (seeds: corpus/fuzz_perfetto, small traces of every event kind,
// compressed packets included, made by tools/text_to_perfetto.py).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("perfetto");
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  bytes[0] = '\x0a';
  memsim::fuzz::read_and_count(file, bytes);
  return 0;
}
