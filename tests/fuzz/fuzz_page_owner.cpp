// libFuzzer target: page_owner dumps (src/trace/page_owner.cpp). A dump that reads must be
// consistent: allocations sorted by pfn, pageblocks sorted and unique, every printed pageblock
// found again by pageblock_of() at its first pfn, and range() of everything equal to the whole.
// Seeds: corpus/fuzz_page_owner (the 6.1 and 6.18 dumps of tests/fixtures/page_owner).
#include "fuzz_support.hpp"
#include "trace/page_owner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memsim::fuzz::ScratchFile file("page-owner");
  const std::string& path = file.write(data, size);
  try {
    const auto dump = memsim::trace::read_page_owner(path);
    for (std::size_t i = 1; i < dump.allocations.size(); ++i)
      if (dump.allocations[i - 1].pfn > dump.allocations[i].pfn) std::abort();
    for (std::size_t i = 1; i < dump.pageblocks.size(); ++i)
      if (dump.pageblocks[i - 1].index >= dump.pageblocks[i].index) std::abort();
    for (const auto& block : dump.pageblocks) {
      if (block.index > (~std::uint64_t{0} >> dump.pageblock_order)) continue;
      const auto* found = dump.pageblock_of(block.index << dump.pageblock_order);
      if (found == nullptr || found->index != block.index) std::abort();
    }
    std::size_t below_max = 0;
    for (const auto& a : dump.allocations) below_max += a.pfn != ~std::uint64_t{0};
    if (dump.range(0, ~std::uint64_t{0}).allocations.size() != below_max) std::abort();
  } catch (const memsim::InputError&) {
  }
  return 0;
}
