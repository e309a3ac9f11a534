// HugePageAllocator: arrays of 2 MiB or more start on a 2 MiB boundary (so the kernel can back
// them with huge pages), smaller ones come from operator new; both hold what is stored.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "zone/huge_page_allocator.hpp"

using memsim::HugePageAllocator;

TEST_CASE("HugePageAllocator aligns large arrays to 2 MiB and keeps their contents",
          "[zone][huge]") {
  constexpr std::size_t kHuge = HugePageAllocator<std::uint32_t>::kHugePage;
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> large(3 * kHuge / 4 + 5, 7);
  REQUIRE(reinterpret_cast<std::uintptr_t>(large.data()) % kHuge == 0);
  for (std::size_t i = 0; i < large.size(); i += 4099) large[i] = static_cast<std::uint32_t>(i);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < large.size(); ++i)
    wrong += large[i] != (i % 4099 == 0 ? static_cast<std::uint32_t>(i) : 7);
  REQUIRE(wrong == 0);

  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> small(100, 3);
  REQUIRE(small.size() == 100);
  REQUIRE(small[99] == 3);
  small.resize(kHuge); // grows into a huge-page array, contents kept
  REQUIRE(reinterpret_cast<std::uintptr_t>(small.data()) % kHuge == 0);
  REQUIRE(small[99] == 3);
  REQUIRE(small[kHuge - 1] == 0);
}
