// The replay of one trace under one policy: boot the zone, carve the header's preallocated
// blocks, then apply events (alloc, free, mark, split) with the recoverable cases of docs/spec.md
// §4.4 and docs/semantics.md D6/D36, sampling the timeline (D10).
#include "sim/simulator.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "policy/registry.hpp"
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
      zone_(std::make_unique<Zone>(config_, geometry_)),
      policy_(make_policy(policy_name, *zone_, config_)), high_order_(config_.zone.max_order) {
  for (const unsigned order : options_.probe_orders)
    if (order >= config_.zone.max_order)
      throw InputError(fmt::format("--probe: order {} out of range (zone.max_order is {})", order,
                                   config_.zone.max_order));
  track_owners_ = policy_->migrates();
  background_ = policy_->has_background_work();
  follows_trace_ = policy_->follows_trace();
  keeps_time_ = policy_->keeps_time();
  if (follows_trace_) policy_->bind_trace(reader.header());
  if (!options_.predict.empty()) set_predicting();
  if (config_.power.model) power_ = std::make_unique<PowerTracker>(config_, *zone_, trace_path_);
  policy_->boot();
  apply_preallocated(reader.header());
  apply_start_pageblock_types(reader.header());
  if (follows_trace_)
    policy_->place_start_pcp();
  else
    free_start_pcp(reader.header());
  zone_->finish_init();
  if (options_.check) check_invariants();
}

// docs/spec.md §7.4: the predicting policy lives on the same zone, asked only.
void Simulator::set_predicting() {
  if (!follows_trace_)
    throw InputError(
        fmt::format("--predict {}: the policy must follow the trace (recorded)", options_.predict));
  if (!policy_->set_predicting(options_.predict, make_policy(options_.predict, *zone_, config_)))
    throw InputError(fmt::format("--predict {}: this policy cannot answer without changing the "
                                 "state; policies that can: {}",
                                 options_.predict, predicting_policy_names()));
}

void Simulator::check_invariants() const {
  zone_->check_invariants();
  policy_->check_invariants();
  if (power_) power_->check_invariants(*zone_);
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
    own(idx, *block.id);
  }
}

// docs/spec.md §7.1: with --proc-in's start state every pageblock takes the machine's type as
// the kernel re-types one (set_pageblock_migratetype, then move_freepages_block moves its free
// blocks to that type's list), before counting starts (D19). Left as the policy's boot set them:
// a type the generation has no list for (HighAtomic, CMA, Isolate under 3.11) and the
// policy's own MIGRATE_RESERVE blocks (docs/decisions.md 101).
void Simulator::apply_start_pageblock_types(const TraceHeader& header) {
  if (!header.start_state) return;
  const std::vector<Migratetype>& types = header.start_state->pageblock_types;
  const std::vector<Migratetype>& lists = policy_->list_types();
  const auto has_list = [&](Migratetype mt) {
    return std::find(lists.begin(), lists.end(), mt) != lists.end();
  };
  const PageIdx pageblock = PageIdx{1} << config_.zone.pageblock_order;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const auto page = static_cast<PageIdx>(i) * pageblock;
    if (page >= zone_->pages()) break;
    const Migratetype mt = types[i];
    const Migratetype now = zone_->pageblock_migratetype(page);
    if (mt == now || now == Migratetype::reserve || !has_list(mt)) continue;
    zone_->set_pageblock_migratetype(page, mt);
    zone_->move_freepages_block(page, mt);
  }
}

// docs/spec.md §7.1: the start state's per-CPU blocks go to their CPU through the policy's own
// free path (its per-CPU lists where the generation caches the order), before counting starts
// (docs/decisions.md 117).
void Simulator::free_start_pcp(const TraceHeader& header) {
  if (!header.start_state) return;
  const Pfn start = config_.zone.start_pfn;
  for (const PcpBlock& block : header.start_state->pcp) {
    if (block.pfn < start || block.pfn - start >= zone_->pages() ||
        block.order >= config_.zone.max_order || block.cpu >= config_.zone.cpus)
      continue;
    const auto idx = static_cast<PageIdx>(block.pfn - start);
    if (zone_->take_free(idx, block.order)) policy_->free(idx, block.order, block.cpu, false);
  }
}

void Simulator::recoverable(const Event& event, const std::string& message) {
  if (options_.strict) throw InputError(fmt::format("{}: {}", reader_.where(event.pos), message));
}

