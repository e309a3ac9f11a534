// The replay of one trace under one policy: boot the zone, carve the header's preallocated
// blocks, then apply events (alloc, free, mark, split) with the recoverable cases of docs/spec.md
// §4.4 and docs/semantics.md D6/D36, sampling the timeline (D10).
#include "sim/simulator.hpp"

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/policy.hpp"
#include "zone/zone.hpp"

namespace memsim {

namespace {

// An allocation in messages: its id, or for kmem ftrace text (where the id is the pfn) the pfn
// in hex as the kernel and memsim's notices print it.
std::string block_name(const TraceReader& reader, std::uint64_t id) {
  return reader.header().ftrace ? fmt::format("pfn {:#x}", id) : fmt::format("id {}", id);
}

} // namespace

Simulator::Simulator(const Config& config, const std::string& policy_name, std::string policy_entry,
                     const TraceReader& reader, std::string trace_path, ReplayOptions options)
    : config_(config), geometry_(resolve_geometry(config)), policy_entry_(std::move(policy_entry)),
      reader_(reader), trace_path_(std::move(trace_path)), options_(options),
      policy_(make_policy(policy_name, config_)),
      zone_(std::make_unique<Zone>(config_, geometry_, *policy_)) {
  zone_->boot();
  apply_preallocated(reader.header());
  zone_->finish_init();
  if (options_.check) zone_->check_invariants();
}

Simulator::~Simulator() = default;

void Simulator::apply_preallocated(const TraceHeader& header) {
  for (std::size_t i = 0; i < header.preallocated.size(); ++i) {
    const PreallocatedBlock& block = header.preallocated[i];
    const std::string origin = fmt::format("{}: preallocated[{}]", trace_path_, i);
    const PageIdx idx = zone_->carve(block.pfn, block.order, block.mt, origin.c_str());
    if (!block.id) continue;
    if (!live_.insert(*block.id, idx))
      throw InputError(fmt::format("{}: id {} is used twice", origin, *block.id));
  }
}

void Simulator::recoverable(const Event& event, const std::string& message) {
  if (options_.strict) throw InputError(fmt::format("{}: {}", reader_.where(event.pos), message));
}

void Simulator::apply(const Event& event) {
  if (!is_trace_event(event.op)) return; // buddy-level events: only the recorded policy reads them
  if ((event.op == EventOp::alloc || event.op == EventOp::free) && event.cpu >= config_.zone.cpus)
    throw InputError(fmt::format("{}: cpu {} out of range (zone.cpus is {})",
                                 reader_.where(event.pos), event.cpu, config_.zone.cpus));
  switch (event.op) {
  case EventOp::alloc:
    apply_alloc(event);
    break;
  case EventOp::free:
    apply_free(event);
    break;
  case EventOp::split:
    apply_split(event);
    break;
  case EventOp::mark:
    ++counts_.mark;
    break;
  default: // probe: answered by the policies that support it (docs/spec.md §9)
    break;
  }
  if (event.has_t) {
    if (!first_t_) first_t_ = event.t;
    last_t_ = event.t;
  }
  const bool boundary = options_.interval != 0 && (index_ + 1) % options_.interval == 0;
  if (boundary || event.op == EventOp::mark) sample(event, event.op == EventOp::mark);
  if (options_.check) {
    try {
      zone_->check_invariants();
    } catch (const InternalError& e) {
      throw InternalError(
          fmt::format("{}: after event {}: {}", reader_.where(event.pos), index_, e.what()));
    }
  }
  ++index_;
}

void Simulator::apply_alloc(const Event& event) {
  ++counts_.alloc;
  if (event.order >= config_.zone.max_order)
    throw InputError(fmt::format("{}: order {} out of range (zone.max_order is {}: orders 0..{})",
                                 reader_.where(event.pos), event.order, config_.zone.max_order,
                                 config_.zone.max_order - 1));
  Placement placement{index_, event.id, std::nullopt, event.order, event.mt, false};
  if (live_.contains(event.id)) {
    ++counts_.duplicate_alloc;
    recoverable(event,
                fmt::format("alloc of {} which is already live", block_name(reader_, event.id)));
  } else {
    const Taken taken = zone_->alloc_pages(event.order, event.mt, event.cpu, event.cold);
    if (taken.block == kNoPage) {
      ++counts_.failed;
      recoverable(event,
                  fmt::format("allocation of order {} ({}) failed: the zone cannot satisfy it",
                              event.order, to_string(event.mt)));
    } else {
      zone_->mark_allocated(taken.block, event.order, event.mt);
      live_.insert(event.id, taken.block);
      placement.pfn = zone_->pfn_of(taken.block);
      placement.fallback = taken.fallback;
    }
  }
  if (placements_ != nullptr) placements_->place(placement);
}

void Simulator::apply_free(const Event& event) {
  ++counts_.free;
  const PageIdx block = live_.find(event.id);
  if (block == kNoPage) {
    ++counts_.unmatched_free;
    recoverable(event, fmt::format("free of {} which is not live", block_name(reader_, event.id)));
    return;
  }
  const unsigned order = zone_->page(block).order;
  if (event.has_order && event.order != order) {
    ++counts_.order_mismatch;
    recoverable(event, fmt::format("free of {} with order {}, but it was allocated with order {}",
                                   block_name(reader_, event.id), event.order, order));
  }
  live_.erase(event.id);
  zone_->free_pages(block, event.cpu, event.cold);
}

void Simulator::apply_split(const Event& event) {
  ++counts_.split;
  const PageIdx block = live_.find(event.id);
  if (block == kNoPage) {
    ++counts_.split_ignored;
    recoverable(event, fmt::format("split of {} which is not live", block_name(reader_, event.id)));
    return;
  }
  const std::uint64_t pages = std::uint64_t{1} << zone_->page(block).order;
  if (pages == 1) return;
  if (event.id > UINT64_MAX - (pages - 1))
    throw InputError(fmt::format("{}: split of id {} would create ids beyond 2^64-1",
                                 reader_.where(event.pos), event.id));
  for (std::uint64_t j = 1; j < pages; ++j) {
    if (!live_.contains(event.id + j)) continue;
    ++counts_.split_ignored;
    recoverable(event,
                fmt::format("split of {} would reuse {} which is live",
                            block_name(reader_, event.id), block_name(reader_, event.id + j)));
    return;
  }
  zone_->split_allocation(block);
  for (std::uint64_t j = 1; j < pages; ++j)
    live_.insert(event.id + j, static_cast<PageIdx>(block + j));
}

void Simulator::sample(const Event& event, bool at_mark) {
  TimelineSample s = sample_zone(*zone_);
  s.event = index_;
  s.t = last_t_;
  if (at_mark) s.label = event.label;
  timeline_.push_back(std::move(s));
}

RunStats Simulator::finish() const {
  RunStats out;
  out.policy = policy_entry_;
  out.notes = policy_->notes();
  out.config = config_to_json(config_, geometry_, policy_entry_.rfind("region-aware", 0) == 0);
  out.trace_path = trace_path_;
  out.trace_events = index_;
  out.events = counts_;
  snapshot_zone(*zone_, out);
  out.timeline = timeline_;
  out.t_start = first_t_;
  out.t_end = last_t_;
  return out;
}

} // namespace memsim
