// The recorded policy's start state in list order (docs/spec.md §7.1, docs/decisions.md 136): a
// snapshot tells which blocks are free and which sit on a per-CPU list, not where on their list.
// The trace tells the rest as far as it matters: a list hands out its head, so the blocks free
// at the start leave each free list in the order of their first takes, and a per-CPU list gives
// its start blocks to allocations from the head and to drains from the tail.
#include <algorithm>

#include "policy/recorded.hpp"

namespace memsim {

// Per-CPU blocks: those the trace first allocates, in that order from the head; then those it
// first drains, the first drained last (free_pcppages_bulk drains from the tail).
void RecordedPolicy::place_start_pcp() {
  if (header_ == nullptr || !header_->start_state) return;
  std::vector<PcpBlock> blocks = header_->start_state->pcp;
  std::stable_sort(blocks.begin(), blocks.end(), [](const PcpBlock& a, const PcpBlock& b) {
    if (a.drained != b.drained) return !a.drained;
    return a.drained ? a.rank > b.rank : a.rank < b.rank;
  });
  for (const PcpBlock& block : blocks) {
    if (!in_zone(block.pfn, block.order) || !aligned(block.pfn, block.order) ||
        block.cpu >= config_.zone.cpus)
      continue;
    const PageIdx idx = index(block.pfn);
    if (!zone_.take_free(idx, block.order)) continue; // carved as in use after all
    pcp_add(idx, block.order, block.mt, block.cpu, 0, true);
  }
  order_start_free_lists();
}

// Last first take first, each holder block moved to the head of the list it is on: the
// earliest-taken block ends at the head, blocks the trace never takes stay behind the taken
// ones in their old order.
void RecordedPolicy::order_start_free_lists() {
  const std::vector<Pfn>& takes = header_->start_state->first_takes;
  for (auto it = takes.rbegin(); it != takes.rend(); ++it) {
    if (!in_zone(*it, 0)) continue;
    const PageIdx pfn_idx = index(*it);
    for (unsigned k = 0; k < zone_.max_order(); ++k) {
      const auto head = static_cast<PageIdx>(pfn_idx & ~((PageIdx{1} << k) - 1));
      const Page& p = zone_.page(head);
      if (p.state != PageState::free_head || p.order != k) continue;
      const Migratetype mt = p.mt;
      zone_.unlink(head);
      zone_.link_head(head, k, mt);
      break;
    }
  }
}

} // namespace memsim
