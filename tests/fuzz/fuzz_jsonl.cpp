// libFuzzer target: memsim JSON Lines traces (docs/spec.md §4.2) through open_trace() and
// count_trace_events(). An input that starts with '{' is the whole file, header included;
// any other input is the event lines after a fixed header line. Seeds: corpus/fuzz_jsonl.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("jsonl");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.empty() || bytes[0] != '{') bytes.insert(0, "{\"memsim_trace\":1}\n");
  memsim::fuzz::read_and_count(file, bytes);
  return 0;
}
