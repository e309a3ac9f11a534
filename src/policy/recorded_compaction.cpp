// What the recording kernel did without a kmem event (docs/spec.md §7.2): compaction's free
// scanner taking migration targets inside an mm_compaction_begin/end window (from the traced
// isolate_freepages ranges, or a model of Linux 6.1 isolate_freepages()), and frees of blocks
// the trace never allocated (the bulk allocator since 5.13, compaction's targets and leftovers).
#include <algorithm>

#include "policy/recorded.hpp"

namespace memsim {

namespace {

constexpr unsigned kCompactClusterMax = 32; // COMPACT_CLUSTER_MAX (SWAP_CLUSTER_MAX)

} // namespace

// The free scanner starts where the kernel's is (free_pfn of mm_compaction_begin, the zone's
// cached position), inside the zone (docs/decisions.md 103).
void RecordedPolicy::compaction_begin(const Event& e) {
  in_compaction_ = true;
  scan_done_ = false;
  spare_targets_.clear();
  const Pfn start = zone_.config().zone.start_pfn;
  const Pfn end = start + zone_.pages();
  const Pfn at = e.count >= start && e.count < end ? e.count : end - 1;
  scan_ = index(at);
}

// Linux 6.1 suitable_migration_target(): not a block headed by a free block of pageblock order
// or more, and a movable pageblock.
bool RecordedPolicy::suitable_migration_target(PageIdx block_start) const {
  const Page& p = zone_.page(block_start);
  if (p.state == PageState::free_head && p.order >= zone_.pageblock_order()) return false;
  return zone_.pageblock_migratetype(block_start) == Migratetype::movable;
}

// One order-0 page of a free block becomes a migration target (it now holds migrated data
// the trace will free under its own pfn).
bool RecordedPolicy::take_target(PageIdx page) {
  if (!isolate_target(page)) return false;
  ++compaction_targets_;
  return true;
}

// One order-0 page taken off the free lists by the free scanner, not yet handed out.
bool RecordedPolicy::isolate_target(PageIdx page) {
  if (!zone_.take_free(page, 0)) return false;
  zone_.mark_allocated(page, 0, Migratetype::movable);
  untracked_live_.insert(page);
  return true;
}

// mm_migrate_pages (reason=compaction) in a window without traced isolation: as many targets as
// it reports migrated, handed out from cc->freepages in the order they were isolated
// (compaction_alloc); when those run short, one Linux 6.1 isolate_freepages() call refills them
// (docs/decisions.md 103, 138).
void RecordedPolicy::migrate(const Event& e) {
  if (!in_compaction_ || !e.flag || traced_isolation_ || scan_done_) return;
  if (spare_targets_.size() < e.count) isolate_freepages_61(e.count);
  const std::uint64_t used = std::min<std::uint64_t>(e.count, spare_targets_.size());
  spare_targets_.erase(spare_targets_.begin(),
                       spare_targets_.begin() + static_cast<std::ptrdiff_t>(used));
  compaction_targets_ += used;
}

// Linux 6.1 isolate_freepages(): pageblocks from the scanner's position downwards, suitable
// ones scanned upwards at the stride (isolate_freepages_block); each free block met is isolated
// whole, as order-0 pages from its lowest, until cc->freepages holds `wanted`. The call starts
// at stride 1 (sync compaction); the stride doubles (to 32) after a suitable block that gave
// nothing and falls back to 1 after one that gave pages; unsuitable blocks leave it alone (the
// kernel's loop `continue`s past them).
void RecordedPolicy::isolate_freepages_61(std::uint64_t wanted) {
  unsigned stride = 1;
  const PageIdx pageblock = PageIdx{1} << zone_.pageblock_order();
  for (;;) {
    const PageIdx block_start = scan_ / pageblock * pageblock;
    const PageIdx block_end = std::min<PageIdx>(block_start + pageblock, zone_.pages());
    const std::size_t before = spare_targets_.size();
    PageIdx p = scan_;
    const bool suitable = suitable_migration_target(block_start);
    while (suitable && p < block_end && spare_targets_.size() < wanted) {
      const Page& head = zone_.page(p);
      if (head.state != PageState::free_head) {
        p += stride;
        continue;
      }
      const PageIdx size = PageIdx{1} << head.order;
      const PageIdx from = p;
      for (PageIdx i = 0; i < size; ++i)
        if (isolate_target(from + i)) spare_targets_.push_back(from + i);
      p = from + size;
    }
    if (spare_targets_.size() >= wanted) {
      // The next call resumes after the last block isolated, or at the block below.
      scan_ = p < block_end ? p : block_start == 0 ? 0 : block_start - pageblock;
      scan_done_ = p >= block_end && block_start == 0;
      return;
    }
    if (suitable)
      stride = spare_targets_.size() != before ? 1 : std::min(kCompactClusterMax, stride * 2);
    if (block_start == 0) {
      scan_done_ = true;
      return;
    }
    scan_ = block_start - pageblock;
  }
}

// mm_compaction_end: isolated pages no migration used go back to the buddy
// (release_freepages(); their frees are traced before the end line when the kernel had any,
// and free_untracked has then already released them).
void RecordedPolicy::compaction_end() {
  in_compaction_ = false;
  for (const PageIdx page : spare_targets_) release_targets(page, 0);
  spare_targets_.clear();
}

// mm_compaction_(fast_)isolate_freepages: nr_taken pages of the range, lowest free pages first.
void RecordedPolicy::isolate_freepages(const Event& e) {
  const Pfn start = zone_.config().zone.start_pfn;
  const Pfn from = std::max(e.pfn, start);
  const Pfn to = std::min<Pfn>(e.range_end, start + zone_.pages());
  std::uint64_t wanted = e.count;
  for (Pfn pfn = from; pfn < to && wanted != 0; ++pfn)
    if (take_target(index(pfn))) --wanted;
}

// Compaction targets and silent allocations inside [block, block + 2^order) stop being live.
void RecordedPolicy::release_untracked(PageIdx block, unsigned order) {
  if (untracked_live_.empty()) return;
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t i = block; i < end; ++i) {
    const auto it = untracked_live_.find(static_cast<PageIdx>(i));
    if (it == untracked_live_.end()) continue;
    zone_.mark_freed(*it);
    untracked_live_.erase(it);
  }
}

