// The sweep spec (sim/sweep_spec.hpp, docs/sweep.md): switch grids expanded into compare's
// NAME:key=value+key=value entries in key order with the last key innermost, the set grid in key
// order, the resources, the document written back, and the one-line errors that name the place.
#include <catch2/catch.hpp>

#include "memsim/error.hpp"
#include "sim/sweep_spec.hpp"

using namespace memsim;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string spec_error(const std::string& text) {
  try {
    parse_sweep_spec(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// A spec with the given policies and extra top-level members.
std::string spec_text(const std::string& policies, const std::string& extra = "") {
  return R"({"memsim_sweep": 1, "traces": [{"path": "a.jsonl"}], "policies": )" + policies + extra +
         "}";
}

} // namespace

TEST_CASE("A policy grid expands to one entry per combination, keys sorted, last key innermost",
          "[sweep]") {
  const SweepSpec spec = parse_sweep_spec(spec_text(R"(["stock", {"name": "region-aware",
                  "grid": {"sorted_freelists": [false, true], "ra_cache": [true, false]}},
                  "region-aware:retype_regions=false"])"),
                                          "s.json");
  // ra_cache sorts before sorted_freelists, so it is the outer key of the expansion.
  const std::vector<std::string> expected{"stock",
                                          "region-aware:ra_cache=true+sorted_freelists=false",
                                          "region-aware:ra_cache=true+sorted_freelists=true",
                                          "region-aware:ra_cache=false+sorted_freelists=false",
                                          "region-aware:ra_cache=false+sorted_freelists=true",
                                          "region-aware:retype_regions=false"};
  CHECK(spec.policies == expected);
  CHECK(spec.traces.size() == 1);
  CHECK(spec.traces[0].path == "a.jsonl");
  CHECK(spec.set.empty());
}

TEST_CASE("A policy object without a grid is its name alone, a scalar grid value is one value",
          "[sweep]") {
  const SweepSpec spec = parse_sweep_spec(
      spec_text(R"([{"name": "stock"}, {"name": "region-aware", "grid": {"ra_cache": false}}])"),
      "s.json");
  CHECK(spec.policies == std::vector<std::string>{"stock", "region-aware:ra_cache=false"});
}

TEST_CASE("The set grid keeps its values as written, keys in key order", "[sweep]") {
  const SweepSpec spec = parse_sweep_spec(
      spec_text(
          R"(["stock"])",
          R"(, "set": {"zone.region_size": ["64MiB", 134217728], "pcp.enabled": [true, false]},
                "resources": {"cpus": 2, "mem": "4G", "time": "1-00:30:00", "partition": "short"})"),
      "s.json");
  REQUIRE(spec.set.size() == 2);
  CHECK(spec.set[0].key == "pcp.enabled");
  CHECK(spec.set[1].key == "zone.region_size");
  REQUIRE(spec.set[1].values.size() == 2);
  CHECK(spec.set[1].values[0] == "64MiB");
  CHECK(spec.set[1].values[1] == 134217728);
  CHECK(grid_value_text(spec.set[1].values[0]) == "64MiB");
  CHECK(grid_value_text(spec.set[1].values[1]) == "134217728");
  CHECK(grid_value_text(spec.set[0].values[1]) == "false");
  CHECK(spec.resources.cpus == 2u);
  CHECK(spec.resources.mem == "4G");
  CHECK(spec.resources.time == "1-00:30:00");
  CHECK(spec.resources.partition == "short");
}

TEST_CASE("Grid combinations nest the last grid innermost", "[sweep]") {
  const std::vector<SweepGrid> grids{{"a", {1, 2}}, {"b", {"x", "y", "z"}}};
  const auto combinations = grid_combinations(grids);
  REQUIRE(combinations.size() == 6);
  CHECK(combinations[0] == std::vector<std::size_t>{0, 0});
  CHECK(combinations[1] == std::vector<std::size_t>{0, 1});
  CHECK(combinations[3] == std::vector<std::size_t>{1, 0});
  CHECK(combinations[5] == std::vector<std::size_t>{1, 2});
  CHECK(grid_combinations({}) == std::vector<std::vector<std::size_t>>{{}});
}

