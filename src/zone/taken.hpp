// What a take from the free lists handed out, and how it was found, and the __rmqueue interface
// per-CPU list models refill through. A policy implements Rmqueue with its generation's rules.
#pragma once

#include <cstdint>

#include "memsim/types.hpp"

namespace memsim {

// How the block was found (stats and later counters need no guessing).
enum class TakeSource : std::uint8_t {
  none,           // nothing could be taken
  own_list,       // __rmqueue_smallest on the requested type's lists
  fallback_claim, // __rmqueue_fallback that re-typed the pageblock(s)
  fallback_steal, // __rmqueue_fallback that re-typed nothing
  region_grant,   // a region handed out by the region allocator, then own list
  reserve,        // 3.11 MIGRATE_RESERVE as the last resort
  highatomic,     // a MIGRATE_HIGHATOMIC block (6.1+ rmqueue_buddy)
  pcp,            // a per-CPU list (the refill's source is in `fallback`)
  untracked,      // not placed in the zone (recorded: a traced pfn outside it); not a failure
};

struct Taken {
  PageIdx block = kNoPage;
  bool fallback = false; // the block came from a successful __rmqueue_fallback (D1, D61-10)
  TakeSource how = TakeSource::none;
};

// __rmqueue() of a policy: a block of 2^order pages for a request of `mt`, or kNoPage.
class Rmqueue {
public:
  virtual ~Rmqueue() = default;
  virtual Taken rmqueue(unsigned order, Migratetype mt) = 0;
  // rmqueue_bulk() holds the zone lock once for a whole refill; a generation that remembers a
  // search result for one lock hold (6.15+ enum rmqueue_mode) starts it afresh here.
  virtual void begin_bulk() {}
};

} // namespace memsim
