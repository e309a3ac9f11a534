// The random model: the property tests' kind of trace as a stream, with knobs. Allocations of
// every migratetype and of orders skewed to 0 (each next order with probability 0.4, as in the
// real traces' mix), frees of a live allocation picked at random, optional splits; the live
// set is capped so that allocations rarely fail.
#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "workload/generator.hpp"

namespace memsim::workload {
namespace {

class RandomTrace final : public Generator {
public:
  RandomTrace(const Params& p, std::uint64_t seed) : Generator("random", p, seed) {
    events_ = p.count("events");
    cap_ = static_cast<std::uint64_t>(p.real("live") * static_cast<double>(pages_));
    movable_ = p.real("movable");
    unmovable_ = p.real("unmovable");
    if (movable_ + unmovable_ > 1) {
      throw InputError("memsim gen random: movable + unmovable must not exceed 1");
    }
    max_order_ = static_cast<unsigned>(std::min<std::uint64_t>(p.count("max_order"), 10));
    huge_ = p.real("huge");
    split_ = p.real("split");
    free_ = p.real("free");
  }

protected:
  bool produce() override {
    for (int i = 0; i < 1024 && done_ < events_; ++i, ++done_) one_event();
    return done_ < events_;
  }

private:
  struct Block {
    std::uint64_t id;
    unsigned order;
  };

  void one_event() {
    const auto cpu = static_cast<unsigned>(rng_.below(cpus_));
    if (!live_.empty() && rng_.chance(split_)) {
      const std::size_t i = rng_.below(live_.size());
      if (live_[i].order > 0) { // split_page(): ids id .. id + 2^order - 1, order 0 each
        const Block b = live_[i];
        split(b.id);
        live_[i] = {b.id, 0};
        for (std::uint64_t k = 1; k < (std::uint64_t{1} << b.order); ++k)
          live_.push_back({b.id + k, 0});
        return;
      }
    }
    const double r = rng_.unit();
    const Migratetype mt = r < movable_                ? Migratetype::movable
                           : r < movable_ + unmovable_ ? Migratetype::unmovable
                                                       : Migratetype::reclaimable;
    unsigned order = 0;
    if (mt == Migratetype::movable && rng_.chance(huge_))
      order = std::min(9u, max_order_);
    else
      while (order < max_order_ && rng_.chance(0.4)) ++order;
    const std::uint64_t size = std::uint64_t{1} << order;
    if (!live_.empty() && (rng_.chance(free_) || live_pages() + size > cap_)) {
      const std::size_t i = rng_.below(live_.size());
      free(live_[i].id, live_[i].order, cpu);
      live_[i] = live_.back();
      live_.pop_back();
      return;
    }
    const std::uint64_t id = new_ids(size); // room for the ids of a later split
    alloc(id, order, mt, cpu);
    live_.push_back({id, order});
  }

  std::uint64_t events_ = 0, done_ = 0, cap_ = 0;
  double movable_ = 0, unmovable_ = 0, huge_ = 0, split_ = 0, free_ = 0;
  unsigned max_order_ = 3;
  std::vector<Block> live_;
};

} // namespace

ModelInfo random_model() {
  std::vector<ParamSpec> params = geometry_params("4GiB", "2");
  const std::vector<ParamSpec> own = {
      {"events", ParamKind::count, "1000000", "events to generate"},
      {"live", ParamKind::fraction, "0.5", "most of the memory live at once"},
      {"movable", ParamKind::fraction, "0.7", "movable share of the allocations"},
      {"unmovable", ParamKind::fraction, "0.2",
       "unmovable share (the rest is reclaimable; mixed-1g-smp2: 88/11.6/0.6%)"},
      {"max_order", ParamKind::count, "3", "highest order of an ordinary allocation"},
      {"huge", ParamKind::fraction, "0.0", "share of movable allocations of order 9 (THP)"},
      {"free", ParamKind::fraction, "0.45", "probability that an event frees below the cap"},
      {"split", ParamKind::fraction, "0.0", "probability that an event splits a live block"},
  };
  params.insert(params.end(), own.begin(), own.end());
  return {"random", "random allocations and frees with knobs (the property tests' traces)",
          "Seeded random allocations of every migratetype, orders skewed to 0, frees of random "
          "live blocks, optional split_page() events, with the live set capped. For testing and "
          "stress; its default mix is neither a benchmark nor a measured workload.",
          params, [](const Params& p, std::uint64_t seed) {
            return std::make_unique<RandomTrace>(p, seed);
          }};
}

} // namespace memsim::workload
