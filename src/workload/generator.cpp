// The workload generators' shared base (generator.hpp): header from the geometry parameters,
// the event queue, delayed frees and the RNG.
#include "workload/generator.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "memsim/config.hpp"
#include "memsim/error.hpp"

namespace memsim::workload {

Generator::Generator(const std::string& model, const Params& params, std::uint64_t seed)
    : rng_(seed), model_(model) {
  ConfigBuilder builder;
  const std::string origin = fmt::format("memsim gen {}", model);
  nlohmann::json zone = {{"memory", params.values().at("memory")},
                         {"cpus", params.count("cpus")},
                         {"region_size", params.values().at("region_size")},
                         {"pageblock_order", params.count("pageblock_order")}};
  builder.apply_header_zone(zone, origin);
  const Geometry geometry = resolve_geometry(builder.config());
  pages_ = geometry.pages;
  region_pages_ = geometry.region_pages;
  cpus_ = builder.config().zone.cpus;
  if (cpus_ == 0) throw InputError(fmt::format("{}: cpus must be at least 1", origin));
  header_.zone = zone;
  header_.meta = {{"source", fmt::format("memsim gen {}", model)},
                  {"model", model},
                  {"seed", seed},
                  {"params", params.values()}};
}

std::string Generator::where(std::uint64_t pos) const {
  return fmt::format("memsim gen {}:event {}", model_, pos);
}

void Generator::push(Event event) {
  event.pos = ++produced_;
  queue_.push_back(std::move(event));
  if (issuing_) return; // the loop below is already running (free() pushes)
  issuing_ = true;
  while (!pending_.empty() && pending_.top().due <= produced_) {
    const Pending p = pending_.top();
    pending_.pop();
    free(p.id, p.order, p.cpu);
  }
  issuing_ = false;
}

bool Generator::next(Event& out) {
  while (queue_.empty()) {
    if (over_) {
      if (pending_.empty()) return false;
      flush_pending_frees();
      continue;
    }
    over_ = !produce();
  }
  out = std::move(queue_.front());
  queue_.pop_front();
  ++delivered_;
  return true;
}

void Generator::alloc(std::uint64_t id, unsigned order, Migratetype mt, unsigned cpu) {
  Event e;
  e.op = EventOp::alloc;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.has_order = true;
  e.mt = mt;
  e.cpu = cpu;
  live_pages_ += std::uint64_t{1} << order;
  push(std::move(e));
}

std::uint64_t Generator::alloc(unsigned order, Migratetype mt, unsigned cpu) {
  const std::uint64_t id = new_ids(1);
  alloc(id, order, mt, cpu);
  return id;
}

void Generator::free(std::uint64_t id, unsigned order, unsigned cpu) {
  Event e;
  e.op = EventOp::free;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.has_order = true;
  e.cpu = cpu;
  live_pages_ -= std::uint64_t{1} << order;
  push(std::move(e));
}

void Generator::free_after(std::uint64_t delay, std::uint64_t id, unsigned order, unsigned cpu) {
  pending_.push(Pending{produced_ + std::max<std::uint64_t>(delay, 1), id, order, cpu});
}

void Generator::flush_pending_frees() {
  while (!pending_.empty()) {
    const Pending p = pending_.top();
    pending_.pop();
    free(p.id, p.order, p.cpu);
  }
}

bool Generator::kernel_object(const KernelMix& mix, unsigned cpu) {
  const double r = rng_.unit();
  const unsigned order = r < 0.90 ? 0 : r < 0.995 ? 1 : 2;
  const Migratetype mt =
      rng_.chance(mix.reclaimable) ? Migratetype::reclaimable : Migratetype::unmovable;
  const std::uint64_t id = alloc(order, mt, cpu);
  if (rng_.chance(mix.survive)) return true;
  free_after(rng_.exponential(mix.life), id, order, cpu);
  return false;
}

void Generator::split(std::uint64_t id) {
  Event e;
  e.op = EventOp::split;
  e.id = id;
  push(std::move(e));
}

void Generator::mark(std::string label) {
  Event e;
  e.op = EventOp::mark;
  e.label = std::move(label);
  push(std::move(e));
}

} // namespace memsim::workload
