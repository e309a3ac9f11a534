// The `region-aware` policy: Bhat's v4 "Memory Power Management" design without targeted
// evacuation (docs/spec.md §3, docs/semantics.md D25–D35): region-sorted free lists, lower-region
// bias, the region allocator behind the page allocator (PA⇒RA on insertion, RA⇒PA before any
// fallback), re-typing of granted regions, loan-only stealing and the one-region cache. Each
// ingredient is a switch under region_aware.*; all off is exactly `stock`.
#pragma once

#include "policy/stock.hpp"
#include "region/region_allocator.hpp"
#include "region/sorted_freelists.hpp"

namespace memsim {

struct RegionAwareSwitches {
  bool sorted_freelists = true;
  bool lower_region_bias = true;
  bool region_allocator = true;
  bool retype_regions = true;
  bool loan_only_stealing = true;
  bool ra_cache = true;
};

class RegionAwarePolicy : public StockPolicy, private FreeListHooks {
public:
  RegionAwarePolicy(Zone& zone, const Config& config);
  ~RegionAwarePolicy() override;

  // A region the region allocator could grant counts as the requested type's own (§9).
  ProbeAnswer probe(unsigned order, Migratetype mt) const override;
  std::uint64_t held_blocks() const override { return ra_.held_blocks(); }
  void report(PolicyReport& out) const override;
  void config_json(nlohmann::ordered_json& out) const override;
  std::vector<std::string> notes() const override;
  void check_invariants() const override;
  // Its __rmqueue moves regions and biases the smallest order: no side-effect-free answer.
  memsim::Predictor* predictor() override { return nullptr; }

  const SortedFreelists& freelists() const { return lists_; }
  const RegionAllocator& region_allocator() const { return ra_; }
  const RegionAwareSwitches& switches() const { return switches_; }

protected:
  // __rmqueue() of v4 26: __rmqueue_smallest, then a region from the RA (never for RESERVE)
  // and retry, then __rmqueue_fallback, then MIGRATE_RESERVE.
  Taken rmqueue(unsigned order, Migratetype mt) override;
  // v4 15: the smallest order unless a larger one's head block lies in a lower region.
  PageIdx rmqueue_smallest(unsigned order, Migratetype mt) override;

private:
  // add_to_freelist() of v4 06/25: sorted insertion, then the PA⇒RA check (D28, D31).
  void add_to_freelist(Zone& zone, PageIdx block, unsigned order, Migratetype mt,
                       bool tail) override;
  // del_from_freelist() of v4 06/09.
  void del_from_freelist(Zone& zone, PageIdx block) override;
  // move_freepages() meeting an RA block (v4 30, D30): the whole region to MOVABLE.
  void release_held_block(Zone& zone, PageIdx block) override;

  // can_return_region() (v4 25/33) for the region of a block just inserted.
  bool can_return_region(PageIdx block, unsigned order, Migratetype mt) const;
  // add_to_region_allocator() (v4 19): the region's segment leaves the list for the RA.
  void return_region(std::uint64_t region, unsigned order, Migratetype mt);
  // __del_from_region_allocator() (v4 20/27/29/32): the region's blocks onto free_list[top][mt].
  void grant_region(std::uint64_t region, Migratetype mt, bool by_move_freepages);
  std::uint64_t region_present(std::uint64_t region) const;

  RegionAwareSwitches switches_;
  SortedFreelists lists_;
  RegionAllocator ra_;
  RegionAllocatorCounts ra_counts_;
  PageIdx stealing_block_ = kNoPage; // the block __rmqueue_fallback is about to take (D31)
};

// The region_aware.* switches of `config` (defaults: all true).
RegionAwareSwitches region_aware_switches(const Config& config);

} // namespace memsim
