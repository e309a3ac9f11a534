// Region-sorted free lists (Bhat v4 06/09/11/12; docs/region-aware.md): the
// insertion position, the deletion with anchor hand-over, the bulk splice of a grant, and the
// recount that --check runs.
#include "region/sorted_freelists.hpp"

#include <fmt/format.h>

namespace memsim {

SortedFreelists::SortedFreelists(const Geometry& geometry, unsigned max_order, bool sorted)
    : regions_(geometry.regions), sorted_(sorted),
      segments_(static_cast<std::uint64_t>(max_order) * kMigratetypes * geometry.regions),
      present_(static_cast<std::uint64_t>(max_order) * kMigratetypes,
               RegionBitmap(geometry.regions)),
      region_free_(geometry.regions, 0) {}

// add_to_freelist() (v4 06/11/12): a region already on the list gets the block just before its
// anchor; a new region goes right after the previous region's anchor, or at the list head, and
// the block becomes its anchor.
void SortedFreelists::insert(Zone& zone, PageIdx block, unsigned order, Migratetype mt, bool tail) {
  const std::uint64_t r = zone.region_of(block);
  Segment& seg = segments_[slot(order, mt, r)];
  if (!sorted_) {
    if (tail) {
      zone.link_tail(block, order, mt);
    } else {
      zone.link_head(block, order, mt);
    }
  } else if (seg.count != 0) {
    zone.link_before(seg.anchor, block, order, mt);
  } else {
    const auto prev = present(order, mt).highest_below(r);
    if (prev) {
      zone.link_after(segments_[slot(order, mt, *prev)].anchor, block, order, mt);
    } else {
      zone.link_head(block, order, mt);
    }
    seg.anchor = block;
    present(order, mt).set(r);
  }
  ++seg.count;
  region_free_[r] += std::uint64_t{1} << order;
}

// del_from_freelist() / rmqueue_del_from_freelist() (v4 09): the page's order and list type
// say which list it is on (the v4 freepage migratetype, docs/semantics.md D24).
void SortedFreelists::remove(Zone& zone, PageIdx block) {
  const Page& p = zone.page(block);
  const unsigned order = p.order;
  const std::uint64_t r = zone.region_of(block);
  Segment& seg = segments_[slot(order, p.mt, r)];
  if (sorted_ && seg.anchor == block) {
    if (seg.count == 1) {
      seg.anchor = kNoPage;
      present(order, p.mt).clear(r);
    } else {
      seg.anchor = p.prev; // the previous element is in the same region (contiguous segment)
    }
  }
  --seg.count;
  region_free_[r] -= std::uint64_t{1} << order;
  zone.unlink(block);
}

void SortedFreelists::splice_before(Zone& zone, PageIdx at, PageIdx block) {
  const Page& a = zone.page(at);
  const unsigned order = a.order;
  const Migratetype mt = a.mt;
  zone.link_before(at, block, order, mt);
  ++segments_[slot(order, mt, zone.region_of(block))].count;
}

std::vector<PageIdx> SortedFreelists::segment_blocks(const Zone& zone, unsigned order,
                                                     Migratetype mt, std::uint64_t region) const {
  const Segment& seg = segment(order, mt, region);
  std::vector<PageIdx> out;
  out.reserve(seg.count);
  if (sorted_) {
    PageIdx first = seg.anchor;
    for (std::uint32_t i = 1; i < seg.count; ++i) first = zone.page(first).prev;
    for (PageIdx b = first; out.size() < seg.count; b = zone.page(b).next) out.push_back(b);
    return out;
  }
  for (PageIdx b = zone.free_list(order, mt).head; b != kNoPage && out.size() < seg.count;
       b = zone.page(b).next)
    if (zone.region_of(b) == region) out.push_back(b);
  return out;
}

std::string SortedFreelists::check_list(const Zone& zone, unsigned order, Migratetype mt) const {
  std::vector<std::uint32_t> counts(regions_, 0);
  std::vector<PageIdx> last(regions_, kNoPage);
  std::uint64_t prev_region = 0;
  bool first = true;
  for (PageIdx b = zone.free_list(order, mt).head; b != kNoPage; b = zone.page(b).next) {
    const std::uint64_t r = zone.region_of(b);
    if (sorted_ && !first && r != prev_region && (r < prev_region || counts[r] != 0))
      return fmt::format("free_list[{}][{}]: region {} is not one segment in increasing region "
                         "order (block {} after region {})",
                         order, to_string(mt), r, b, prev_region);
    ++counts[r];
    last[r] = b;
    prev_region = r;
    first = false;
  }
  const RegionBitmap& bits = present_[order * kMigratetypes + static_cast<unsigned>(index_of(mt))];
  for (std::uint64_t r = 0; r < regions_; ++r) {
    const Segment& seg = segment(order, mt, r);
    if (seg.count != counts[r])
      return fmt::format("free_list[{}][{}]: region {} counted {} blocks, the list holds {}", order,
                         to_string(mt), r, seg.count, counts[r]);
    if (sorted_ && (seg.anchor != last[r] || bits.test(r) != (counts[r] != 0)))
      return fmt::format("free_list[{}][{}]: region {} anchor {} is not its last block {}", order,
                         to_string(mt), r, seg.anchor, last[r]);
  }
  return {};
}

std::string SortedFreelists::check(const Zone& zone) const {
  std::vector<std::uint64_t> free(regions_, 0);
  for (PageIdx i = 0; i < zone.pages();) {
    const Page& p = zone.page(i);
    const bool head = p.state == PageState::free_head || p.state == PageState::held;
    const std::uint64_t size =
        head || p.state == PageState::alloc_head ? std::uint64_t{1} << p.order : 1;
    if (head) free[zone.region_of(i)] += size;
    i = static_cast<PageIdx>(i + size);
  }
  for (std::uint64_t r = 0; r < regions_; ++r)
    if (free[r] != region_free_[r])
      return fmt::format("region {} free pages counted {}, recount {}", r, region_free_[r],
                         free[r]);
  for (unsigned o = 0; o < present_.size() / kMigratetypes; ++o)
    for (int t = 0; t < kMigratetypes; ++t) {
      std::string broken = check_list(zone, o, migratetype_at(t));
      if (!broken.empty()) return broken;
    }
  return {};
}

} // namespace memsim
