// The first pass's evidence (trace_evidence.hpp). A page's first touch is decided by the first
// event covering it; each later event leaves it alone.
#include "trace/trace_evidence.hpp"

#include <algorithm>

namespace memsim::trace {
namespace {

constexpr std::uint8_t kTouchMask = 0x03;
constexpr std::uint8_t kHeadBit = 0x80;
constexpr std::uint8_t kExtfragFirst = 1;
constexpr std::uint8_t kDecided = 0x10;
constexpr unsigned kMaxBlockOrder = 10; // MAX_PAGE_ORDER of x86-64 (MAX_ORDER - 1 before 6.4)

std::uint8_t state_of(FirstTouch touch) {
  return static_cast<std::uint8_t>(touch);
}

} // namespace

TraceEvidence::TraceEvidence(std::vector<std::pair<std::uint64_t, std::uint64_t>> zones,
                             unsigned pageblock_order, bool pages)
    : zones_(std::move(zones)), pageblock_order_(pageblock_order), pages_(pages),
      zone_allocs_(zones_.size(), 0) {}

void TraceEvidence::add(const LineRecord& r) {
  if (r.kind == LineKind::mark || r.kind == LineKind::bad) return;
  if (r.kind >= LineKind::zone_locked)
    ++kernel_events_[static_cast<std::size_t>(r.kind) -
                     static_cast<std::size_t>(LineKind::zone_locked)];
  const bool has_pfn = r.kind == LineKind::alloc || r.kind == LineKind::free ||
                       r.kind == LineKind::zone_locked || r.kind == LineKind::pcpu_drain ||
                       r.kind == LineKind::extfrag;
  if (!has_pfn || r.pfn == 0) return; // pfn=0: a failed allocation
  if (!pfn_hex_) pfn_hex_ = r.k.pfn_hex;
  if (r.kind == LineKind::extfrag && !extfrag_pageblock_order_ && r.k.pageblock_order != 0)
    extfrag_pageblock_order_ = r.k.pageblock_order;
  if (r.kind == LineKind::alloc) count_zone(r.pfn);
  if (!pages_ || r.order > kMaxBlockOrder) return; // no kernel has such a block
  const std::uint64_t first = touch_.get(r.pfn);
  switch (r.kind) {
  case LineKind::alloc:
    if (first == 0) pcp_.push_back({r.pfn, r.order, r.cpu, false, r.mt, 0});
    return touch(r.pfn, r.order, state_of(FirstTouch::pcp));
  case LineKind::free:
    if (first == 0) touch_.set(r.pfn, static_cast<std::uint8_t>(kHeadBit | (r.order << 2)));
    return touch(r.pfn, r.order, state_of(FirstTouch::freed));
  case LineKind::pcpu_drain:
    if (first == 0)
      pcp_.push_back({r.pfn, r.order, r.cpu, true, Migratetype::movable, r.k.mt_number});
    touch(r.pfn, r.order, state_of(FirstTouch::pcp));
    return pageblock_seen(r.pfn, r.order, r.k.mt_number);
  case LineKind::zone_locked:
    if (first == 0) first_takes_.push_back(r.pfn);
    touch(r.pfn, r.order, state_of(FirstTouch::taken));
    return pageblock_seen(r.pfn, r.order, r.k.mt_number);
  default: // extfrag: the allocated block was free; its pageblocks' start types are unknown now
    if (first == 0) first_takes_.push_back(r.pfn);
    touch(r.pfn, r.order, state_of(FirstTouch::taken));
    return pageblock_seen(r.pfn, std::max<unsigned>(r.order, r.k.fallback_order), std::nullopt);
  }
}

// Marks every untouched page of [pfn, pfn + 2^order) with `state` (a free's first page keeps
// its head bit and order, set before).
void TraceEvidence::touch(std::uint64_t pfn, unsigned order, std::uint8_t state) {
  const std::uint64_t end = pfn + (std::uint64_t{1} << order);
  for (std::uint64_t p = pfn; p < end; ++p) {
    const std::uint8_t value = touch_.get(p);
    if (value == 0)
      touch_.set(p, state);
    else if ((value & kTouchMask) == 0) // the head of a free, just marked
      touch_.set(p, static_cast<std::uint8_t>(value | state));
  }
}

void TraceEvidence::pageblock_seen(std::uint64_t pfn, unsigned order,
                                   std::optional<std::uint8_t> number) {
  const std::uint64_t first = pfn >> pageblock_order_;
  const std::uint64_t last = (pfn + (std::uint64_t{1} << order) - 1) >> pageblock_order_;
  for (std::uint64_t block = first; block <= last; ++block) {
    if (pageblocks_.get(block) != 0) continue;
    pageblocks_.set(block, number ? static_cast<std::uint8_t>(kDecided | *number) : kExtfragFirst);
  }
}

void TraceEvidence::count_zone(std::uint64_t pfn) {
  if (zones_.empty()) return;
  if (pfn >= zones_[last_zone_].first && pfn < zones_[last_zone_].second) {
    ++zone_allocs_[last_zone_];
    return;
  }
  for (std::size_t z = 0; z < zones_.size(); ++z) {
    if (pfn >= zones_[z].first && pfn < zones_[z].second) {
      ++zone_allocs_[z];
      last_zone_ = z;
      return;
    }
  }
}

FirstTouch TraceEvidence::first_touch(std::uint64_t pfn) const {
  return static_cast<FirstTouch>(touch_.get(pfn) & kTouchMask);
}

std::optional<unsigned> TraceEvidence::freed_order(std::uint64_t pfn) const {
  const std::uint8_t value = touch_.get(pfn);
  if ((value & kHeadBit) == 0) return std::nullopt;
  return (value & 0x7c) >> 2;
}

std::optional<std::uint8_t> TraceEvidence::pageblock_number(std::uint64_t index) const {
  const std::uint8_t value = pageblocks_.get(index);
  if ((value & kDecided) == 0) return std::nullopt;
  return static_cast<std::uint8_t>(value & 0x0f);
}

std::uint64_t TraceEvidence::count(LineKind kind) const {
  if (kind < LineKind::zone_locked) return 0;
  return kernel_events_[static_cast<std::size_t>(kind) -
                        static_cast<std::size_t>(LineKind::zone_locked)];
}

} // namespace memsim::trace
