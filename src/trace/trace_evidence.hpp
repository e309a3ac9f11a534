// What the first pass over ftrace text learns about the machine's state when tracing began, for
// `--proc-in` (docs/spec.md §7.1), independent of the zone later chosen: how each page was first
// touched (taken from the buddy, found on a per-CPU list, or freed: in use), the per-CPU blocks it
// shows, each pageblock's first buddy-level migratetype before any fallback touched it, the
// allocations per zone, and the counts of the buddy-level events.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "trace/ftrace_pipeline.hpp"
#include "trace/paged_byte_map.hpp"

namespace memsim::trace {

// How the trace first touched a page.
enum class FirstTouch : std::uint8_t {
  none,  // never
  taken, // by a buddy-level take (zone_locked, extfrag): it was free in the buddy
  pcp,   // by an allocation with no take before it, or by a pcpu_drain: on a per-CPU list
  freed, // by a free: it was in use (freed_order() tells whether it headed the free)
};

// A block the trace shows on a per-CPU list when tracing began.
struct PcpCandidate {
  std::uint64_t pfn = 0;
  std::uint8_t order = 0;
  std::uint32_t cpu = 0;
  bool drained = false; // found by a pcpu_drain (mt_number) rather than an allocation (mt)
  Migratetype mt = Migratetype::movable;
  std::uint8_t mt_number = 0;
};

// Counts of the buddy-level lines, in LineKind order from zone_locked.
inline constexpr std::array<const char*, 7> kKernelEventNames{"mm_page_alloc_zone_locked",
                                                              "mm_page_pcpu_drain",
                                                              "mm_page_alloc_extfrag",
                                                              "mm_compaction_begin",
                                                              "mm_compaction_end",
                                                              "mm_migrate_pages",
                                                              "mm_compaction_isolate_freepages"};

class TraceEvidence {
public:
  // `zones`: [start, end) pfn spans whose allocations are counted; `pageblock_order`: the order
  // the pageblock evidence is kept at; without `pages`, only the counts are kept.
  TraceEvidence(std::vector<std::pair<std::uint64_t, std::uint64_t>> zones,
                unsigned pageblock_order, bool pages);

  void add(const LineRecord& r);

  FirstTouch first_touch(std::uint64_t pfn) const;
  // The order of the free that first touched `pfn` when it was that free's first page.
  std::optional<unsigned> freed_order(std::uint64_t pfn) const;
  // The highest touched pfn in [from, to) plus one, `from` when none.
  std::uint64_t touched_end(std::uint64_t from, std::uint64_t to) const {
    return touch_.highest_set_end(from, to);
  }
  const std::vector<PcpCandidate>& pcp_candidates() const { return pcp_; }
  // The pfns of the buddy-level takes (zone_locked, extfrag) that first touched their page, in
  // trace order: the order in which blocks free at the start left their lists.
  const std::vector<std::uint64_t>& first_takes() const { return first_takes_; }
  // The kernel's migratetype number of pageblock `index`'s first zone_locked / pcpu_drain before
  // any extfrag touched it; nullopt: no such event.
  std::optional<std::uint8_t> pageblock_number(std::uint64_t index) const;

  const std::vector<std::uint64_t>& zone_allocs() const { return zone_allocs_; }
  const std::array<std::uint64_t, kKernelEventNames.size()>& kernel_events() const {
    return kernel_events_;
  }
  std::uint64_t count(LineKind kind) const;
  std::optional<unsigned> extfrag_pageblock_order() const { return extfrag_pageblock_order_; }
  std::optional<bool> pfn_hex() const { return pfn_hex_; } // of the first line with a pfn

private:
  void touch(std::uint64_t pfn, unsigned order, std::uint8_t state);
  void pageblock_seen(std::uint64_t pfn, unsigned order, std::optional<std::uint8_t> number);
  void count_zone(std::uint64_t pfn);

  std::vector<std::pair<std::uint64_t, std::uint64_t>> zones_;
  unsigned pageblock_order_;
  bool pages_;
  PagedByteMap<0> touch_;      // pfn -> FirstTouch, | kHeadBit | order for a free's first page
  PagedByteMap<0> pageblocks_; // pageblock -> 0 none, 1 extfrag first, 0x10 | mt number
  std::vector<PcpCandidate> pcp_;
  std::vector<std::uint64_t> first_takes_;
  std::vector<std::uint64_t> zone_allocs_;
  std::array<std::uint64_t, kKernelEventNames.size()> kernel_events_{};
  std::optional<unsigned> extfrag_pageblock_order_;
  std::optional<bool> pfn_hex_;
  std::size_t last_zone_ = 0;
};

} // namespace memsim::trace
