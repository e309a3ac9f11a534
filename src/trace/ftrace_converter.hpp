// Line records of the ftrace reader to memsim events (docs/spec.md §4.5): mm_page_alloc becomes an
// alloc with the pfn as id (a probe when pfn=0, a failed request), mm_page_free a free, or a split
// plus order-0 frees when it falls inside a live larger allocation; tracing_mark_write a mark;
// the buddy-level lines become the buddy-level events of include/memsim/event.hpp (not trace
// events), their migratetypes mapped by the recording's kernel numbering.
#pragma once

#include <cstdint>
#include <vector>

#include "memsim/event.hpp"
#include "trace/ftrace_pipeline.hpp"
#include "trace/kernel_generation.hpp"
#include "trace/paged_byte_map.hpp"

namespace memsim::trace {

class Converter {
public:
  explicit Converter(std::vector<Event>& queue) : queue_(queue) {}

  void set_numbering(const MigratetypeNumbering& numbering) { numbering_ = numbering; }
  // free_hints.hpp: one per mm_page_free line; each free event of line n gets Event::flag =
  // hints[n] (the recorded replay's per-CPU rule).
  void set_free_hints(std::vector<bool> hints) { free_hints_ = std::move(hints); }
  // A block live before the trace (--proc-in): a free covering several of them frees each.
  void add_preallocated(std::uint64_t pfn, unsigned order) {
    live_.set(pfn, static_cast<std::uint8_t>(order | kPreallocated));
    seeded_ = true;
  }
  // Appends the events of one record to the queue.
  void convert(const LineRecord& r);
  // Frees of a pfn that was not live (replay counts them as unmatched).
  std::uint64_t unmatched() const { return unmatched_; }

private:
  static constexpr std::uint8_t kPreallocated = 0x80;
  static constexpr std::uint8_t kOrderMask = 0x7f;

  Event& push(const LineRecord& r);
  void push_free(const LineRecord& r, std::uint64_t pfn, unsigned order);
  void alloc(const LineRecord& r);
  void free(const LineRecord& r);
  bool split(const LineRecord& r);
  void drop_preallocated(std::uint64_t pfn, unsigned order);
  void free_preallocated(const LineRecord& r);
  void kernel_event(const LineRecord& r);

  std::vector<Event>& queue_;
  PagedByteMap<0xff> live_; // first pfn -> order (| kPreallocated)
  MigratetypeNumbering numbering_;
  std::uint64_t unmatched_ = 0;
  bool seeded_ = false;
  std::vector<bool> free_hints_;
  std::uint64_t free_lines_ = 0;
  bool free_hint_ = false; // of the free line being converted
};

} // namespace memsim::trace
