// The `validation` section (stats/validation.hpp, docs/spec.md §7.3) against figures worked out
// by hand: per-order differences, free pages and Σ 2^k·|Δ_k| as shares of the real free pages,
// per-CPU pages, pageblocks counted from the pageblock maps inside the real zone, fallbacks; and
// its JSON and text forms.
#include <sstream>

#include <catch2/catch.hpp>

#include "report/validation_text.hpp"
#include "stats/run_stats.hpp"
#include "stats/validation.hpp"

using memsim::Migratetype;
using memsim::RealEndState;
using memsim::RunStats;
using memsim::validate;

namespace {

RunStats model() {
  RunStats stats;
  stats.policy = "stock";
  stats.pageblock_order = 2; // 4-page pageblocks
  stats.free_area.buddyinfo = {10, 4, 1};
  stats.pcp_pages = 3;
  stats.fallbacks.total = 9;
  memsim::RegionSnapshot first;
  first.start_pfn = 0;
  first.pageblock_map = "uUmm"; // pfns 0, 4, 8, 12 (upper case: mixed, the type all the same)
  memsim::RegionSnapshot second;
  second.start_pfn = 16;
  second.pageblock_map = "mrvM"; // pfns 16, 20, 24, 28
  stats.regions = {first, second};
  return stats;
}

RealEndState real() {
  RealEndState end;
  end.snapshot = "end/";
  end.zone = "DMA32";
  end.buddyinfo = {8, 5, 0, 1};
  end.pcp_pages = 7;
  end.pageblocks = {{Migratetype::unmovable, 2},
                    {Migratetype::movable, 3},
                    {Migratetype::reclaimable, 1},
                    {Migratetype::highatomic, 0}};
  end.fallbacks = 6;
  end.zone_start = 4; // the pageblocks of [4, 26): those at 4, 8, 12, 16, 20, 24
  end.zone_end = 26;
  return end;
}

} // namespace

TEST_CASE("validation: per-order, free-page and Σ 2^k|Δk| arithmetic", "[stats][validation]") {
  const memsim::Validation v = validate(model(), real());
  // model [10,4,1,0] against real [8,5,0,1].
  CHECK(v.buddy_model == std::vector<std::uint64_t>{10, 4, 1, 0});
  CHECK(v.buddy_diff == std::vector<std::int64_t>{2, -1, 1, -1});
  // real 8 + 2·5 + 8·1 = 26 pages; model 10 + 2·4 + 4·1 = 22.
  CHECK(v.free_real == 26);
  CHECK(v.free_model == 22);
  REQUIRE(v.free_diff_pct);
  CHECK(*v.free_diff_pct == Approx(-400.0 / 26.0));
  // Σ 2^k |Δ_k| = 2 + 2 + 4 + 8 = 16 pages.
  REQUIRE(v.l1_pct);
  CHECK(*v.l1_pct == Approx(1600.0 / 26.0));
  CHECK(v.pcp_real == 7);
  CHECK(v.pcp_model == 3);
  CHECK(v.fallbacks_real == 6u);
  CHECK(v.fallbacks_model == 9);
}

TEST_CASE("validation: the model's pageblocks inside the real zone, per type",
          "[stats][validation]") {
  const memsim::Validation v = validate(model(), real());
  // Maps at 4 U, 8 m, 12 m, 16 m, 20 r, 24 v; 0 ends where the zone starts, 28 starts at its end.
  CHECK(v.pageblocks_model == std::map<Migratetype, std::uint64_t>{{Migratetype::unmovable, 1},
                                                                   {Migratetype::reclaimable, 1},
                                                                   {Migratetype::movable, 3},
                                                                   {Migratetype::reserve, 1}});
  CHECK(v.pageblocks_diff == std::map<Migratetype, std::int64_t>{{Migratetype::unmovable, -1},
                                                                 {Migratetype::reclaimable, 0},
                                                                 {Migratetype::movable, 0},
                                                                 {Migratetype::reserve, 1},
                                                                 {Migratetype::highatomic, 0}});
}

TEST_CASE("validation: JSON of docs/spec.md §7.3 and the summary's table", "[stats][validation]") {
  RunStats stats = model();
  stats.validation = validate(stats, real());
  const auto json = memsim::validation_to_json(*stats.validation);
  CHECK(json["snapshot"] == "end/");
  CHECK(json["buddyinfo"]["diff"] == nlohmann::json::array({2, -1, 1, -1}));
  CHECK(json["free_pages"]["real"] == 26);
  CHECK(json["pcp_pages"]["model"] == 3);
  CHECK(json["pageblocks"]["real"]["unmovable"] == 2);
  CHECK(json["pageblocks"]["diff"]["reserve"] == 1);
  CHECK(json["fallbacks"]["real"] == 6);
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"snapshot", "zone", "buddyinfo", "free_pages", "l1_pct",
                                         "pcp_pages", "pageblocks", "fallbacks"});
  std::ostringstream text;
  memsim::write_validation_text(text, stats);
  CHECK_THAT(text.str(), Catch::Contains("real 26, model 22 (-15.38%)"));
  CHECK_THAT(text.str(), Catch::Contains("61.54% of the real free pages"));
  CHECK_THAT(text.str(), Catch::Contains("unmovable 2/1 (-1)"));
  CHECK_THAT(text.str(), Catch::Contains("real 6, model 9"));
}

TEST_CASE("validation: nothing free at the end, and a trace without extfrag events",
          "[stats][validation]") {
  RealEndState end = real();
  end.buddyinfo = {0, 0};
  end.fallbacks.reset();
  const memsim::Validation v = validate(model(), end);
  CHECK_FALSE(v.free_diff_pct);
  CHECK_FALSE(v.l1_pct);
  const auto json = memsim::validation_to_json(v);
  CHECK(json["l1_pct"].is_null());
  CHECK(json["fallbacks"]["real"].is_null());
}
