// The one random generator of memsim: xoshiro256** seeded through splitmix64, the same stream on
// every machine and standard library (std distributions differ between libraries, so none is
// used). The workload models, the benchmark's trace and the property tests all draw from it.
#pragma once

#include <array>
#include <cstdint>

namespace memsim {

class Rng {
public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)
  std::uint64_t below(std::uint64_t n);                                   // [0, n), n > 0
  bool chance(double p) { return unit() < p; }
  // Exponentially distributed with the given mean, at least 1.
  std::uint64_t exponential(double mean);
  // Bernoulli count: the integer part of x plus one with probability frac(x).
  std::uint64_t round_random(double x);

private:
  std::array<std::uint64_t, 4> state_{};
};

} // namespace memsim
