// libFuzzer target: the memsim JSON document form (docs/spec.md §4.1), read streaming by
// open_trace(), and count_trace_events(). An input that starts with '{' is the whole document; any
// other input is the inside of its "events" array. Seeds: corpus/fuzz_json_document.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("document");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.empty() || bytes[0] != '{') bytes = "{\"memsim_trace\":1,\"events\":[" + bytes + "]}";
  memsim::fuzz::read_and_count(file, bytes);
  return 0;
}
