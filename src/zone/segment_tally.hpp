// Per power segment (docs/power.md): allocated, unmovable-or-reclaimable and per-CPU pages, kept
// by the zone's own accounting (count_pages, pcp_link, pcp_unlink) when --power gives it a tally,
// and the number of segments in each use class, updated as a segment changes class. Segments are
// aligned to pfn 0; sim/power_tracker.hpp prices the classes over time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "memsim/types.hpp"

namespace memsim {

// A segment's use, exclusive: nothing (off); only per-CPU pages (off after a drain); only
// movable allocated pages (offlinable); anything else (on).
enum class SegmentUse : std::uint8_t { off, pcp_only, offlinable, on };
inline constexpr int kSegmentUses = 4;

class SegmentTally {
public:
  // `offset`: the zone's first page's index inside its segment; `segments` cover the zone.
  SegmentTally(std::uint64_t offset, std::uint64_t segment_pages, std::uint64_t segments)
      : offset_(offset), segment_pages_(segment_pages), segments_(segments) {
    in_use_[static_cast<std::size_t>(SegmentUse::off)] = segments;
  }

  // `sign` pages of block [block, block + pages) became (+1) or stopped being (-1) allocated
  // with requested type `mt`, or on a per-CPU list.
  void count_allocated(PageIdx block, std::uint64_t pages, Migratetype mt, std::int64_t sign) {
    const bool pinned = mt != Migratetype::movable;
    for_segments(block, pages, [&](Counts& c, std::uint64_t n) {
      c.allocated = add(c.allocated, n, sign);
      if (pinned) c.pinned = add(c.pinned, n, sign);
    });
  }
  void count_pcp(PageIdx block, std::uint64_t pages, std::int64_t sign) {
    for_segments(block, pages, [&](Counts& c, std::uint64_t n) { c.pcp = add(c.pcp, n, sign); });
  }

  std::uint64_t segments() const { return segments_.size(); }
  std::uint64_t in_use(SegmentUse use) const { return in_use_[static_cast<std::size_t>(use)]; }
  SegmentUse use(std::uint64_t s) const { return segments_[s].use; }
  // One letter per segment, in pfn order: o off, d off after drain, m offlinable, n on.
  std::string use_map() const;
  // Recount from per-page uses (tests and --check): "" when the counters agree.
  std::string check(const std::vector<std::array<std::uint64_t, 3>>& recount) const;

private:
  struct Counts {
    std::uint32_t allocated = 0, pinned = 0, pcp = 0;
    SegmentUse use = SegmentUse::off;
  };
  static std::uint32_t add(std::uint32_t value, std::uint64_t n, std::int64_t sign) {
    return sign > 0 ? value + static_cast<std::uint32_t>(n) : value - static_cast<std::uint32_t>(n);
  }
  static SegmentUse classify(const Counts& c) {
    if (c.allocated == 0) return c.pcp == 0 ? SegmentUse::off : SegmentUse::pcp_only;
    return c.pinned == 0 && c.pcp == 0 ? SegmentUse::offlinable : SegmentUse::on;
  }
  template <typename F> void for_segments(PageIdx block, std::uint64_t pages, F&& update) {
    std::uint64_t first = block + offset_;
    while (pages != 0) {
      const std::uint64_t s = first / segment_pages_;
      const std::uint64_t n = std::min(pages, (s + 1) * segment_pages_ - first);
      Counts& c = segments_[s];
      update(c, n);
      const SegmentUse now = classify(c);
      if (now != c.use) {
        --in_use_[static_cast<std::size_t>(c.use)];
        ++in_use_[static_cast<std::size_t>(now)];
        c.use = now;
      }
      first += n;
      pages -= n;
    }
  }

  std::uint64_t offset_;
  std::uint64_t segment_pages_;
  std::vector<Counts> segments_;
  std::array<std::uint64_t, kSegmentUses> in_use_{};
};

} // namespace memsim
