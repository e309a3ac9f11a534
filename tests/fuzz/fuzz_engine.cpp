// libFuzzer target, structure-aware: the bytes choose a small zone (geometry, CPUs, per-CPU
// lists, reserve, the region-aware switches, preallocated blocks) and a sequence of up to 4096
// events, which the Simulator replays under both policies with --check: every invariant is
// verified after every event, and a broken one aborts the fuzzer. With all six region-aware
// switches off both policies must place every block alike (the ablation contract). The stats,
// the summary and compare's table are rendered as the commands do.
#include <iterator>
#include <sstream>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.hpp"
#include "memsim/config.hpp"
#include "report/stats_json.hpp"
#include "report/summary.hpp"
#include "sim/simulator.hpp"

namespace {

using namespace memsim;

struct Recorder : PlacementSink {
  std::vector<Placement> lines;
  void place(const Placement& p) override { lines.push_back(p); }
};

Config make_config(FuzzedDataProvider& in) {
  Config c;
  c.zone.max_order = in.ConsumeIntegralInRange<unsigned>(2, 5);
  c.zone.pageblock_order = in.ConsumeIntegralInRange<unsigned>(0, c.zone.max_order - 1);
  const std::uint64_t block = std::uint64_t{1} << (c.zone.max_order - 1);
  std::uint64_t pages = block * in.ConsumeIntegralInRange<std::uint64_t>(1, 16);
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
    pages += in.ConsumeIntegralInRange<std::uint64_t>(0, block);
  c.zone.memory = Size{pages, true};
  c.zone.region_size = Size{block * in.ConsumeIntegralInRange<std::uint64_t>(1, 4), true};
  c.zone.start_pfn = block * in.ConsumeIntegralInRange<std::uint64_t>(0, 2);
  c.zone.cpus = in.ConsumeIntegralInRange<unsigned>(1, 3);
  c.pcp.enabled = in.ConsumeBool();
  if (in.ConsumeBool()) c.pcp.batch = in.ConsumeIntegralInRange<unsigned>(1, 8);
  if (in.ConsumeBool()) c.pcp.high = in.ConsumeIntegralInRange<unsigned>(0, 16);
  // Every policy-owned key of the registry: flags at random, counts 0..2 (reserve.pageblocks).
  for (const PolicyKey& key : policy_keys()) {
    if (key.kind == KeyKind::flag)
      c.policy_values[key.key] = in.ConsumeBool();
    else
      c.policy_values[key.key] = in.ConsumeIntegralInRange<unsigned>(0, 2);
  }
  return c;
}

TraceHeader make_header(FuzzedDataProvider& in, const Config& c) {
  TraceHeader header;
  const unsigned n = in.ConsumeIntegralInRange<unsigned>(0, 3);
  for (unsigned i = 0; i < n; ++i) {
    PreallocatedBlock b;
    b.pfn = c.zone.start_pfn + in.ConsumeIntegralInRange<std::uint64_t>(0, 64);
    b.order = in.ConsumeIntegralInRange<unsigned>(0, c.zone.max_order);
    b.mt = migratetype_at(in.ConsumeIntegralInRange<int>(0, 2));
    if (in.ConsumeBool()) b.id = in.ConsumeIntegralInRange<std::uint64_t>(0, 31);
    header.preallocated.push_back(b);
  }
  return header;
}

// Ids 0..31 (so frees and duplicates meet live ids), now and then one near 2^64 (split
// overflow); a rare event out of range (order, cpu) ends the replay with an InputError.
std::vector<Event> make_events(FuzzedDataProvider& in, const Config& c) {
  std::vector<Event> events;
  while (in.remaining_bytes() > 0 && events.size() < 4096) {
    Event e;
    const int op = in.ConsumeIntegralInRange<int>(0, 15);
    e.pos = events.size() + 1;
    e.id = in.ConsumeIntegralInRange<std::uint64_t>(0, 31);
    if (op == 15) e.id = ~std::uint64_t{0} - in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
    e.cpu = in.ConsumeIntegralInRange<unsigned>(0, c.zone.cpus - 1);
    e.cold = in.ConsumeIntegralInRange<int>(0, 3) == 0;
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
      e.has_t = true;
      e.t = static_cast<double>(events.size()) / 1000.0;
    }
    if (op < 7 || op == 15) {
      e.op = EventOp::alloc;
      e.order = in.ConsumeIntegralInRange<std::uint8_t>(
          0, static_cast<std::uint8_t>(c.zone.max_order - 1));
      e.mt = migratetype_at(in.ConsumeIntegralInRange<int>(0, 2));
    } else if (op < 11) {
      e.op = EventOp::free;
      e.has_order = in.ConsumeBool();
      e.order =
          in.ConsumeIntegralInRange<std::uint8_t>(0, static_cast<std::uint8_t>(c.zone.max_order));
    } else if (op < 13) {
      e.op = EventOp::split;
    } else if (op == 13) {
      e.op = EventOp::mark;
      e.label = "m";
    } else { // out of range: order max_order or a cpu past the last
      e.op = EventOp::alloc;
      if (in.ConsumeBool())
        e.order = static_cast<std::uint8_t>(c.zone.max_order);
      else
        e.cpu = c.zone.cpus;
    }
    events.push_back(std::move(e));
  }
  return events;
}

