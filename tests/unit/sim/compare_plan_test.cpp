// compare's --policies entries (sim/compare_plan.hpp, docs/spec.md §1): "NAME" or
// "NAME:key=value+key=value", bare keys resolved to the policy's switches, overrides applied
// after the shared layers, and the one-line errors that name the entry.
#include <catch2/catch.hpp>

#include "memsim/error.hpp"
#include "sim/compare_plan.hpp"

using namespace memsim;
using Catch::Matchers::Contains;

namespace {

std::string parse_error(const std::string& list) {
  try {
    parse_policy_entries(list);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string plan_error(const std::string& list, const ConfigBuilder& layers = {}) {
  try {
    plan_compare_runs(parse_policy_entries(list), layers);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("A --policies list gives one entry per comma, as written", "[compare]") {
  const auto entries = parse_policy_entries("stock, region-aware ,stock");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].entry == "stock");
  CHECK(entries[1].entry == "region-aware");
  CHECK(entries[1].policy == "region-aware");
  CHECK(entries[1].overrides.empty());
  CHECK(entries[2].entry == "stock");
}

TEST_CASE("Bare override keys are the policy's switches, dotted keys are config keys",
          "[compare]") {
  const auto entries =
      parse_policy_entries("region-aware:ra_cache=false+sorted_freelists=false+zone.cpus=2");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].entry == "region-aware:ra_cache=false+sorted_freelists=false+zone.cpus=2");
  CHECK(entries[0].policy == "region-aware");
  REQUIRE(entries[0].overrides.size() == 3);
  CHECK(entries[0].overrides[0].key == "region_aware.ra_cache");
  CHECK(entries[0].overrides[0].value == "false");
  CHECK(entries[0].overrides[1].key == "region_aware.sorted_freelists");
  CHECK(entries[0].overrides[2].key == "zone.cpus");
  CHECK(parse_policy_entries("stock:pcp.enabled=false")[0].overrides[0].key == "pcp.enabled");
}

TEST_CASE("Malformed --policies lists are one-line errors naming the entry", "[compare]") {
  CHECK_THAT(parse_error("stock,foo"), Contains("entry \"foo\": unknown policy \"foo\" (known: "
                                                "stock, region-aware, linux-6.1"));
  CHECK_THAT(parse_error("stock,,region-aware"), Contains("empty entry"));
  CHECK_THAT(parse_error("stock,"), Contains("empty entry"));
  CHECK_THAT(parse_error("region-aware:ra_cache"), Contains("bad override \"ra_cache\""));
  CHECK_THAT(parse_error("region-aware:"), Contains("bad override \"\""));
  CHECK_THAT(parse_error("region-aware:ra_cache=false+"), Contains("bad override \"\""));
  CHECK_THAT(parse_error("region-aware:=false"), Contains("bad override \"=false\""));
  CHECK_THAT(parse_error("region-aware:bogus=1"),
             Contains("region-aware has no switch \"bogus\" (its switches: sorted_freelists"));
  CHECK_THAT(parse_error("stock:ra_cache=false"),
             Contains("entry \"stock:ra_cache=false\": stock has no switch \"ra_cache\" (it has "
                      "none)"));
  CHECK_THAT(parse_error("stock,stock:region_aware.ra_cache=false"),
             Contains("entry \"stock:region_aware.ra_cache=false\": region_aware.* keys belong "
                      "to the region-aware policy, not to stock"));
}

TEST_CASE("Per-policy overrides come after the shared layers, each run on its own copy",
          "[compare]") {
  ConfigBuilder layers;
  layers.set_assignment("region_aware.ra_cache=true", "--set");
  layers.set_assignment("zone.memory=64MiB", "--set");
  const auto runs = plan_compare_runs(
      parse_policy_entries("stock,region-aware:ra_cache=false+sorted_freelists=false,region-aware"),
      layers);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].entry == "stock");
  CHECK(runs[1].entry == "region-aware:ra_cache=false+sorted_freelists=false");
  CHECK(runs[1].policy == "region-aware");
  CHECK_FALSE(runs[1].config.policy_flag("region_aware.ra_cache"));
  CHECK_FALSE(runs[1].config.policy_flag("region_aware.sorted_freelists"));
  CHECK(runs[1].config.policy_flag("region_aware.lower_region_bias"));
  CHECK(runs[1].config.zone.memory.value == 64ULL << 20);
  CHECK(runs[2].config.policy_flag("region_aware.ra_cache"));
  CHECK(runs[2].config.policy_flag("region_aware.sorted_freelists"));
}

TEST_CASE("Planning rejects region_aware keys without region-aware, bad values and zones",
          "[compare]") {
  ConfigBuilder layers;
  layers.set_assignment("region_aware.ra_cache=false", "--set");
  CHECK_THAT(plan_error("stock,stock", layers),
             Contains("region_aware.* keys need the region-aware policy"));
  CHECK(plan_error("stock,region-aware", layers) == "no error");
  CHECK_THAT(plan_error("region-aware:ra_cache=maybe"),
             Contains("--policies entry \"region-aware:ra_cache=maybe\": region_aware.ra_cache"));
  CHECK_THAT(plan_error("stock:zone.bogus=1"),
             Contains("--policies entry \"stock:zone.bogus=1\": unknown key \"zone.bogus\""));
  CHECK_THAT(plan_error("stock,stock:zone.region_size=3MiB"),
             Contains("--policies entry \"stock:zone.region_size=3MiB\": zone.region_size"));
}
