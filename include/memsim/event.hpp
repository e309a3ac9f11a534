// One trace event as the readers deliver it and the simulator applies it (docs/spec.md §4.3).
// alloc/free/mark/split/probe are the memsim trace events (they count as trace events: `i`,
// the timeline's `event`, `trace.events`). The buddy-level kernel events (zone_locked ...
// isolate_freepages) come from ftrace input only; they are not trace events (no index, no
// sample) and only the recorded policy and the decision-agreement scoring use them
// (docs/spec.md §7.2, §7.4).
#pragma once

#include <cstdint>
#include <string>

#include "memsim/gfp.hpp"
#include "memsim/types.hpp"

namespace memsim {

enum class EventOp : std::uint8_t {
  alloc,
  free,
  mark,
  split,
  probe, // a request the recorded kernel could not satisfy (ftrace pfn=0), docs/spec.md §9
  // buddy-level kernel events (is_trace_event() is false for these):
  zone_locked,       // mm_page_alloc_zone_locked: a block leaves the free lists
  pcpu_drain,        // mm_page_pcpu_drain: a page goes back from a per-CPU list to the buddy
  extfrag,           // mm_page_alloc_extfrag: a fallback
  compaction_begin,  // mm_compaction_begin
  compaction_end,    // mm_compaction_end
  migrate,           // mm_migrate_pages: `count` pages migrated (nr_succeeded)
  isolate_freepages, // mm_compaction_(fast_)isolate_freepages: range [pfn, range_end), `count`
                     // taken
};

constexpr bool is_trace_event(EventOp op) {
  return op <= EventOp::probe;
}

struct Event {
  EventOp op = EventOp::alloc;
  std::uint8_t order = 0; // alloc/probe/buddy-level: the order; free: checked if has_order
  bool has_order = false;
  bool cold =
      false; // __GFP_COLD on alloc; free_hot_cold_page(page, 1) on free (docs/semantics.md D16)
  bool has_t = false;
  bool has_pfn = false;
  bool has_gfp = false;
  // zone_locked: percpu_refill=1; extfrag: change_ownership=1; migrate: reason=compaction;
  // free (ftrace with FtraceOptions::free_hints): the block's next event is a pcpu_drain or an
  // allocation of the same pfn and order (it went onto a per-CPU list, docs/spec.md §7.2);
  // isolate_freepages: the fast variant (mm_compaction_fast_isolate_freepages)
  bool flag = false;
  // alloc/probe: requested; zone_locked/pcpu_drain: as printed (mapped from the kernel's
  // numbering); extfrag: alloc_migratetype
  Migratetype mt = Migratetype::movable;
  Migratetype fallback_mt = Migratetype::movable; // extfrag: fallback_migratetype
  std::uint8_t fallback_order = 0;                // extfrag: fallback_order
  std::uint32_t cpu = 0;
  GfpMask gfp = 0;      // alloc/probe, when has_gfp (canonical layout, memsim/gfp.hpp)
  std::uint64_t id = 0; // alloc, free, split
  Pfn pfn = 0;       // alloc (the traced pfn) and buddy-level events, when has_pfn; compaction_*:
                     // zone_start
  Pfn range_end = 0; // isolate_freepages: end of the scanned range (exclusive); compaction_*:
                     // zone_end
  // migrate: pages migrated; isolate_freepages: pages taken; compaction_*: free_pfn (the free
  // scanner's position)
  std::uint64_t count = 0;
  double t = 0.0;        // seconds, when has_t
  std::uint64_t pos = 0; // where the event stands: 1-based line, or byte offset (JSON document)
  std::string label;     // mark only
};

} // namespace memsim
