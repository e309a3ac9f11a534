// compare's engine (sim/compare.hpp) fed by memory readers: each run's stats equal the same run
// replayed alone, whatever the batch size and queue depth; duplicate runs are allowed; and the
// error reported is always the one at the earliest event (ties: the first run), whatever the
// thread timing. Zone: 64 MiB of 8 MiB regions, events with line numbers of "t.jsonl".
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "report/stats_json.hpp"
#include "sim/compare.hpp"

using namespace memsim;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

Event alloc(std::uint64_t id, unsigned order, Migratetype mt) {
  Event e;
  e.op = EventOp::alloc;
  e.id = id;
  e.order = static_cast<std::uint8_t>(order);
  e.mt = mt;
  return e;
}

Event free_of(std::uint64_t id) {
  Event e;
  e.op = EventOp::free;
  e.id = id;
  return e;
}

// Line numbers as in a JSON Lines file: the header is line 1.
std::vector<Event> numbered(std::vector<Event> events) {
  for (std::size_t i = 0; i < events.size(); ++i) events[i].pos = i + 2;
  return events;
}

// Movable churn with long-lived blocks of every migratetype, from a fixed LCG.
std::vector<Event> churn_events() {
  std::uint64_t state = 11;
  const auto below = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  constexpr Migratetype kTypes[] = {Migratetype::unmovable, Migratetype::reclaimable,
                                    Migratetype::movable};
  std::vector<Event> events;
  std::vector<std::pair<std::uint64_t, unsigned>> churn;
  std::uint64_t next_id = 1, pages = 0;
  for (int step = 0; step < 400; ++step) {
    if (step % 3 == 0) events.push_back(alloc(next_id++, unsigned(below(3)), kTypes[below(3)]));
    const auto order = unsigned(below(10));
    events.push_back(alloc(next_id, order, Migratetype::movable));
    churn.emplace_back(next_id++, order);
    for (pages += 1ULL << order; pages > 11000;) {
      const auto victim = churn.begin() + std::ptrdiff_t(below(churn.size()));
      events.push_back(free_of(victim->first));
      pages -= 1ULL << victim->second;
      churn.erase(victim);
    }
  }
  return numbered(std::move(events));
}

Config zone_config() {
  Config c;
  c.zone.memory = Size{64ULL << 20, false};
  c.zone.region_size = Size{8ULL << 20, false};
  return c;
}

CompareRun run_of(std::string entry, std::string policy, Config config = zone_config()) {
  return {std::move(entry), std::move(policy), std::move(config)};
}

std::vector<CompareRun> three_runs() {
  Config ablated = zone_config();
  ablated.policy_values["region_aware.ra_cache"] = false;
  ablated.policy_values["region_aware.sorted_freelists"] = false;
  return {run_of("stock", "stock"), run_of("region-aware", "region-aware"),
          run_of("region-aware:ra_cache=false+sorted_freelists=false", "region-aware", ablated)};
}

RunStats replay_alone(const CompareRun& run, const std::vector<Event>& events,
                      const ReplayOptions& options) {
  const auto reader = make_memory_reader({}, events, "t.jsonl");
  Simulator sim(run.config, run.policy, run.entry, *reader, "t.jsonl", options);
  sim.run(*reader, [] {});
  return sim.finish();
}

std::vector<RunStats> compare(const std::vector<CompareRun>& runs, std::vector<Event> events,
                              CompareOptions options, TraceHeader header = {}) {
  const auto reader = make_memory_reader(std::move(header), std::move(events), "t.jsonl");
  return run_compare(*reader, "t.jsonl", runs, options);
}

// The message of the error compare throws ("no error" if none).
std::string compare_error(const std::vector<CompareRun>& runs, TraceReader& reader,
                          CompareOptions options) {
  try {
    run_compare(reader, "t.jsonl", runs, options);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// A memory reader that throws a malformed-line error instead of delivering event `fail_at`.
class FailingReader final : public TraceReader {
public:
  FailingReader(std::vector<Event> events, std::size_t fail_at)
      : inner_(make_memory_reader({}, std::move(events), "t.jsonl")), fail_at_(fail_at) {}
  const TraceHeader& header() const override { return inner_->header(); }
  std::string where(std::uint64_t pos) const override { return inner_->where(pos); }
  bool next(Event& out) override {
    if (read_ == fail_at_) throw InputError(where(read_ + 2) + ": invalid JSON");
    ++read_;
    return inner_->next(out);
  }

private:
  std::unique_ptr<TraceReader> inner_;
  std::size_t fail_at_;
  std::size_t read_ = 0;
};

// Event 10: an order-9 alloc (out of range where max_order is 9 or less); event 20: the free of
// an id that is not live (an error everywhere under --strict).
std::vector<Event> faulty_events() {
  std::vector<Event> events;
  for (std::uint64_t id = 1; events.size() < 30; ++id)
    events.push_back(events.size() == 10   ? alloc(id, 9, Migratetype::movable)
                     : events.size() == 20 ? free_of(9999)
                                           : alloc(id, 0, Migratetype::unmovable));
  return numbered(std::move(events));
}

CompareRun small_orders(std::string entry, unsigned max_order) {
  Config c = zone_config();
  c.zone.max_order = max_order;
  c.zone.pageblock_order = max_order - 1;
  return run_of(std::move(entry), "stock", c);
}

CompareOptions tiny_batches(std::size_t batch) {
  CompareOptions options;
  options.replay.strict = true;
  options.batch_events = batch;
  options.queue_batches = 1;
  return options;
}

} // namespace

TEST_CASE("Each run of compare gives the stats its policy and config give replayed alone",
          "[compare]") {
  const std::vector<Event> events = churn_events();
  const std::vector<CompareRun> runs = three_runs();
  const ReplayOptions replay{false, false, 97};
  std::vector<std::string> alone;
  for (const CompareRun& run : runs)
    alone.push_back(stats_to_json(replay_alone(run, events, replay)).dump());
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{32768}}) {
    for (const std::size_t depth : {std::size_t{1}, std::size_t{4}}) {
      CompareOptions options{replay, batch, depth};
      const std::vector<RunStats> stats = compare(runs, events, options);
      REQUIRE(stats.size() == runs.size());
      for (std::size_t i = 0; i < runs.size(); ++i) {
        INFO("batch " << batch << ", depth " << depth << ", run " << runs[i].entry);
        CHECK(stats[i].policy == runs[i].entry);
        CHECK(stats_to_json(stats[i]).dump() == alone[i]);
      }
    }
  }
}

