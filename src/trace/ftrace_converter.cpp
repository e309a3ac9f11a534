// The ftrace record converter (ftrace_converter.hpp), keeping the live allocations by pfn so that a
// free inside a larger live allocation becomes a split followed by order-0 frees.
#include "trace/ftrace_converter.hpp"

namespace memsim::trace {
namespace {

constexpr unsigned kMaxOrderBound = 11; // orders 0..10 can enclose a free (docs/spec.md §4.5)

EventOp kernel_op(LineKind kind) {
  switch (kind) {
  case LineKind::zone_locked:
    return EventOp::zone_locked;
  case LineKind::pcpu_drain:
    return EventOp::pcpu_drain;
  case LineKind::extfrag:
    return EventOp::extfrag;
  case LineKind::compaction_begin:
    return EventOp::compaction_begin;
  case LineKind::compaction_end:
    return EventOp::compaction_end;
  case LineKind::migrate:
    return EventOp::migrate;
  default:
    return EventOp::isolate_freepages;
  }
}

} // namespace

void Converter::convert(const LineRecord& r) {
  switch (r.kind) {
  case LineKind::mark: {
    Event& e = push(r);
    e.op = EventOp::mark;
    e.label = r.text;
    break;
  }
  case LineKind::alloc:
    alloc(r);
    break;
  case LineKind::free:
    free(r);
    break;
  case LineKind::unparsed:
  case LineKind::other:
  case LineKind::bad:
    break;
  default:
    kernel_event(r);
    break;
  }
}

Event& Converter::push(const LineRecord& r) {
  Event& e = queue_.emplace_back();
  e.cpu = r.cpu;
  e.t = r.t;
  e.has_t = true;
  e.pos = r.line;
  return e;
}

void Converter::push_free(const LineRecord& r, std::uint64_t pfn, unsigned order) {
  Event& e = push(r);
  e.op = EventOp::free;
  e.id = pfn;
  e.order = static_cast<std::uint8_t>(order);
  e.has_order = true;
  e.flag = free_hint_;
}

// An allocation, or a probe (docs/spec.md §9) for a failed one (pfn=0).
void Converter::alloc(const LineRecord& r) {
  const bool failed = r.pfn == 0;
  if (!failed) {
    if (seeded_) drop_preallocated(r.pfn, r.order);
    live_.set(r.pfn, r.order);
  }
  Event& e = push(r);
  e.op = failed ? EventOp::probe : EventOp::alloc;
  e.id = r.pfn;
  e.pfn = r.pfn;
  e.has_pfn = !failed;
  e.order = r.order;
  e.has_order = true;
  e.mt = r.mt;
  e.gfp = r.k.gfp;
  e.has_gfp = true;
}

void Converter::free(const LineRecord& r) {
  free_hint_ = r.pfn != 0 && free_lines_ < free_hints_.size() && free_hints_[free_lines_];
  if (r.pfn != 0) ++free_lines_;
  const std::uint8_t live = live_.get(r.pfn);
  if (live != live_.kEmpty && (live & kOrderMask) == r.order) {
    live_.erase(r.pfn);
    return push_free(r, r.pfn, r.order);
  }
  if (split(r)) return;
  if (live != live_.kEmpty && (live & kPreallocated) != 0 && (live & kOrderMask) < r.order)
    return free_preallocated(r);
  if (live == live_.kEmpty)
    ++unmatched_;
  else
    live_.erase(r.pfn);
  push_free(r, r.pfn, r.order);
}

// A free inside a live allocation of a higher order (its first page included) becomes split +
// order-0 frees (docs/spec.md §4.5).
bool Converter::split(const LineRecord& r) {
  for (unsigned k = r.order + 1u; k < kMaxOrderBound; ++k) {
    const std::uint64_t head = r.pfn & ~((std::uint64_t{1} << k) - 1);
    const std::uint8_t live = live_.get(head);
    if (live == live_.kEmpty || (live & kOrderMask) != k) continue;
    for (std::uint64_t p = head; p < head + (std::uint64_t{1} << k); ++p) live_.set(p, 0);
    Event& e = push(r);
    e.op = EventOp::split;
    e.id = head;
    for (std::uint64_t p = r.pfn; p < r.pfn + (std::uint64_t{1} << r.order); ++p) {
      live_.erase(p);
      push_free(r, p, 0);
    }
    return true;
  }
  return false;
}

// The preallocated blocks the trace allocates before freeing them were free when tracing began
// (docs/decisions.md D29): they are no longer live.
void Converter::drop_preallocated(std::uint64_t pfn, unsigned order) {
  const auto drop = [this](std::uint64_t head) {
    const std::uint8_t live = live_.get(head);
    if (live == live_.kEmpty || (live & kPreallocated) == 0) return false;
    live_.erase(head);
    return true;
  };
  for (std::uint64_t p = pfn; p < pfn + (std::uint64_t{1} << order); ++p) drop(p);
  for (unsigned k = order + 1u; k < kMaxOrderBound; ++k) {
    const std::uint64_t head = pfn & ~((std::uint64_t{1} << k) - 1);
    if ((live_.get(head) & kOrderMask) == k && drop(head)) break;
  }
}

// A free starting on a smaller block live before the trace: one free per such block it
// covers (--proc-in declares pages one by one unless kpageflags shows a compound page).
void Converter::free_preallocated(const LineRecord& r) {
  const std::uint64_t end = r.pfn + (std::uint64_t{1} << r.order);
  for (std::uint64_t p = r.pfn; p < end;) {
    const std::uint8_t live = live_.get(p);
    if (live == live_.kEmpty) {
      ++p;
      continue;
    }
    const unsigned order = live & kOrderMask;
    live_.erase(p);
    push_free(r, p, order);
    p += std::uint64_t{1} << order;
  }
}

void Converter::kernel_event(const LineRecord& r) {
  Event& e = push(r);
  e.op = kernel_op(r.kind);
  e.pfn = r.pfn;
  e.has_pfn = r.kind != LineKind::migrate;
  e.order = r.order;
  e.has_order = r.kind == LineKind::zone_locked || r.kind == LineKind::pcpu_drain ||
                r.kind == LineKind::extfrag;
  e.mt = kernel_migratetype(r.k.mt_number, numbering_);
  e.fallback_mt = kernel_migratetype(r.k.fallback_mt_number, numbering_);
  e.fallback_order = r.k.fallback_order;
  e.flag = r.k.flag;
  e.count = r.k.value;
  e.range_end = r.k.range_end;
}

} // namespace memsim::trace
