// The policy interface: what a page-allocator policy decides on top of the zone's kernel
// functions. `stock` is Linux 3.11; the region-aware policy and later kernels' rules override
// the same methods. Policies own their bookkeeping.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "memsim/config.hpp"
#include "zone/zone.hpp"

namespace memsim {

class Policy {
public:
  virtual ~Policy() = default;

  // __rmqueue(): take a block of 2^order pages for a request of `mt` off the free lists (the
  // caller gets the block's lowest 2^order pages; expand() has put the rest back). Returns
  // kNoPage when nothing fits, MIGRATE_RESERVE included. Counts fallbacks in zone.fallbacks().
  virtual Taken rmqueue(Zone& zone, unsigned order, Migratetype mt) = 0;

  // add_to_freelist(): link a free block onto free_list[order][mt]. `tail` is the 3.11 choice
  // (list_add_tail in __free_one_page); every other insertion asks for the head.
  virtual void add_to_freelist(Zone& zone, PageIdx block, unsigned order, Migratetype mt,
                               bool tail) {
    if (tail) {
      zone.link_tail(block, order, mt);
    } else {
      zone.link_head(block, order, mt);
    }
  }

  // del_from_freelist(): unlink a free block from the list it is on.
  virtual void del_from_freelist(Zone& zone, PageIdx block) { zone.unlink(block); }

  // A block in state `held` met by move_freepages() (region allocator pages): the policy must
  // put it on a buddy list before the walk looks at the same pfn again. Stock never holds any.
  virtual void release_held_block(Zone& zone, PageIdx block);

  // Labels for the stats "notes" (extensions of the kernel design in force).
  virtual std::vector<std::string> notes() const { return {}; }

  // The policy's own bookkeeping recounted against the zone (Zone::check_invariants calls it
  // last); throws InternalError naming what broke. Stock keeps none.
  virtual void check_invariants(const Zone& /*zone*/) const {}
};

// The registry: the one table of policies (name, description, switches).
struct PolicySwitch {
  std::string key; // e.g. "region_aware.ra_cache"
  std::string description;
};
struct PolicyInfo {
  std::string name;
  std::string description;
  std::vector<PolicySwitch> switches;
};

const std::vector<PolicyInfo>& policy_registry();
// Throws InputError for an unknown name (listing the valid ones).
std::unique_ptr<Policy> make_policy(const std::string& name, const Config& config);

} // namespace memsim