TEST_CASE("A spec written back reads back to the same spec", "[sweep]") {
  const SweepSpec spec = parse_sweep_spec(
      R"({"memsim_sweep": 1, // comments are allowed
          "traces": [{"path": "t/*.jsonl", "proc_in": "rec/begin"}, "b.jsonl"],
          "policies": ["stock", {"name": "region-aware", "grid": {"ra_cache": [true, false]}}],
          "set": {"zone.region_size": ["8MiB", "16MiB"]}, "resources": {"mem": "1G"}})",
      "s.json");
  const SweepSpec again = parse_sweep_spec(sweep_spec_to_json(spec).dump(), "again");
  CHECK(again.policies == spec.policies);
  REQUIRE(again.traces.size() == 2);
  CHECK(again.traces[0].path == "t/*.jsonl");
  CHECK(again.traces[0].proc_in == "rec/begin");
  CHECK(again.traces[1].path == "b.jsonl");
  REQUIRE(again.set.size() == 1);
  CHECK(again.set[0].values == spec.set[0].values);
  CHECK(again.resources.mem == "1G");
  CHECK(sweep_spec_to_json(again) == sweep_spec_to_json(spec));
}

TEST_CASE("Bad sweep specs are one-line errors naming the place", "[sweep]") {
  CHECK_THAT(spec_error("{"), StartsWith("s.json: not valid JSON: "));
  CHECK_THAT(spec_error("[1]"), Contains("s.json: not a JSON object"));
  CHECK_THAT(spec_error(R"({"traces": []})"), Contains("no \"memsim_sweep\": 1"));
  CHECK_THAT(spec_error(R"({"memsim_sweep": 2})"), Contains("memsim_sweep 2 is not a version"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "sets": {})")),
             Contains("s.json: unknown key \"sets\""));
  CHECK_THAT(spec_error(spec_text("[]")), Contains("\"policies\": expected a non-empty array"));
  CHECK_THAT(spec_error(spec_text(R"(["stock", "nonesuch"])")),
             Contains("s.json: policies[1]: ") && Contains("unknown policy \"nonesuch\""));
  CHECK_THAT(spec_error(spec_text(R"(["stock", "stock"])")),
             Contains("policies[1]: policy entry \"stock\" appears twice"));
  CHECK_THAT(
      spec_error(spec_text(R"([{"name": "region-aware", "grid": {"ra_cache": ["maybe"]}}])")),
      Contains("policies[0]") && Contains("is not true or false"));
  CHECK_THAT(spec_error(spec_text(R"([{"name": "region-aware", "grid": {"warp": [1]}}])")),
             Contains("region-aware has no switch \"warp\""));
  CHECK_THAT(spec_error(spec_text(R"([{"name": "region-aware", "grid": {"ra_cache": []}}])")),
             Contains("policies[0].grid.ra_cache: expected a non-empty array"));
  CHECK_THAT(spec_error(spec_text(R"([{"name": "region-aware", "grid": {"zone.cpus": ["1,2"]}}])")),
             Contains("holds , or +"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "set": {"zone.nonesuch": [1]})")),
             Contains("s.json: set: unknown key \"zone.nonesuch\""));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "set": {"zone.region_size": ["1.5MiB"]})")),
             Contains("s.json: set: zone.region_size: "));
  CHECK_THAT(
      spec_error(spec_text(R"(["stock"])", R"(, "set": {"region_aware.ra_cache": [false]})")),
      Contains("s.json: set: region_aware.* keys need the region-aware policy"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "resources": {"mem": "4 GB"})")),
             Contains("resources.mem: \"4 GB\" is not a Slurm size"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "resources": {"time": "1h"})")),
             Contains("resources.time: \"1h\" is not a Slurm time"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "resources": {"cpus": 0})")),
             Contains("resources.cpus: expected a positive integer"));
  CHECK_THAT(spec_error(spec_text(R"(["stock"])", R"(, "resources": {"gpus": 1})")),
             Contains("resources: unknown key \"gpus\""));
  CHECK_THAT(spec_error(R"({"memsim_sweep": 1, "traces": [{"file": "a"}], "policies": ["stock"]})"),
             Contains("s.json: traces[0]: unknown key \"file\""));
  // 4 switches x 20 values = 160,000 combinations: more runs than a sweep may have.
  std::string values = "[";
  for (int i = 0; i < 20; ++i) values += (i ? "," : "") + std::to_string(i);
  values += "]";
  CHECK_THAT(spec_error(spec_text(R"([{"name": "stock", "grid": {"zone.cpus": )" + values +
                                  R"(, "pcp.batch": )" + values + R"(, "pcp.high": )" + values +
                                  R"(, "reserve.pageblocks": )" + values + "}}]")),
             Contains("policies[0].grid: more than 100000 combinations"));
  for (const std::string& text :
       {std::string("{"), spec_text(R"(["stock", "nonesuch"])"), spec_text("[]")}) {
    const std::string message = spec_error(text);
    CHECK(message.find('\n') == std::string::npos);
  }
}