void Simulator::apply(const Event& event) {
  if (keeps_time_ && event.has_t) policy_->advance_time(event.t);
  if (follows_trace_) policy_->observe(event);
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
  case EventOp::probe:
    apply_probe(event);
    break;
  default:
    break;
  }
  if (event.has_t) {
    if (!first_t_) first_t_ = event.t;
    last_t_ = event.t;
  }
  if (power_) power_->after_event(event);
  const bool boundary = options_.interval != 0 && (index_ + 1) % options_.interval == 0;
  if (boundary || event.op == EventOp::mark) sample(event, event.op == EventOp::mark);
  if (background_) policy_->between_events(*this);
  if (options_.check) {
    try {
      check_invariants();
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
  std::optional<Pfn> pfn; // nullopt: failed or duplicate
  bool fallback = false;
  HighOrderCounts& per_order = high_order(event.order);
  ++per_order.allocs;
  if (live_.contains(event.id)) {
    ++counts_.duplicate_alloc;
    recoverable(event,
                fmt::format("alloc of {} which is already live", block_name(reader_, event.id)));
  } else {
    if (follows_trace_ && !event.has_pfn)
      throw InputError(fmt::format("{}: alloc without a \"pfn\": --policy {} places every "
                                   "allocation at its traced pfn (ftrace input, or a memsim "
                                   "trace whose allocations carry \"pfn\")",
                                   reader_.where(event.pos), policy_entry_));
    const Taken taken = policy_->alloc({event.order, event.mt, event.cpu, event.cold, event.has_gfp,
                                        event.gfp, event.has_pfn, event.pfn});
    if (taken.how == TakeSource::untracked) { // outside the zone: neither placed nor failed
      --per_order.allocs;
    } else if (taken.block == kNoPage) {
      ++counts_.failed;
      ++per_order.failed;
      recoverable(event,
                  fmt::format("allocation of order {} ({}) failed: the zone cannot satisfy it",
                              event.order, to_string(event.mt)));
    } else {
      zone_->mark_allocated(taken.block, event.order, event.mt);
      live_.insert(event.id, taken.block);
      own(taken.block, event.id);
      pfn = zone_->pfn_of(taken.block);
      fallback = taken.fallback;
      ++per_order.satisfied;
      if (taken.fallback) ++per_order.by_fallback;
      count_pollution(taken.block, event.order, event.mt);
    }
  }
  if (placements_ != nullptr)
    placements_->place({index_, event.id, pfn, event.order, event.mt, fallback});
}

void Simulator::apply_free(const Event& event) {
  ++counts_.free;
  const PageIdx block = live_.find(event.id);
  if (block == kNoPage) {
    ++counts_.unmatched_free;
    recoverable(event, fmt::format("free of {} which is not live", block_name(reader_, event.id)));
    if (follows_trace_ && reader_.header().ftrace) // the id is the pfn
      policy_->free_untracked(event.id, event.order, event.cpu);
    return;
  }
  const unsigned order = zone_->page(block).order;
  if (event.has_order && event.order != order) {
    ++counts_.order_mismatch;
    recoverable(event, fmt::format("free of {} with order {}, but it was allocated with order {}",
                                   block_name(reader_, event.id), event.order, order));
  }
  live_.erase(event.id);
  if (track_owners_) owners_.erase(block);
  zone_->mark_freed(block);
  policy_->free(block, order, event.cpu, event.cold);
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
  for (std::uint64_t j = 1; j < pages; ++j) {
    live_.insert(event.id + j, static_cast<PageIdx>(block + j));
    own(static_cast<PageIdx>(block + j), event.id + j);
  }
}

// `order` is below zone.max_order (the callers check): high_order_ has a slot for every order.
HighOrderCounts& Simulator::high_order(unsigned order) {
  HighOrderCounts& counts = high_order_[order];
  counts.occurred = true;
  return counts;
}

// docs/spec.md §9 `pollution.pages`: the pages of the block by the type of the pageblock each
// lies in, right after the allocation, under the requested type A when the pageblock's type B
// differs.
void Simulator::count_pollution(PageIdx block, unsigned order, Migratetype mt) {
  const std::uint64_t size = std::uint64_t{1} << order;
  const std::uint64_t per_block = std::min<std::uint64_t>(size, geometry_.pageblock_pages);
  for (std::uint64_t p = 0; p < size; p += per_block) {
    const Migratetype type = zone_->pageblock_migratetype(static_cast<PageIdx>(block + p));
    if (type != mt) pollution_[index_of(mt)][index_of(type)] += per_block;
  }
}

// A request the recorded kernel could not satisfy: the policy answers, nothing changes.
void Simulator::apply_probe(const Event& event) {
  ++counts_.probe;
  if (event.order >= config_.zone.max_order)
    throw InputError(fmt::format("{}: order {} out of range (zone.max_order is {}: orders 0..{})",
                                 reader_.where(event.pos), event.order, config_.zone.max_order,
                                 config_.zone.max_order - 1));
  const ProbeAnswer answer = policy_->probe(event.order, event.mt);
  ++high_order(event.order).probes[static_cast<std::size_t>(answer)];
}

void Simulator::own(PageIdx block, std::uint64_t id) {
  if (track_owners_) owners_[block] = id;
}

void Simulator::moved(PageIdx from, PageIdx to) {
  if (!track_owners_) throw InternalError("a policy moved an allocation without migrates()");
  const auto it = owners_.find(from);
  if (it == owners_.end()) return; // a preallocated block without an id: nobody frees it
  const std::uint64_t id = it->second;
  owners_.erase(it);
  owners_[to] = id;
  live_.assign(id, to);
}

void Simulator::sample(const Event& event, bool at_mark) {
  TimelineSample s = sample_zone(*zone_, *policy_);
  for (const unsigned order : options_.probe_orders) {
    std::array<ProbeAnswer, kRequestableTypes> answers{};
    for (int t = 0; t < kRequestableTypes; ++t)
      answers[static_cast<std::size_t>(t)] = policy_->probe(order, migratetype_at(t));
    s.probes.emplace_back(order, answers);
  }
  s.event = index_;
  s.t = last_t_;
  if (power_) s.segments = power_->sample();
  if (at_mark) s.label = event.label;
  timeline_.push_back(std::move(s));
}

RunStats Simulator::finish() const {
  RunStats out;
  out.policy = policy_entry_;
  out.notes = policy_->notes();
  out.config = config_to_json(config_, geometry_);
  policy_->config_json(out.config);
  out.trace_path = trace_path_;
  out.trace_events = index_;
  out.events = counts_;
  snapshot_zone(*zone_, *policy_, out);
  out.high_order = high_order_;
  out.pollution_pages = pollution_;
  out.timeline = timeline_;
  out.recorded = policy_->section_json();
  out.decision_agreement = policy_->agreement_json();
  out.t_start = first_t_;
  out.t_end = last_t_;
  policy_->state_json(out.kernel_state);
  if (power_) out.energy = power_->finish();
  return out;
}

} // namespace memsim
