// The `stock` policy: the Linux 3.11 __rmqueue with __rmqueue_smallest and
// __rmqueue_fallback, LIFO free lists. Later policies derive from it and replace pieces.
#pragma once

#include "policy/policy.hpp"

namespace memsim {

class StockPolicy : public Policy {
public:
  explicit StockPolicy(const Config& config) : config_(config) {}
  Taken rmqueue(Zone& zone, unsigned order, Migratetype mt) override;

protected:
  // __rmqueue_smallest(): the smallest order with a block on free_list[..][mt]; its head.
  virtual PageIdx rmqueue_smallest(Zone& zone, unsigned order, Migratetype mt);
  // __rmqueue_fallback(): steal from another migratetype, largest order first.
  PageIdx rmqueue_fallback(Zone& zone, unsigned order, Migratetype start_mt);
  // The steal step of __rmqueue_fallback on `page` (head of free_list[current_order][..]):
  // 3.11 moves the pageblock's free pages and claims the pageblock if they are at least half.
  virtual void steal_freepages(Zone& zone, PageIdx page, unsigned current_order,
                               Migratetype start_mt);
  // Whether the block taken re-types its pageblocks (change_pageblock_range) when it is at
  // least a pageblock; 3.11 always does.
  virtual bool claims_whole_blocks() const { return true; }

  Config config_;
};

} // namespace memsim
