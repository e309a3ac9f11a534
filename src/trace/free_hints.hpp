// The first pass's look-ahead for the recorded replay (docs/spec.md §7.2): for every
// mm_page_free line, whether the next event of that block is a pcpu_drain or an allocation of the
// same pfn and order (the kernel kept it on a per-CPU list) or anything else (a buddy-level take
// covering it, or nothing: it went into the buddy). The second pass sets Event::flag from it.
#pragma once

#include <cstdint>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "trace/ftrace_pipeline.hpp"

namespace memsim::trace {

class FreeHints {
public:
  // Every record of the pass, in trace order (bad lines left out, as the second pass does).
  void add(const LineRecord& r);
  // One entry per mm_page_free line with a pfn, in trace order; true: to a per-CPU list. A free
  // no later event touches stays where the kernel put it: on a per-CPU list when the trace
  // shows the lists' drains (`drains_traced`), else in the buddy (docs/decisions.md 104).
  std::vector<bool> finish(bool drains_traced) &&;

private:
  struct Pending {
    std::uint64_t index = 0;
    std::uint8_t order = 0;
  };
  // The block [pfn, pfn + 2^order) was touched: a free pending on exactly it went to a per-CPU
  // list when `pcp_ok`; every other pending free it overlaps went into the buddy.
  void touch(std::uint64_t pfn, unsigned order, bool pcp_ok);

  absl::flat_hash_map<std::uint64_t, Pending> pending_; // head pfn -> the free awaiting its next
  std::vector<bool> hints_;
};

} // namespace memsim::trace
