// libFuzzer target: trace.dat files (src/trace/trace_dat_source.cpp over libtracecmd) through
// open_trace(), which tells them by their magic, then the ftrace reader's two passes and the
// counting pass. Inputs without the magic get it put first, so each reaches libtracecmd (seeds:
// corpus/fuzz_trace_dat, small real v6 and v7 files recorded on Linux 6.18).
#include <cstring>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("trace-dat");
  static constexpr char kMagic[] = "\x17\x08\x44tracing";
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.compare(0, sizeof kMagic - 1, kMagic) != 0) bytes.insert(0, kMagic, sizeof kMagic - 1);
  memsim::fuzz::read_and_count(file, bytes);
  return 0;
}
