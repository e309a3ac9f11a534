// Workload models (src/workload/): parameters are checked and unknown ones listed, every model
// is deterministic for a seed, carries its geometry in the header and produces a trace the
// simulator replays without a problem (no unmatched free, duplicate id or failed allocation,
// --strict), and `memsim gen` writes it compressed by extension.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../../support/run_command.hpp"
#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "sim/simulator.hpp"
#include "workload/workload.hpp"

using namespace memsim;
using Catch::Matchers::Contains;

namespace {

// Small instances of every model: a few 10k events each.
std::vector<std::string> small(const std::string& model) {
  if (model == "ebizzy")
    return {"memory=256MiB", "region_size=32MiB", "cpus=4",   "instances=1", "threads=4",
            "chunk=4MiB",    "duration=4",        "rate=0.5", "slice=256"};
  if (model == "kbuild")
    return {"memory=128MiB", "region_size=16MiB", "processes=200", "anon=512KiB", "read=128KiB"};
  if (model == "pagecache") return {"memory=64MiB", "region_size=16MiB", "churn=3"};
  return {"memory=64MiB", "region_size=16MiB", "events=20000", "split=0.02"};
}

std::vector<Event> drain(TraceReader& reader) {
  std::vector<Event> out;
  Event e;
  while (reader.next(e)) out.push_back(e);
  return out;
}

bool same(const std::vector<Event>& a, const std::vector<Event>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].op != b[i].op || a[i].id != b[i].id || a[i].order != b[i].order ||
        a[i].mt != b[i].mt || a[i].cpu != b[i].cpu || a[i].label != b[i].label)
      return false;
  }
  return true;
}

Config config_of(const TraceHeader& header) {
  ConfigBuilder builder;
  builder.apply_header_zone(header.zone, "gen");
  return builder.config();
}

} // namespace

TEST_CASE("An unknown model parameter is an error that lists the valid ones", "[workload]") {
  try {
    workload::make_generator("ebizzy", 1, {"instance=4"});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Contains("unknown parameter 'instance'"));
    CHECK_THAT(e.what(), Contains("instances"));
    CHECK_THAT(e.what(), Contains("chunk"));
  }
  CHECK_THROWS_WITH(workload::make_generator("ebizzy", 1, {"fill=1.5"}),
                    Contains("fill") && Contains("fraction"));
  CHECK_THROWS_WITH(workload::make_generator("random", 1, {"events=many"}),
                    Contains("events") && Contains("unsigned integer"));
  CHECK_THROWS_WITH(workload::make_generator("kbuild", 1, {"anon=3 MiB"}), Contains("anon"));
  CHECK_THROWS_WITH(workload::make_generator("nosuch", 1, {}),
                    Contains("ebizzy") && Contains("pagecache"));
}

TEST_CASE("A model's header carries the geometry it assumes and its parameters", "[workload]") {
  const auto gen = workload::make_generator("ebizzy", 7, {});
  const TraceHeader& h = gen->header();
  CHECK(h.zone["memory"] == "128GiB");
  CHECK(h.zone["cpus"] == 32);
  CHECK(h.zone["region_size"] == "512MiB");
  CHECK(h.zone["pageblock_order"] == 10);
  CHECK(h.meta["model"] == "ebizzy");
  CHECK(h.meta["seed"] == 7);
  CHECK(h.meta["params"]["chunk"] == "256MiB");
  const auto small_gen = workload::make_generator("ebizzy", 7, {"memory=4GiB"});
  CHECK(small_gen->header().zone["memory"] == "4GiB");
}

TEST_CASE("Every model gives the same events for a seed and other events for another seed",
          "[workload]") {
  for (const workload::ModelInfo& m : workload::models()) {
    INFO(m.name);
    const auto a = drain(*workload::make_generator(m.name, 3, small(m.name)));
    const auto b = drain(*workload::make_generator(m.name, 3, small(m.name)));
    const auto c = drain(*workload::make_generator(m.name, 4, small(m.name)));
    CHECK(a.size() > 1000);
    CHECK(same(a, b));
    CHECK_FALSE(same(a, c));
  }
}

TEST_CASE("Every model's trace replays under both policies without a problem under strict",
          "[workload]") {
  for (const workload::ModelInfo& m : workload::models()) {
    for (const char* policy : {"stock", "region-aware"}) {
      INFO(m.name << " under " << policy);
      const auto gen = workload::make_generator(m.name, 5, small(m.name));
      ReplayOptions options;
      options.strict = true; // unmatched free, duplicate id, order mismatch, failure: errors
      Simulator sim(config_of(gen->header()), policy, policy, *gen, "gen", options);
      sim.run(*gen, [] {});
      const RunStats stats = sim.finish();
      CHECK(stats.events.alloc > 500);
      CHECK(stats.events.free > 500);
      CHECK(stats.events.failed == 0);
    }
  }
}

