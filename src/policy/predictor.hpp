// What a kernel generation would decide, asked without changing anything: the side of a policy
// the decision agreement (docs/spec.md §7.4) talks to. The recorded replay keeps the state equal
// to the kernel's with this generation's list mechanics and per-CPU lists, and before each
// traced decision asks it for its own.
#pragma once

#include "zone/pcp_model.hpp"
#include "zone/zone.hpp"

namespace memsim {

class Predictor {
public:
  virtual ~Predictor() = default;
  // Where the generation inserts freed, drained, moved and split blocks, and how it merges.
  virtual BuddyRules buddy_rules() const = 0;
  // Whether its boot frees go to the list tails (FPI_TO_TAIL, 5.10+).
  virtual bool boot_to_tail() const = 0;
  // __rmqueue(order, mt): the first pfn of the block it would hand out (kNoPage: it would fail).
  virtual PageIdx would_rmqueue(unsigned order, Migratetype mt) const = 0;
  // The generation's per-CPU lists, for the replay to drive and ask.
  virtual PcpModel& pcp_model() = 0;
};

} // namespace memsim
