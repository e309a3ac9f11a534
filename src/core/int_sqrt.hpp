// int_sqrt() of lib/int_sqrt.c, shared by the kernel formulas memsim reproduces
// (min_free_kbytes of 3.11 and 6.1: core/geometry.cpp, zone/zone_params_61.cpp).
#pragma once

#include <bit>
#include <cstdint>

namespace memsim {

// The floor of the square root, in integers only, bit by bit as the kernel computes it.
inline std::uint64_t int_sqrt(std::uint64_t x) {
  if (x <= 1) return x;
  std::uint64_t m = std::uint64_t{1} << ((std::bit_width(x) - 1) & ~1U);
  std::uint64_t y = 0;
  while (m != 0) {
    const std::uint64_t b = y + m;
    y >>= 1;
    if (x >= b) {
      x -= b;
      y += m;
    }
    m >>= 2;
  }
  return y;
}

} // namespace memsim
