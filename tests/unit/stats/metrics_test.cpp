// Unit tests of the derived metrics (src/stats/metrics.cpp): the kernel's unusable free space
// index and fragmentation index (mm/vmstat.c, docs/metrics.md), checked against
// hand-worked contig_page_info sums, and the page-weighted homogeneity of docs/spec.md §5.
#include <catch2/catch.hpp>

#include "stats/counters.hpp"

using memsim::fragmentation_index;
using memsim::unusable_free_index;
using Counts = std::vector<std::uint64_t>;

TEST_CASE("The unusable index counts the free pages in blocks too small for the order") {
  const Counts nr_free{4, 0, 1}; // 4 + 4 = 8 free pages
  CHECK(unusable_free_index(0, nr_free) == 0);
  CHECK(unusable_free_index(1, nr_free) == 500); // suitable 2 blocks of 2: (8 - 4) * 1000 / 8
  CHECK(unusable_free_index(2, nr_free) == 500); // one block of 4: (8 - 4) * 1000 / 8
}

TEST_CASE("The unusable index truncates its division like div_u64") {
  const Counts nr_free{1, 1, 1}; // 7 free pages
  CHECK(unusable_free_index(0, nr_free) == 0);
  CHECK(unusable_free_index(1, nr_free) == 142); // (7 - 3 * 2) * 1000 / 7 = 142.86
  CHECK(unusable_free_index(2, nr_free) == 428); // (7 - 1 * 4) * 1000 / 7 = 428.57
}

TEST_CASE("With no free pages the unusable index is 1000 and the fragmentation index 0") {
  const Counts nothing{0, 0, 0};
  for (unsigned order = 0; order < 3; ++order) {
    CHECK(unusable_free_index(order, nothing) == 1000);
    CHECK(fragmentation_index(order, nothing) == 0);
  }
}

TEST_CASE("The fragmentation index is -1000 whenever a suitable block exists") {
  const Counts nr_free{4, 0, 1};
  CHECK(fragmentation_index(0, nr_free) == -1000);
  CHECK(fragmentation_index(1, nr_free) == -1000);
  CHECK(fragmentation_index(2, nr_free) == -1000);
}

TEST_CASE("The fragmentation index of a failing request follows __fragmentation_index") {
  // {4, 2, 0} at order 2: 8 free pages in 6 blocks: 1000 - (1000 + 8000 / 4) / 6 = 500.
  CHECK(fragmentation_index(2, Counts{4, 2, 0}) == 500);
  // {3, 0, 0} at order 2: 1000 - (1000 + 3000 / 4) / 3 = 1000 - 1750 / 3 = 417.
  CHECK(fragmentation_index(2, Counts{3, 0, 0}) == 417);
  // {5, 1, 0} at order 2: 7 pages in 6 blocks: 1000 - (1000 + 1750) / 6 = 542.
  CHECK(fragmentation_index(2, Counts{5, 1, 0}) == 542);
  CHECK(unusable_free_index(2, Counts{5, 1, 0}) == 1000);
}

TEST_CASE("One small free block gives the negative fragmentation index the kernel returns") {
  // 1000 - (1000 + 2000 / 4) / 1 = -500: the kernel's u64 result truncated to int.
  CHECK(fragmentation_index(2, Counts{0, 1, 0}) == -500);
}

TEST_CASE("An order at or beyond MAX_ORDER has fragmentation index 0") {
  CHECK(fragmentation_index(3, Counts{4, 0, 1}) == 0);
  CHECK(unusable_free_index(3, Counts{4, 0, 1}) == 1000);
}

TEST_CASE("A completely free 1 GiB zone has nothing unusable at the pageblock order") {
  Counts nr_free(11, 0);
  nr_free[10] = 256;
  CHECK(unusable_free_index(9, nr_free) == 0);
  CHECK(unusable_free_index(10, nr_free) == 0);
  CHECK(fragmentation_index(10, nr_free) == -1000);
}

TEST_CASE("Homogeneity weighs every region by its allocated pages") {
  std::vector<memsim::RegionSnapshot> regions(3);
  regions[0].allocated = {10, 0, 30};
  regions[1].allocated = {0, 5, 5};
  CHECK(memsim::weighted_homogeneity(regions) == Approx(35.0 / 50.0));
  CHECK_FALSE(memsim::weighted_homogeneity(std::vector<memsim::RegionSnapshot>(2)).has_value());
  CHECK_FALSE(memsim::weighted_homogeneity({}).has_value());
}
