// The /proc snapshot readers behind `--proc-in DIR` and `--proc-expect DIR` (docs/spec.md §7.1,
// §7.3): the text files (zoneinfo, pagetypeinfo, buddyinfo, version; proc_text_files.cpp), the
// page dumps (kpageflags + kpagecount, 8 bytes per pfn; proc_page_dumps.cpp), and the start
// state built from both and the trace's own evidence (start_state.cpp). Decisions D36-D41 and
// "Ground truth" of docs/decisions.md fix the details.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memsim/trace.hpp"

namespace memsim {

namespace trace {
class TraceEvidence;
}

// One CPU's pageset of a zone in zoneinfo ("cpu: N", count, high, batch; high_min/high_max 6.7+).
struct ZonePageset {
  unsigned cpu = 0;
  std::uint64_t count = 0, high = 0, batch = 0;
  std::optional<std::uint64_t> high_min, high_max;
};

// One "Node N, zone NAME" block of zoneinfo.
struct ZoneInfo {
  unsigned node = 0;
  std::string name;
  std::size_t line = 0; // of its "Node N, zone NAME" line
  std::optional<std::uint64_t> start_pfn, spanned;
  std::uint64_t present = 0, managed = 0, nr_free_pages = 0;
  std::uint64_t min = 0, low = 0, high = 0; // watermarks (pages)
  std::vector<ZonePageset> pagesets;
};

// pagetypeinfo: the page block order and each zone's "Number of blocks type" row, by memsim
// migratetype (HighAtomic -> highatomic, CMA -> cma, Isolate -> isolate).
struct PagetypeInfo {
  unsigned pageblock_order = 0;
  bool cma = false; // a CMA column: the kernel numbers CMA 4 and ISOLATE 5
  std::map<std::pair<unsigned, std::string>, std::map<Migratetype, std::uint64_t>> blocks;
};

using BuddyInfo = std::map<std::pair<unsigned, std::string>, std::vector<std::uint64_t>>;

// The text files of a snapshot directory.
struct ProcFiles {
  std::string dir;
  std::vector<ZoneInfo> zones; // in zoneinfo order
  PagetypeInfo pagetypes;
  std::optional<BuddyInfo> buddyinfo;  // DIR/buddyinfo, when present
  std::optional<KernelVersion> kernel; // DIR/version, when present and readable
};

// Reads DIR/zoneinfo and DIR/pagetypeinfo (required), DIR/buddyinfo and DIR/version (optional).
// `max_order` is MAX_ORDER (11). Errors: InputError "PATH:LINE: problem" or "PATH: problem".
ProcFiles read_proc_files(const std::string& dir, unsigned max_order = 11);
// The zone named `name` ("DMA32", or "1:Normal" for node 1) with present pages, or throws.
const ZoneInfo& zone_named(const ProcFiles& files, const std::string& name);
// The zone's span checked: start_pfn and spanned present and possible. Throws InputError.
void check_zone_span(const ZoneInfo& zone, const std::string& zoneinfo_path);

// What kpageflags says of one page (the classes the start state needs).
enum class PageClass : std::uint8_t {
  free,     // KPF_BUDDY, or a follower of a BUDDY head (kernels setting it on the head only)
  movable,  // in use, KPF_LRU or KPF_ANON
  slab,     // in use, KPF_SLAB
  other,    // in use otherwise (unmapped kernel pages, page tables, per-CPU-list pages, ...)
  reserved, // KPF_RESERVED: never in the buddy
  hole,     // KPF_NOPAGE: no struct page (a hole in the zone's span)
};

// The page dump of one zone: [start_pfn, end_pfn), end_pfn where an uninitialised tail begins.
struct ZonePages {
  bool covered = false; // the dump reached this zone
  std::string missing;  // why not, when it did not
  std::uint64_t start_pfn = 0, end_pfn = 0;
  std::uint64_t uninitialised = 0;  // pages of the tail cut off (deferred_init=lazy)
  bool buddy_on_every_page = false; // the 6.1 convention was seen
  std::vector<PageClass> classes;   // one per page of [start_pfn, end_pfn)
  // In use (D39), with id = pfn; and RESERVED / NOPAGE runs (D38), without id; by pfn.
  std::vector<PreallocatedBlock> in_use, reserved;
};

// Reads DIR/kpageflags and DIR/kpagecount (or the .bin names) for every zone with present pages
// that the dump covers; nullopt without kpageflags.
std::optional<std::vector<ZonePages>> read_page_dumps(const ProcFiles& files, unsigned max_order);

// The result of --proc-in for the chosen zone.
struct ProcSnapshot {
  std::string zone_name;            // e.g. "DMA32"
  std::uint64_t real_start_pfn = 0; // zoneinfo start_pfn of that zone
  std::uint64_t real_end_pfn = 0;   // real_start_pfn + spanned, less an uninitialised tail
  std::uint64_t present = 0, managed = 0, nr_free_pages = 0; // zoneinfo
  std::uint64_t start_pfn = 0;  // real_start_pfn rounded down to the max-order block
  std::uint64_t pages = 0;      // round_up(real_end_pfn, max-order block) - start_pfn
  unsigned pageblock_order = 0; // pagetypeinfo "Page block order: N"
  unsigned cpus = 0;            // highest "cpu: N" in the zone's pagesets + 1 (0: none listed)
  bool has_kpageflags = false;
  std::uint64_t free_pages_found = 0; // free pages of the start state (0 without kpageflags)
  std::uint64_t reserved_pages = 0;   // in use for ever (D38)
  std::uint64_t in_use_pages = 0;     // declared with an id (D39)
  std::uint64_t uninitialised_pages = 0;
  std::size_t dropped_blocks = 0;   // in use by kpageflags, free or on a per-CPU list by the trace
  std::size_t corrected_blocks = 0; // free by kpageflags, freed first (so in use) by the trace
  // Sorted by pfn, non-overlapping, each block aligned to its order, all inside
  // [start_pfn, start_pfn+pages): the zone's edges (unmovable, no id) and, with kpageflags, every
  // page that was not free nor on a per-CPU list.
  std::vector<PreallocatedBlock> preallocated;
  std::optional<StartState> start_state; // with kpageflags
};

struct StartStateOptions {
  std::string zone;                               // --zone NAME; empty: docs/spec.md §7.1
  const trace::TraceEvidence* evidence = nullptr; // the trace's first pass; null: none
  KernelVersion kernel{6, 1};                     // the recording's generation
  unsigned max_order = 11;
};

// The start state of the chosen zone from the snapshot and the trace's evidence.
ProcSnapshot build_start_state(const ProcFiles& files, const std::vector<ZonePages>* dumps,
                               const StartStateOptions& options);

// read_proc_files + read_page_dumps + build_start_state without a trace (the zone with the most
// present pages).
ProcSnapshot read_proc_snapshot(const std::string& dir, unsigned max_order = 11);

} // namespace memsim
