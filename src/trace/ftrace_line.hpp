// One line of ftrace kmem text (docs/spec.md §4.5), parsed by hand (std::from_chars, no regex): the
// `comm-pid [cpu] [flags] ts: event: fields` shapes of tracefs `trace` / `trace_pipe` (4- or
// 5-character flags, with or without the irq-info columns), `trace-cmd report` and `perf
// script`; mm_page_alloc and mm_page_free (or the pre-3.3 mm_page_free_direct) fields with
// decimal or hex pfn and symbolic or hex gfp_flags; the buddy-level kmem, compaction and migrate
// events (ftrace_kernel_events.cpp); tracing_mark_write labels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "memsim/gfp.hpp"
#include "memsim/trace.hpp"
#include "memsim/types.hpp"

namespace memsim::trace {

enum class LineKind : std::uint8_t {
  unparsed,
  other,
  mark,
  alloc,
  free,
  bad,
  // buddy-level kernel events (include/trace/events/kmem.h, compaction.h, migrate.h):
  zone_locked,       // mm_page_alloc_zone_locked
  pcpu_drain,        // mm_page_pcpu_drain
  extfrag,           // mm_page_alloc_extfrag
  compaction_begin,  // mm_compaction_begin
  compaction_end,    // mm_compaction_end
  migrate,           // mm_migrate_pages
  isolate_freepages, // mm_compaction_isolate_freepages, mm_compaction_fast_isolate_freepages
};

// The fields beyond pfn and order: gfp of mm_page_alloc and those of the buddy-level events, with
// migratetypes as the kernel numbered them (mapped later, by the recording's generation).
struct KernelFields {
  std::uint64_t value = 0;     // migrate: nr_succeeded; isolate_freepages: nr_taken;
                               // compaction_*: free_pfn
  std::uint64_t range_end = 0; // isolate_freepages: the range's end; compaction_*: zone_end
  GfpMask gfp = 0;             // alloc
  std::uint8_t mt_number = 0;  // zone_locked, pcpu_drain: migratetype=; extfrag: alloc_migratetype=
  std::uint8_t fallback_mt_number = 0; // extfrag: fallback_migratetype=
  std::uint8_t fallback_order = 0;     // extfrag
  std::uint8_t pageblock_order = 0;    // extfrag
  // zone_locked: percpu_refill=1; extfrag: change_ownership=1; migrate: reason=compaction;
  // isolate_freepages: the fast variant
  bool flag = false;
  bool pfn_hex = false; // the pfn was printed in hex (Linux 5.14 and later)
};

// A parsed line; the views point into the line.
struct ParsedLine {
  LineKind kind = LineKind::unparsed;
  std::string_view name;        // the event name (other, bad, alloc, free, buddy-level)
  std::string_view label;       // mark
  std::string message;          // bad
  std::string_view unknown_gfp; // alloc: a symbolic gfp_flags name no kernel prints, if any
  std::uint32_t cpu = 0;
  double t = 0.0;
  std::uint64_t pfn = 0; // alloc, free, buddy-level; compaction_*: zone_start
  unsigned order = 0;    // alloc, free, zone_locked, pcpu_drain; extfrag: alloc_order
  Migratetype mt = Migratetype::unmovable; // alloc: from gfp_flags
  KernelFields k;
};

struct LineOptions {
  bool gfp_pre_4_4 = false;            // hex gfp_flags use the pre-4.4 bits
  std::optional<KernelVersion> kernel; // names' meaning; unset: 6.1 for hex pfns, 3.x for decimal
  bool with_time = true;               // false leaves out.t alone (the geometry pass)
};

void parse_line(std::string_view line, const LineOptions& options, ParsedLine& out);

// The fields of a buddy-level event `kind` after its name; sets out.kind to bad on a malformed
// one (ftrace_kernel_events.cpp).
void parse_kernel_event(std::string_view rest, ParsedLine& out);
// The kind of a buddy-level event name, or LineKind::other.
LineKind kernel_event_kind(std::string_view name);

// Shared by the field parsers: a decimal or 0x-hex u64 of the whole text.
bool parse_u64(std::string_view text, std::uint64_t& value);

} // namespace memsim::trace