// One replay with --check; nullopt when the trace or config is rejected (an InputError).
std::optional<std::vector<Placement>> replay(const Config& c, const char* policy,
                                             const TraceHeader& header,
                                             const std::vector<Event>& events,
                                             std::uint64_t interval, const char* predict = "") {
  Recorder placements;
  try {
    auto reader = make_memory_reader(header, events, "fuzz.jsonl");
    Simulator sim(c, policy, policy, *reader, "fuzz.jsonl",
                  {false, true, interval, {}, std::string(predict)});
    sim.set_placement_sink(&placements);
    sim.run(*reader, [] {});
    const RunStats stats = sim.finish();
    std::ostringstream out;
    write_json(out, stats_to_json(stats));
    write_summary(out, stats);
    write_compare_summary(out, {stats, stats});
  } catch (const InputError&) {
    return std::nullopt;
  } catch (const InternalError& e) {
    std::fprintf(stderr, "%s: %s\n", policy, e.what());
    std::abort();
  }
  return placements.lines;
}

// The same events for the recorded policy (docs/spec.md §7.2): allocations at pfns derived from
// their ids (some outside the zone), free hints from `cold`, and a buddy-level event of every
// kind interleaved, so every rule meets states it does not expect.
std::vector<Event> recorded_events(const std::vector<Event>& events, const Config& c,
                                   std::uint64_t pages) {
  static constexpr EventOp kKernel[] = {EventOp::zone_locked,   EventOp::pcpu_drain,
                                        EventOp::extfrag,       EventOp::compaction_begin,
                                        EventOp::migrate,       EventOp::isolate_freepages,
                                        EventOp::compaction_end};
  std::vector<Event> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    Event e = events[i];
    const Pfn pfn = c.zone.start_pfn + (e.id * 7 + i * 13) % (pages + 16);
    if (e.op == EventOp::alloc) {
      e.has_pfn = true;
      e.pfn = pfn;
    }
    if (e.op == EventOp::free) e.flag = e.cold;
    if (i % 3 == 0) {
      Event k = e;
      k.op = kKernel[(e.id + i) % std::size(kKernel)];
      k.pfn = pfn;
      k.has_pfn = true;
      k.flag = e.cold;
      k.fallback_order = static_cast<std::uint8_t>((e.id + i) % (c.zone.max_order + 2));
      k.fallback_mt = migratetype_at(static_cast<int>(e.id % 3));
      k.count = e.id + i;
      k.range_end = pfn + e.id;
      out.push_back(k);
    }
    out.push_back(e);
  }
  return out;
}

bool same(const std::vector<Placement>& a, const std::vector<Placement>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].i != b[i].i || a[i].id != b[i].id || a[i].pfn != b[i].pfn ||
        a[i].order != b[i].order || a[i].fallback != b[i].fallback)
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const Config config = make_config(in);
  try {
    (void)resolve_geometry(config);
  } catch (const InputError&) {
    return 0;
  }
  const TraceHeader header = make_header(in, config);
  const std::uint64_t interval = in.ConsumeIntegralInRange<std::uint64_t>(0, 64);
  const std::vector<Event> events = make_events(in, config);
  const auto stock = replay(config, "stock", header, events, interval);
  const auto region_aware = replay(config, "region-aware", header, events, interval);
  TraceHeader ftrace = header;
  ftrace.ftrace = true; // untracked frees by pfn
  ftrace.kernel = KernelVersion{6, interval % 2 == 0 ? 1u : 18u};
  const std::vector<Event> recorded =
      recorded_events(events, config, resolve_geometry(config).pages);
  (void)replay(config, "recorded", ftrace, recorded, interval);
  // Decision agreement (docs/spec.md §7.4): the replay under a predicting generation's lists,
  // with its repairs, keeps every invariant.
  (void)replay(config, "recorded", ftrace, recorded, interval,
               interval % 3 == 0 ? "stock" : "linux-6.1");
  bool all_off = true; // region-aware with its six switches off is stock (docs/region-aware.md)
  for (const PolicyKey& key : policy_keys())
    if (key.kind == KeyKind::flag && key.key.starts_with("region_aware."))
      all_off = all_off && !config.policy_flag(key.key);
  if (all_off && stock && region_aware && !same(*stock, *region_aware)) {
    std::fprintf(stderr, "region-aware with every switch off placed a block unlike stock\n");
    std::abort();
  }
  return 0;
}
