// The page_owner dump (/sys/kernel/debug/page_owner, CONFIG_PAGE_OWNER with page_owner=on): for
// every allocated block the kernel prints "Page allocated via order N, mask 0x..." and then
// "PFN P type T Block B type T' Flags ..." (`PFN %lu` in Linux 6.1, `PFN 0x%lx` in 6.18; both
// from mm/page_owner.c print_page_owner()), so a dump gives the exact migratetype of
// every pageblock that holds a page in use and the allocation migratetype (gfp_migratetype() of
// the mask) of every such page. A standalone reader: --proc-in's start state may take it over
// the inference from kpageflags (docs/spec.md §7.1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memsim/types.hpp"

namespace memsim::trace {

struct PageOwnerAllocation {
  std::uint64_t pfn = 0; // first page (the kernel prints block heads only)
  unsigned order = 0;
  Migratetype mt = Migratetype::unmovable; // "type T": gfp_migratetype(gfp_mask)
  std::uint32_t gfp_mask = 0;
};

struct PageOwnerBlock {
  std::uint64_t index = 0;                 // pfn >> pageblock_order ("Block B")
  Migratetype mt = Migratetype::unmovable; // "type T'": get_pageblock_migratetype()
};

struct PageOwnerDump {
  // Told from the PFN / Block pairs (the one shift that maps every PFN to its Block); when the
  // pairs leave several (only blocks 0 printed), 9 if it is one of them, else the smallest.
  unsigned pageblock_order = 0;
  std::vector<PageOwnerAllocation> allocations; // sorted by pfn, one per printed block
  std::vector<PageOwnerBlock> pageblocks;       // sorted by index, one per block printed
  // Pageblocks printed with two types (the dump is read while the kernel runs): the first kept.
  std::uint64_t conflicting_blocks = 0;

  // The part of the dump in [start_pfn, end_pfn): allocations starting there, pageblocks whose
  // first pfn lies there.
  PageOwnerDump range(std::uint64_t start_pfn, std::uint64_t end_pfn) const;
  // The type of the pageblock holding `pfn`, if the dump printed it.
  const PageOwnerBlock* pageblock_of(std::uint64_t pfn) const;
};

// Reads a dump (plain or gzip/zstd/xz by content). Throws InputError "PATH:LINE: message" for a
// malformed "Page allocated" or "PFN" line, an unknown type name, or a PFN line without its
// "Page allocated" line; "PATH: message" when no pageblock_order fits every PFN / Block pair.
PageOwnerDump read_page_owner(const std::string& path);

} // namespace memsim::trace
