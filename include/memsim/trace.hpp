// Trace readers: a trace is a header and a stream of events (docs/spec.md §4). open_trace() picks
// the format by content (JSON document or JSON Lines) and the compression by magic bytes (gzip,
// zstd, xz), never by the file name. Every malformed input throws InputError("FILE:LINE: ...").
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memsim/event.hpp"

namespace memsim {

// The generation of the kernel that recorded a trace (docs/spec.md §7.2): rules of the recorded
// replay and the kernel's migratetype numbering depend on it.
struct KernelVersion {
  unsigned major = 0, minor = 0;
  friend constexpr auto operator<=>(const KernelVersion&, const KernelVersion&) = default;
};

struct PreallocatedBlock {
  Pfn pfn = 0;
  unsigned order = 0;
  Migratetype mt = Migratetype::unmovable;
  std::optional<std::uint64_t> id; // a live allocation the trace may free; none: in use for ever
};

// A page (or order-o block) on a CPU's per-CPU list when the trace begins (docs/spec.md §7.1).
struct PcpBlock {
  Pfn pfn = 0;
  unsigned order = 0;
  unsigned cpu = 0;
  Migratetype mt = Migratetype::movable; // the list it sits on (its cached type)
  // How the trace found it: the rank of its first touch among the per-CPU blocks, and whether
  // that touch was a drain (the list's tail end) rather than an allocation (its head end).
  std::uint32_t rank = 0;
  bool drained = false;
};

// The machine's real state when the trace begins, from `--proc-in DIR` (docs/spec.md §7.1). When
// a header carries one, the zone is not booted empty: every pageblock takes its type from
// `pageblock_types`, the `preallocated` blocks are allocated in place, the `pcp` blocks sit on
// their CPU's lists, and every other page of the zone is free, handed to the policy's free path
// in ascending pfn order as the largest aligned blocks (as boot does).
struct StartState {
  std::vector<Migratetype> pageblock_types; // one per pageblock of the zone, in pfn order
  std::vector<PcpBlock> pcp;                // sorted by pfn
  // Pfns of the trace's buddy-level takes that first touched a page free at the start, in trace
  // order (the free lists' order at the start, as far as the trace shows it).
  std::vector<Pfn> first_takes;
  // Zone parameters the snapshot gave (zoneinfo); unset: the policy's formula.
  std::optional<std::uint64_t> managed_pages, watermark_min, watermark_low, watermark_high;
  struct CpuPageset {
    unsigned high = 0, batch = 0;
    std::optional<unsigned> high_min, high_max; // 6.7+ zoneinfo
  };
  std::vector<CpuPageset> pagesets;                 // per CPU, as listed
  nlohmann::json report = nlohmann::json::object(); // the stats' `start_state` section
};

struct TraceHeader {
  nlohmann::json zone = nlohmann::json::object(); // the header's "zone" object, keys as given
  nlohmann::json meta = nlohmann::json::object();
  std::vector<PreallocatedBlock> preallocated;
  std::optional<StartState> start_state; // --proc-in with a full snapshot (docs/spec.md §7.1)
  // ftrace input: the recording's kernel generation, from --proc-in DIR/version, --kernel, or
  // the pfn format (hex: 6.1, decimal: 3.x, printed as 3.0); meta.kernel says which.
  std::optional<KernelVersion> kernel;
  // The number of events that follow, when the reader knows it before the first next() (the
  // ftrace reader counts them in its first pass), so no counting pass is needed.
  std::optional<std::uint64_t> events;
  bool ftrace = false; // read from kmem ftrace text (not from a memsim trace)
};

class TraceReader {
public:
  virtual ~TraceReader() = default;
  // The header, complete before the first next().
  virtual const TraceHeader& header() const = 0;
  // Fills `out` with the next event and returns true, or returns false at the end of the trace.
  // Throws InputError naming file and line for malformed input.
  virtual bool next(Event& out) = 0;
  // "FILE:LINE" (or "FILE:byte N" for the JSON document form) of an event's pos.
  virtual std::string where(std::uint64_t pos) const = 0;
};

// Options of the ftrace kmem text reader (docs/spec.md §4.5).
struct FtraceOptions {
  bool skip_bad_lines = false; // a malformed known event is counted in meta.bad_lines
  bool gfp_pre_4_4 = false;    // hex gfp_flags use the pre-4.4 bits (__GFP_RECLAIMABLE 0x80000)
  std::string proc_in;         // --proc-in DIR: geometry and pages in use from /proc snapshots
  std::string zone;            // --zone NAME: the snapshot's zone (default: docs/spec.md §7.1)
  std::optional<KernelVersion> kernel; // --kernel X.Y (DIR/version wins)
  // The first pass also looks ahead from every free to the next event of its block, for the
  // recorded policy's per-CPU rule (docs/spec.md §7.2; Event::flag on free events).
  bool free_hints = false;
  std::string name; // the name in messages (default: the path; "<stdin>" when spooled)
};

// path "-" reads standard input. Ftrace kmem text is read with `ftrace` (standard input is
// copied to an unnamed temporary file first: that reader makes two passes).
std::unique_ptr<TraceReader> open_trace(const std::string& path, const FtraceOptions& ftrace);
std::unique_ptr<TraceReader> open_trace(const std::string& path);

// The number of events of a trace file (docs/semantics.md D10: for JSON Lines the non-blank lines
// after the header), found by a pass over the file that does not parse events in full.
std::uint64_t count_trace_events(const std::string& path);

// True when `head` (the first bytes of a decompressed input) looks like ftrace text: a '#'
// tracer header or a first line of the shape `comm-pid [cpu] [flags] ts: event:`.
bool looks_like_ftrace(std::string_view head);

// Reads kmem tracepoint text (tracefs trace / trace_pipe, trace-cmd report, perf script) as
// memsim events; the header's geometry and meta come from a first pass over the file (a file,
// not standard input). Event::pos is the trace line.
std::unique_ptr<TraceReader> open_ftrace(const std::string& path,
                                         const FtraceOptions& options = {});

// A reader over events held in memory (tests, generators). where() gives "NAME:LINE".
std::unique_ptr<TraceReader> make_memory_reader(TraceHeader header, std::vector<Event> events,
                                                std::string name = "<memory>");

} // namespace memsim
