// The /proc snapshot reader behind `--proc-in DIR` (docs/spec.md §4.5): zoneinfo and pagetypeinfo
// give the geometry of the zone with the most present pages; kpageflags + kpagecount (optional)
// tell which pages were in use when tracing began, declared as `preallocated` blocks (docs/spec.md
// §2, D19). Decisions D36-D41 of docs/decisions.md fix the details.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memsim/trace.hpp"

namespace memsim {

struct ProcSnapshot {
  std::string zone_name;            // e.g. "DMA32": the zone with the most present pages
  std::uint64_t real_start_pfn = 0; // zoneinfo start_pfn of that zone
  std::uint64_t real_end_pfn = 0;   // real_start_pfn + spanned
  std::uint64_t present = 0, managed = 0, nr_free_pages = 0; // zoneinfo
  std::uint64_t start_pfn = 0;  // real_start_pfn rounded down to the max-order block
  std::uint64_t pages = 0;      // round_up(real_end_pfn, max-order block) - start_pfn
  unsigned pageblock_order = 0; // pagetypeinfo "Page block order: N"
  unsigned cpus = 0;            // highest "cpu: N" in the zone's pagesets + 1 (0: none listed)
  bool has_kpageflags = false;
  std::uint64_t free_pages_found = 0; // pages found free in kpageflags (0 without it)
  // Added: pages of the zone span in use for ever (RESERVED or NOPAGE, D38) and the in-use pages
  // declared with an id (D39), both 0 without kpageflags.
  std::uint64_t reserved_pages = 0;
  std::uint64_t in_use_pages = 0;
  // Sorted by pfn, non-overlapping, each block aligned to its order, all inside
  // [start_pfn, start_pfn+pages):
  //  - [start_pfn, real_start_pfn) and [real_end_pfn, start_pfn+pages): unmovable, no id, as few
  //    aligned blocks as possible;
  //  - with kpageflags, every page of [real_start_pfn, real_end_pfn) that was not free (D37-D39).
  std::vector<PreallocatedBlock> preallocated;
};

// Reads DIR/zoneinfo and DIR/pagetypeinfo (required) and DIR/kpageflags + DIR/kpagecount
// (also accepted with a .bin suffix; optional, but kpageflags without kpagecount is an error).
// `max_order` is MAX_ORDER (11: blocks of up to 1024 pages). Errors: InputError with a one-line
// message "PATH:LINE: problem" or "PATH: problem" (missing file, no zone with present pages,
// a kpageflags file too short for the zone, sizes not a multiple of 8, ...).
ProcSnapshot read_proc_snapshot(const std::string& dir, unsigned max_order = 11);

// The snapshot's zone must hold what the trace allocates (else it is another machine's): an
// allocation of 2^order pages at `pfn` outside [real_start_pfn, real_end_pfn) is an
// InputError("WHERE: alloc of pfn 0x... lies outside zone ... of the --proc-in snapshot DIR").
void check_in_snapshot_zone(const ProcSnapshot& snap, const std::string& dir, std::uint64_t pfn,
                            unsigned order, const std::string& where);

} // namespace memsim
