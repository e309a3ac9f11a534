// The recorded policy's decision agreement (docs/spec.md §7.4): with --predict POLICY every
// traced buddy take and per-CPU page is first asked of POLICY on the replay's state, which
// follows POLICY's list mechanics and per-CPU lists; what a take proves repairs the state.
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/recorded.hpp"

namespace memsim {

bool RecordedPolicy::set_predicting(const std::string& name, std::unique_ptr<Policy> predicting) {
  Predictor* predictor = predicting ? predicting->predictor() : nullptr;
  if (predictor == nullptr) return false;
  predicting_ = std::move(predicting);
  agreement_.policy = name;
  predictor_ = predictor;
  model_ = &predictor_->pcp_model();
  in_model_.assign(zone_.pages(), false);
  pending_.assign(config_.zone.cpus, std::nullopt);
  freed_just_.assign(config_.zone.cpus, kNoPage);
  draining_.assign(config_.zone.cpus, false);
  return true;
}

nlohmann::ordered_json RecordedPolicy::agreement_json() const {
  if (predictor_ == nullptr) return nullptr;
  return agreement_.to_json();
}

// Before each event: a drain of a CPU's lists ends with the CPU's next other event, and the
// per-CPU free that may start one is the CPU's last event.
void RecordedPolicy::predict_observe(const Event& e) {
  pos_ = e.pos;
  if (e.op == EventOp::pcpu_drain) return;
  const unsigned cpu = cpu_index(e.cpu);
  draining_[cpu] = false;
  freed_just_[cpu] = kNoPage;
}

void RecordedPolicy::predict_take(PageIdx block, const Event& e) {
  put_back(block, e.order);
  std::optional<PageIdx>& pending = pending_[cpu_index(e.cpu)];
  score_buddy(pending ? *pending : predictor_->would_rmqueue(e.order, e.mt), block, e);
  pending.reset();
}

// Before 6.15 the retry's zone_locked follows and is scored with this answer; from 6.15 the
// extfrag line is the take, unless its zone_locked came first (a claim below pageblock order).
void RecordedPolicy::predict_fallback(const Event& e) {
  const PageIdx block = index(e.pfn);
  put_back(block, e.order);
  const PageIdx predicted = predictor_->would_rmqueue(e.order, e.mt);
  if (kernel_ < KernelVersion{6, 15})
    pending_[cpu_index(e.cpu)] = predicted;
  else if (zone_.page(block).state != PageState::pcp)
    score_buddy(predicted, block, e);
}

void RecordedPolicy::score_buddy(PageIdx predicted, PageIdx block, const Event& e) {
  const bool hit = predicted == block;
  agreement_.buddy.score(hit, {pos_, zone_.pfn_of(block), predicted == kNoPage,
                               predicted == kNoPage ? 0 : zone_.pfn_of(predicted), e.order, e.mt});
  if (e.op == EventOp::zone_locked) repair(block, e.order, e.mt);
}

// An allocation served from a per-CPU list: the page the predicting generation's list would hand
// out for that CPU, order and type (nothing for an order it does not cache).
void RecordedPolicy::score_pcp_alloc(PageIdx block, const AllocRequest& request) {
  const PcpQuery query{cpu_index(request.cpu), request.order, request.mt, request.cold};
  const PageIdx predicted = model_->caches(request.order) ? model_->peek(zone_, query) : kNoPage;
  agreement_.pcp.score(predicted == block, {pos_, zone_.pfn_of(block), predicted == kNoPage,
                                            predicted == kNoPage ? 0 : zone_.pfn_of(predicted),
                                            request.order, request.mt});
}

// A drained page: the one free_pcppages_bulk would free next from the lists of the CPU that
// holds it; a drain begins after the CPU's per-CPU free (at that page's list) or on its own.
void RecordedPolicy::score_drain(PageIdx block, unsigned order, Migratetype mt) {
  const unsigned cpu = cpu_of_[block];
  if (!draining_[cpu]) {
    model_->begin_drain(zone_, cpu, freed_just_[cpu], 0);
    draining_[cpu] = true;
  }
  const PageIdx predicted = model_->next_drain(zone_, cpu);
  agreement_.pcp.score(predicted == block,
                       {pos_, zone_.pfn_of(block), predicted == kNoPage,
                        predicted == kNoPage ? 0 : zone_.pfn_of(predicted), order, mt});
}

// docs/spec.md §7.4 state repair. The kernel's __rmqueue_smallest took `block` out of a free
// block of order k on free_list[k][mt]: free_list[j][mt] for order <= j < k were empty there,
// and a head of free_list[k][mt] other than that block was passed over.
void RecordedPolicy::repair(PageIdx block, unsigned order, Migratetype mt) {
  PageIdx holder = kNoPage;
  unsigned k = order;
  for (; k < zone_.max_order(); ++k) {
    const auto head = static_cast<PageIdx>(block & ~((PageIdx{1} << k) - 1));
    const Page& p = zone_.page(head);
    if (p.state == PageState::free_head && p.order == k) {
      holder = head;
      break;
    }
  }
  if (holder == kNoPage || zone_.page(holder).mt != mt) return; // not from mt's own lists
  for (unsigned j = order; j < k; ++j)
    while (!zone_.free_list(j, mt).empty()) set_aside(zone_.free_list(j, mt).head, j);
  const PageIdx head = zone_.free_list(k, mt).head;
  if (head == holder) return;
  if (++passed_over_[head] >= 3) {
    passed_over_.erase(head);
    set_aside(head, k);
  }
}

// The block leaves the free lists as a live block of its pageblock's type (requestable types;
// others count as movable), until an event shows it free (release_set_aside).
void RecordedPolicy::set_aside(PageIdx block, unsigned order) {
  if (!zone_.take_free(block, order))
    throw InternalError(fmt::format("recorded: repair of block {} that is not free", block));
  Migratetype mt = zone_.pageblock_migratetype(block);
  if (index_of(mt) >= kRequestableTypes) mt = Migratetype::movable;
  zone_.mark_allocated(block, order, mt);
  set_aside_.emplace(block, static_cast<std::uint8_t>(order));
  ++agreement_.repairs;
}

// docs/spec.md §7.4: blocks set aside are "put back if a later event shows them free"; the take
// about to be asked shows its own block free in the kernel's state before the decision, so the
// question is asked on that state (docs/decisions.md 130). The model's compaction targets in it
// are released the same way (and counted as take() counts them).
void RecordedPolicy::put_back(PageIdx block, unsigned order) {
  release_set_aside(block, order);
  if (release_targets(block, order) != 0) count("compaction_target_retaken");
}

unsigned RecordedPolicy::release_set_aside(PageIdx block, unsigned order) {
  if (set_aside_.empty()) return 0;
  unsigned released = 0;
  const auto release = [&](PageIdx head) {
    const auto it = set_aside_.find(head);
    const unsigned o = it->second;
    set_aside_.erase(it);
    zone_.mark_freed(head);
    zone_.free_pages_ok(head, o);
    ++released;
  };
  for (unsigned k = order + 1; k < zone_.max_order(); ++k) { // a larger one holding the range
    const auto head = static_cast<PageIdx>(block & ~((PageIdx{1} << k) - 1));
    const auto it = set_aside_.find(head);
    if (it != set_aside_.end() && head + (std::uint64_t{1} << it->second) > block) release(head);
  }
  const std::uint64_t end = block + (std::uint64_t{1} << order);
  for (std::uint64_t i = block; i < end; ++i)
    if (set_aside_.contains(static_cast<PageIdx>(i))) release(static_cast<PageIdx>(i));
  return released;
}

} // namespace memsim