TEST_CASE("compare runs --check on every run and keeps duplicate entries as separate runs",
          "[compare]") {
  CompareOptions options;
  options.replay.check = true;
  const std::vector<CompareRun> runs{run_of("stock", "stock"), run_of("stock", "stock")};
  const std::vector<RunStats> stats = compare(runs, churn_events(), options);
  REQUIRE(stats.size() == 2);
  CHECK(stats_to_json(stats[0]).dump() == stats_to_json(stats[1]).dump());
  CHECK(stats[0].trace_events == churn_events().size());
}

TEST_CASE("An empty trace gives every run its boot-time stats", "[compare]") {
  const std::vector<RunStats> stats = compare(three_runs(), {}, CompareOptions{});
  REQUIRE(stats.size() == 3);
  for (const RunStats& s : stats) CHECK(s.trace_events == 0);
}

TEST_CASE("compare reports the error at the earliest event whatever the thread timing",
          "[compare]") {
  const std::vector<Event> events = faulty_events();
  const CompareRun wide = small_orders("wide", 11), narrow = small_orders("narrow", 8);
  for (int round = 0; round < 20; ++round) {
    const CompareOptions options = tiny_batches(1 + std::size_t(round % 4));
    for (const auto& runs : {std::vector{wide, narrow}, std::vector{narrow, wide}}) {
      auto reader = make_memory_reader({}, events, "t.jsonl");
      CHECK_THAT(compare_error(runs, *reader, options),
                 StartsWith("t.jsonl:12: order 9 out of range (zone.max_order is 8"));
    }
    auto reader = make_memory_reader({}, events, "t.jsonl");
    CHECK_THAT(compare_error({wide, wide}, *reader, options),
               StartsWith("t.jsonl:22: free of id 9999 which is not live"));
  }
}

TEST_CASE("Between runs failing at the same event the first in --policies order wins",
          "[compare]") {
  const CompareRun eight = small_orders("eight", 8), nine = small_orders("nine", 9);
  for (int round = 0; round < 20; ++round) {
    const CompareOptions options = tiny_batches(1 + std::size_t(round % 3));
    auto reader = make_memory_reader({}, faulty_events(), "t.jsonl");
    CHECK_THAT(compare_error({eight, nine}, *reader, options), Contains("zone.max_order is 8"));
    reader = make_memory_reader({}, faulty_events(), "t.jsonl");
    CHECK_THAT(compare_error({nine, eight}, *reader, options), Contains("zone.max_order is 9"));
  }
}

TEST_CASE("A reader error stands after the last event it delivered", "[compare]") {
  const std::vector<CompareRun> runs{small_orders("wide", 11), small_orders("narrow", 8)};
  for (int round = 0; round < 10; ++round) {
    const CompareOptions options = tiny_batches(1 + std::size_t(round % 4));
    FailingReader early(faulty_events(), 5); // before event 10: the reader's error wins
    CHECK(compare_error(runs, early, options) == "t.jsonl:7: invalid JSON");
    FailingReader at(faulty_events(), 10); // event 10 is never delivered
    CHECK(compare_error(runs, at, options) == "t.jsonl:12: invalid JSON");
    FailingReader late(faulty_events(), 15); // the narrow run fails at event 10 first
    CHECK_THAT(compare_error(runs, late, options), StartsWith("t.jsonl:12: order 9"));
  }
}

TEST_CASE("A run that cannot be built wins over every error of the trace", "[compare]") {
  TraceHeader header;
  header.preallocated.push_back({12000, 0, Migratetype::unmovable, std::nullopt});
  Config small = zone_config();
  small.zone.memory = Size{32ULL << 20, false}; // pfn 12000 lies outside
  const std::vector<CompareRun> runs{run_of("stock", "stock"), run_of("small", "stock", small)};
  for (int round = 0; round < 10; ++round) {
    std::vector<Event> events = faulty_events();
    events.insert(events.begin(), free_of(7777));
    auto reader = make_memory_reader(header, numbered(std::move(events)), "t.jsonl");
    CHECK_THAT(compare_error(runs, *reader, tiny_batches(1)),
               Contains("preallocated[0]: pfn 12000 order 0 lies outside the zone"));
  }
}