unsigned RecordedPolicy::release_targets(PageIdx block, unsigned order) {
  if (untracked_live_.empty()) return 0;
  unsigned released = 0;
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t i = block; i < end; ++i) {
    const auto page = static_cast<PageIdx>(i);
    if (untracked_live_.erase(page) == 0) continue;
    zone_.mark_freed(page);
    zone_.free_pages_ok(page, 0);
    ++released;
  }
  return released;
}

// An mm_page_free of a block the trace never allocated: compaction targets in it are freed;
// pages the model still holds free or on a per-CPU list were taken silently (the bulk allocator,
// compaction's isolation); then the block is freed as any other.
void RecordedPolicy::free_untracked(Pfn pfn, unsigned order, unsigned cpu) {
  if (!in_zone(pfn, order)) return;
  if (!aligned(pfn, order)) return count("misaligned_block");
  const PageIdx block = index(pfn);
  if (inside_live(block, order)) return count("free_of_live_block");
  release_untracked(block, order);
  // Blocks a take proved not free, freed now: the kernel had them (docs/spec.md §7.4).
  const bool set_aside = release_set_aside(block, order) != 0;
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  bool silent = release_overlapping(block, order) != 0;
  if (zone_.take_free(block, order)) {
    silent = true;
  } else {
    for (std::uint64_t i = block; i < end; ++i)
      if (zone_.take_free(static_cast<PageIdx>(i), 0)) silent = true;
  }
  if (silent && !set_aside) ++silent_allocs_;
  free(block, order, cpu, false);
}

// Whether [block, block + 2^order) holds or lies inside a block live in the model that is not
// one of its own compaction targets or silent allocations (a trace allocation).
bool RecordedPolicy::inside_live(PageIdx block, unsigned order) const {
  for (unsigned k = order + 1; k < zone_.max_order(); ++k) {
    const auto head = static_cast<PageIdx>(block & ~((PageIdx{1} << k) - 1));
    const Page& p = zone_.page(head);
    if (p.state == PageState::alloc_head && head + (std::uint64_t{1} << p.order) > block &&
        !untracked_live_.contains(head) && !set_aside_.contains(head))
      return true;
  }
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t i = block; i < end; ++i) {
    const auto page = static_cast<PageIdx>(i);
    if (zone_.page(page).state == PageState::alloc_head && !untracked_live_.contains(page) &&
        !set_aside_.contains(page))
      return true;
  }
  return false;
}

} // namespace memsim
