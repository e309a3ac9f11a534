// One line of ftrace kmem text (docs/spec.md §4.5), parsed by hand (std::from_chars, no regex): the
// `comm-pid [cpu] [flags] ts: event: fields` shapes of tracefs `trace` / `trace_pipe` (4- or
// 5-character flags, with or without the irq-info columns), `trace-cmd report` and `perf
// script`; mm_page_alloc and mm_page_free (or the pre-3.3 mm_page_free_direct) fields with
// decimal or hex pfn and symbolic or hex gfp_flags; tracing_mark_write labels.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "memsim/types.hpp"

namespace memsim::trace {

enum class LineKind : std::uint8_t { unparsed, other, mark, alloc, free, bad };

// A parsed line; the views point into the line.
struct ParsedLine {
  LineKind kind = LineKind::unparsed;
  std::string_view name;        // the event name (other, bad, alloc, free)
  std::string_view label;       // mark
  std::string message;          // bad
  std::string_view unknown_gfp; // alloc: a symbolic gfp_flags name no kernel prints, if any
  std::uint32_t cpu = 0;
  double t = 0.0;
  std::uint64_t pfn = 0;
  unsigned order = 0;
  Migratetype mt = Migratetype::unmovable;
};

// `with_time` false leaves out.t alone (the geometry pass needs no time). `gfp_pre_4_4`: hex
// gfp_flags use the pre-4.4 bits (__GFP_RECLAIMABLE 0x80000).
void parse_line(std::string_view line, bool gfp_pre_4_4, ParsedLine& out, bool with_time = true);

} // namespace memsim::trace
