// xoshiro256** (Blackman and Vigna) seeded by splitmix64, and the few draws memsim needs.
#include "core/random.hpp"

#include <algorithm>
#include <cmath>

namespace memsim {

Rng::Rng(std::uint64_t seed) {
  for (auto& word : state_) {
    seed += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    word = z ^ (z >> 31);
  }
}

std::uint64_t Rng::next() {
  const auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  return std::min(n - 1, static_cast<std::uint64_t>(unit() * static_cast<double>(n)));
}

std::uint64_t Rng::exponential(double mean) {
  const double x = -std::log(1.0 - unit()) * mean;
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(x)));
}

std::uint64_t Rng::round_random(double x) {
  const double whole = std::floor(x);
  return static_cast<std::uint64_t>(whole) + (chance(x - whole) ? 1 : 0);
}

} // namespace memsim
