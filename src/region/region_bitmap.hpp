// A set of region ids as a flat bitmap: the v4 patch's region_leaf_mask / ralloc_mask
// (docs/region-aware.md). find_prev_region() and the RA's next_region are
// word scans; any ordered set gives the same answers, this one costs a bit per region.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

namespace memsim {

class RegionBitmap {
public:
  explicit RegionBitmap(std::uint64_t regions = 0) : words_((regions + 63) / 64, 0) {}

  void set(std::uint64_t r) { words_[r / 64] |= bit(r); }
  void clear(std::uint64_t r) { words_[r / 64] &= ~bit(r); }
  bool test(std::uint64_t r) const { return (words_[r / 64] & bit(r)) != 0; }

  // find_prev_region(): the highest set region below `r`.
  std::optional<std::uint64_t> highest_below(std::uint64_t r) const {
    std::uint64_t w = r / 64;
    std::uint64_t word = words_.empty() ? 0 : words_[w] & (bit(r) - 1);
    for (;;) {
      if (word != 0) return w * 64 + 63 - static_cast<std::uint64_t>(std::countl_zero(word));
      if (w == 0) return std::nullopt;
      word = words_[--w];
    }
  }

  // find_first_bit(): the lowest set region (the RA's next_region, docs/semantics.md D34).
  std::optional<std::uint64_t> lowest() const {
    for (std::uint64_t w = 0; w < words_.size(); ++w)
      if (words_[w] != 0) return w * 64 + static_cast<std::uint64_t>(std::countr_zero(words_[w]));
    return std::nullopt;
  }

private:
  static std::uint64_t bit(std::uint64_t r) { return std::uint64_t{1} << (r % 64); }
  std::vector<std::uint64_t> words_;
};

} // namespace memsim
