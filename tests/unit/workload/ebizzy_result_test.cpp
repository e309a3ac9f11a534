// The patchset's headline result, qualitatively, on a small generated trace (issue 5): the
// ebizzy model on an aged 4 GiB zone of 512 MiB regions (20 s of ebizzy, 4 M events: about the
// least that fills the zone; [slow] keeps it out of the sanitizer run), replayed in-process under
// stock and region-aware. Region-aware must end with more completely free regions and a higher
// homogeneity than stock, as in docs/reproduction.md (214 -> 8 vs 210 -> 202).
#include <catch2/catch.hpp>

#include "memsim/config.hpp"
#include "report/derived.hpp"
#include "sim/compare.hpp"
#include "workload/workload.hpp"

using namespace memsim;

TEST_CASE("On ebizzy region-aware ends with more free regions and higher homogeneity than stock",
          "[workload][ebizzy][slow]") {
  const auto gen = workload::make_generator("ebizzy", 1, {"memory=4GiB", "duration=20"});
  ConfigBuilder builder;
  builder.apply_header_zone(gen->header().zone, "gen");
  const Config config = builder.config();
  const std::vector<CompareRun> runs = {{"stock", "stock", config},
                                        {"region-aware", "region-aware", config}};
  CompareOptions options;
  options.replay.interval = 0;
  const std::vector<RunStats> stats = run_compare(*gen, "gen", runs, options);
  REQUIRE(stats.size() == 2);
  const ZoneSummary stock = summarize_regions(stats[0].regions);
  const ZoneSummary aware = summarize_regions(stats[1].regions);
  INFO("free regions: stock " << stock.free_regions << ", region-aware " << aware.free_regions);
  INFO("homogeneity: stock " << *stock.homogeneity << ", region-aware " << *aware.homogeneity);
  CHECK(stock.regions == 8);
  CHECK(stats[0].events.failed == 0);
  CHECK(stats[1].events.failed == 0);
  CHECK(aware.free_regions > stock.free_regions);
  CHECK(aware.free_regions >= 3);
  CHECK(*aware.homogeneity > *stock.homogeneity);
  CHECK(aware.mixed_regions < stock.mixed_regions);
}