TEST_CASE("The ebizzy model ends with every benchmark page freed and marks its phases",
          "[workload]") {
  auto gen = workload::make_generator("ebizzy", 1, small("ebizzy"));
  std::vector<std::string> labels;
  std::int64_t live = 0; // pages allocated minus pages freed
  Event e;
  while (gen->next(e)) {
    if (e.op == EventOp::mark) labels.push_back(e.label);
    const std::int64_t pages = std::int64_t{1} << e.order;
    if (e.op == EventOp::alloc) live += pages;
    if (e.op == EventOp::free) live -= pages;
  }
  CHECK(labels == std::vector<std::string>{"boot", "page cache fill", "drop caches", "ebizzy start",
                                           "ebizzy end"});
  // Everything allocated is freed but boot memory and surviving kernel pages: a few percent.
  CHECK(live > 0);
  CHECK(live < 65536 / 20); // under 5% of the 256 MiB zone
}

TEST_CASE("memsim gen writes a compressed trace that compare reads with no other option",
          "[workload][cli]") {
  test::TempDir dir;
  const std::string out = (dir / "r.jsonl.zst").string();
  const auto gen = test::run_memsim(
      {"gen", "random", "-o", out, "--seed", "9", "--set", "events=5000", "--set", "memory=64MiB"});
  REQUIRE(gen.status == 0);
  CHECK_THAT(gen.err, Contains("5000 events"));
  const std::string bytes = test::slurp(out);
  REQUIRE(bytes.size() > 4);
  CHECK(static_cast<unsigned char>(bytes[0]) == 0x28); // zstd magic 28 b5 2f fd
  CHECK(static_cast<unsigned char>(bytes[1]) == 0xb5);
  const auto cmp = test::run_memsim({"compare", out});
  REQUIRE(cmp.status == 0);
  CHECK_THAT(cmp.out, Contains("64 MiB"));
  CHECK_THAT(cmp.out, Contains("region-aware"));
  for (const char* name : {"s.jsonl", "t.jsonl"}) {
    REQUIRE(test::run_memsim({"gen", "random", "-o", (dir / name).string(), "--seed", "9", "--set",
                              "events=5000", "--set", "memory=64MiB"})
                .status == 0);
  }
  CHECK(test::slurp(dir / "s.jsonl") == test::slurp(dir / "t.jsonl")); // same bytes
}

TEST_CASE("memsim gen rejects unknown workloads and parameters and documents its models",
          "[workload][cli]") {
  test::TempDir dir;
  const auto bad = test::run_memsim({"gen", "nosuch", "-o", (dir / "x.jsonl").string()});
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Contains("unknown workload 'nosuch'"));
  const auto param =
      test::run_memsim({"gen", "kbuild", "-o", (dir / "x.jsonl").string(), "--set", "threads=3"});
  CHECK(param.status == 1);
  CHECK_THAT(param.err, Contains("unknown parameter 'threads'"));
  CHECK_FALSE(std::filesystem::exists(dir / "x.jsonl"));
  const auto help = test::run_memsim({"gen", "--help"});
  CHECK(help.status == 0);
  for (const char* model : {"ebizzy", "kbuild", "pagecache", "random", "mixed-1g-smp2"})
    CHECK_THAT(help.out, Contains(model));
}

namespace {

// The most pages live at once, and the pages live at the end, of a generator's trace.
struct LiveCurve {
  std::int64_t peak = 0, end = 0;
};
LiveCurve live_curve(TraceReader& reader) {
  LiveCurve c;
  Event e;
  while (reader.next(e)) {
    if (e.op == EventOp::alloc) c.end += std::int64_t{1} << e.order;
    if (e.op == EventOp::free) c.end -= std::int64_t{1} << e.order;
    c.peak = std::max(c.peak, c.end);
  }
  return c;
}

} // namespace

TEST_CASE("The page-cache models reclaim at their limit and the random model keeps its cap",
          "[workload]") {
  constexpr std::int64_t zone = 16384; // 64 MiB of 4 KiB pages
  // pagecache: 80% of the zone is cache; kernel pages and in-flight files come on top.
  const auto pc = workload::make_generator("pagecache", 2, {"memory=64MiB", "region_size=16MiB"});
  const LiveCurve p = live_curve(*pc);
  CHECK(p.peak > zone * 75 / 100);
  CHECK(p.peak < zone * 90 / 100);
  // kbuild: the page cache stays under 50%; processes' memory is freed when they exit.
  const auto kb = workload::make_generator(
      "kbuild", 2,
      {"memory=64MiB", "region_size=16MiB", "processes=300", "anon=1MiB", "cache_limit=0.5"});
  const LiveCurve k = live_curve(*kb);
  CHECK(k.end > zone * 40 / 100);
  CHECK(k.end < zone * 55 / 100);
  // random: the live set never passes `live` of the zone.
  const auto rnd = workload::make_generator(
      "random", 2, {"memory=64MiB", "region_size=16MiB", "live=0.3", "events=50000"});
  const LiveCurve r = live_curve(*rnd);
  CHECK(r.peak > zone * 25 / 100);
  CHECK(r.peak <= zone * 30 / 100);
}
