// The property tests' random source: memsim's one generator (core/random.hpp) with the two
// draws the tests use (an index below n, a percentage chance).
#pragma once

#include <cstdint>

#include "core/random.hpp"

namespace memsim::test {

struct TestRng {
  memsim::Rng stream;
  explicit TestRng(std::uint64_t seed) : stream(seed) {}
  std::uint64_t next() { return stream.next(); }
  unsigned below(std::uint64_t n) { return static_cast<unsigned>(stream.below(n)); }
  bool chance(unsigned percent) { return below(100) < percent; }
};

} // namespace memsim::test
