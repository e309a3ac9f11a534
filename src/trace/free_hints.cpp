// FreeHints (free_hints.hpp): frees wait in a map by head pfn until an event touches their
// block; a block is at most order 10 (MAX_PAGE_ORDER of x86-64), so the blocks covering a pfn
// are found at its aligned heads.
#include "trace/free_hints.hpp"

namespace memsim::trace {
namespace {

constexpr unsigned kMaxBlockOrder = 10;

} // namespace

void FreeHints::add(const LineRecord& r) {
  if (r.pfn == 0) return; // a failed allocation
  if (r.kind == LineKind::free) {
    if (r.order <= kMaxBlockOrder) {
      touch(r.pfn, r.order, false); // a free of a page still pending: the earlier one was buddy
      pending_.insert_or_assign(r.pfn, Pending{hints_.size(), r.order});
    }
    hints_.push_back(false);
    return;
  }
  if (r.order > kMaxBlockOrder) return; // no kernel has such a block
  switch (r.kind) {
  case LineKind::alloc:
  case LineKind::pcpu_drain:
    return touch(r.pfn, r.order, true);
  case LineKind::zone_locked:
  case LineKind::extfrag:
    return touch(r.pfn, r.order, false);
  default:
    return;
  }
}

void FreeHints::touch(std::uint64_t pfn, unsigned order, bool pcp_ok) {
  if (pending_.empty()) return;
  const std::uint64_t end = pfn + (std::uint64_t{1} << order);
  for (std::uint64_t p = pfn; p < end; ++p) {
    const auto it = pending_.find(p);
    if (it == pending_.end()) continue;
    if (pcp_ok && p == pfn && it->second.order == order) hints_[it->second.index] = true;
    pending_.erase(it);
  }
  for (unsigned k = 1; k <= kMaxBlockOrder; ++k) { // pending blocks that start below and cover it
    const std::uint64_t head = pfn & ~((std::uint64_t{1} << k) - 1);
    if (head == pfn) continue;
    const auto it = pending_.find(head);
    if (it != pending_.end() && head + (std::uint64_t{1} << it->second.order) > pfn)
      pending_.erase(it);
  }
}

std::vector<bool> FreeHints::finish(bool drains_traced) && {
  if (drains_traced)
    for (const auto& [pfn, pending] : pending_) hints_[pending.index] = true;
  pending_.clear();
  return std::move(hints_);
}

} // namespace memsim::trace
