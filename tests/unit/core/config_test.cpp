// Unit tests of the config loader (src/core/config.cpp) and of resolve_geometry()'s kernel
// formulas (src/core/geometry.cpp): sizes, keys, layering, validation, pcp batch/high
// (docs/semantics.md D14) and the reserve count (D13), with the numbers worked out by hand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>

#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "policy/region_aware.hpp"
#include "policy/stock.hpp"

using memsim::Config;
using memsim::ConfigBuilder;
using memsim::Geometry;
using memsim::InputError;
using memsim::parse_size;
using memsim::RegionAwarePolicy;
using memsim::resolve_geometry;
using memsim::StockPolicy;
using memsim::Zone;
using nlohmann::json;

namespace {

bool touched(const ConfigBuilder& builder, const std::string& ns) {
  const auto& all = builder.touched_namespaces();
  return std::find(all.begin(), all.end(), ns) != all.end();
}

Config sized(const std::string& memory) {
  ConfigBuilder builder;
  builder.set("zone.memory", memory, "test");
  return builder.config();
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no error)";
}

std::filesystem::path scratch_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("memsim_config_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("A size takes every binary suffix exactly as spelled") {
  CHECK(parse_size("4096B", "k").value == 4096);
  CHECK(parse_size("4KiB", "k").value == 4096);
  CHECK(parse_size("512MiB", "k").value == 512ULL << 20);
  CHECK(parse_size("16GiB", "k").value == 16ULL << 30);
  CHECK(parse_size("1TiB", "k").value == 1ULL << 40);
  CHECK_FALSE(parse_size("1TiB", "k").in_pages);
  CHECK(parse_size("0B", "k").value == 0);
}

TEST_CASE("A bare integer size is a number of pages, as a JSON number or a string") {
  const auto number = parse_size(json(262144), "k");
  CHECK(number.value == 262144);
  CHECK(number.in_pages);
  const auto text = parse_size("2048", "k");
  CHECK(text.value == 2048);
  CHECK(text.in_pages);
  CHECK(text.bytes(4096) == 8ULL << 20);
  CHECK(parse_size(json::parse("7"), "k").in_pages); // number_unsigned as parsed from JSON
}

TEST_CASE("A size that is not a whole integer with a known suffix is an error naming the key") {
  const std::string expected =
      R"(zone.memory: "1.5GiB" is not a whole size (use an integer with B, KiB, MiB, GiB, TiB )"
      R"(or the kernel's K, M, G, T, or a number of pages))";
  CHECK(error_of([] { parse_size("1.5GiB", "zone.memory"); }) == expected);
  for (const json& bad :
       {json("4 GiB"), json("4gib"), json("4Kib"), json("GiB"), json(""), json("-4"), json(-4),
        json(1.5), json(4.0), json(true), json(nullptr), json(" 4GiB"), json("+4GiB")}) {
    CAPTURE(bad.dump());
    CHECK_THROWS_WITH(parse_size(bad, "zone.memory"), Catch::Contains("is not a whole size"));
  }
}

TEST_CASE("A size beyond 64 bits is an error, never a wrapped value") {
  CHECK_THROWS_WITH(parse_size("99999999999999999999", "k"), Catch::Contains("is too large"));
  CHECK_THROWS_WITH(parse_size("17179869184GiB", "k"), Catch::Contains("is too large"));
  CHECK(parse_size("17179869183GiB", "k").value == 17179869183ULL << 30);
  const memsim::Size pages{1ULL << 60, true};
  CHECK_THROWS_AS(pages.bytes(4096), InputError);
}

TEST_CASE("The valid keys are the zone, pcp, watermark, power, reserve, region_aware, linux_6_1 "
          "and linux_6_18 keys of docs/spec.md §2, §7.1 and §8") {
  const auto& keys = memsim::config_keys();
  REQUIRE(keys.size() == 42);
  CHECK(keys.front() == "zone.memory");
  CHECK(keys[7] == "zone.managed_pages");
  CHECK(keys[8] == "zone.region_origin");
  CHECK(keys[12] == "pcp.high_min");
  CHECK(keys[13] == "pcp.high_max");
  CHECK(keys[14] == "watermark.min");
  CHECK(keys[16] == "watermark.high");
  CHECK(keys[17] == "power.segment_size");
  CHECK(keys[19] == "power.events_per_second");
  CHECK(keys[20] == "reserve.pageblocks"); // the policies' keys follow the zone model's
  CHECK(keys[26] == "region_aware.ra_cache");
  CHECK(keys[27] == "linux_6_1.alike_rule");
  CHECK(keys[37] == "linux_6_18.hygiene");
  CHECK(keys.back() == "linux_6_18.highatomic");
}

TEST_CASE("Every listed key can be set from a --set string") {
  ConfigBuilder builder;
  for (const auto& key : memsim::config_keys()) {
    const bool is_bool = key.starts_with("region_aware.") || key.starts_with("linux_6_1.") ||
                         key.starts_with("linux_6_18.") || key == "pcp.enabled" ||
                         key == "power.drain_pcp";
    const std::string value = key == "zone.region_origin" ? "physical" : is_bool ? "false" : "3";
    CAPTURE(key);
    CHECK_NOTHROW(builder.set_assignment(key + "=" + value, "--set"));
  }
  const Config& config = builder.config();
  CHECK(config.zone.memory.value == 3);
  CHECK(config.zone.cpus == 3);
  CHECK(config.pcp.high == 3u);
  CHECK(config.pcp.high_min == 3u);
  CHECK(config.pcp.high_max == 3u);
  CHECK(config.policy_count("reserve.pageblocks") == 3u);
  CHECK(config.zone.managed_pages == 3u);
  CHECK(config.watermark.low == 3u);
  CHECK(config.zone.region_origin == memsim::RegionOrigin::physical);
  CHECK(config.power.segment_size->value == 3);
  CHECK(config.power.events_per_second == 3.0);
  CHECK_FALSE(config.pcp.enabled);
  CHECK_FALSE(config.policy_flag("region_aware.loan_only_stealing"));
  CHECK_FALSE(config.policy_flag("region_aware.ra_cache"));
  CHECK_FALSE(config.policy_flag("linux_6_1.alike_rule"));
  CHECK_FALSE(config.policy_flag("linux_6_18.claim_steal"));
}

TEST_CASE("An unknown key is an error that names its origin and lists every valid key") {
  ConfigBuilder builder;
  const std::string message = error_of([&] { builder.set("zone.foo", 1, "--set"); });
  CHECK_THAT(message, Catch::StartsWith("--set: unknown key \"zone.foo\"; valid keys: zone.memory, "
                                        "zone.start_pfn, zone.page_size"));
  for (const auto& key : memsim::config_keys()) CHECK_THAT(message, Catch::Contains(key));
  CHECK_THAT(message, Catch::EndsWith("linux_6_18.highatomic"));
}

TEST_CASE("Integers and booleans accept JSON values and the strings of --set") {
  ConfigBuilder builder;
  builder.set("zone.cpus", 4, "test");
  builder.set_assignment("zone.max_order=10", "--set");
  builder.set_assignment("pcp.enabled=false", "--set");
  builder.set("region_aware.ra_cache", "false", "test");
  builder.set("zone.start_pfn", json::parse("1048576"), "test");
  CHECK(builder.config().zone.cpus == 4);
  CHECK(builder.config().zone.max_order == 10);
  CHECK_FALSE(builder.config().pcp.enabled);
  CHECK_FALSE(builder.config().policy_flag("region_aware.ra_cache"));
  CHECK(builder.config().zone.start_pfn == 1048576);
  CHECK(touched(builder, "region_aware"));
}

TEST_CASE("A bad value names its origin and key") {
  ConfigBuilder builder;
  CHECK(error_of([&] { builder.set("zone.cpus", "four", "--set"); }) ==
        R"(--set: zone.cpus: "four" is not an unsigned integer)");
  CHECK(error_of([&] { builder.set("zone.cpus", -1, "x.json"); }) ==
        "x.json: zone.cpus: -1 is not an unsigned integer");
  CHECK(error_of([&] { builder.set("zone.cpus", "4294967296", "h"); }) ==
        R"(h: zone.cpus: "4294967296" is too large)");
  CHECK(error_of([&] { builder.set("pcp.enabled", "yes", "--set"); }) ==
        R"(--set: pcp.enabled: "yes" is not true or false)");
  CHECK(error_of([&] { builder.set_assignment("zone.memory", "--set"); }) ==
        R"(--set: "zone.memory" is not key=value)");
  CHECK_THROWS_WITH(builder.set_assignment("zone.memory=1.5GiB", "--set"),
                    Catch::StartsWith(R"(--set: zone.memory: "1.5GiB" is not a whole size)"));
  CHECK_FALSE(touched(builder, "region_aware"));
}

TEST_CASE("Trace header zone keys are accepted with or without the zone. prefix") {
  ConfigBuilder builder;
  builder.apply_header_zone(json{{"memory", "1GiB"}, {"zone.cpus", 2}, {"start_pfn", 1024}}, "t");
  CHECK(builder.config().zone.memory.value == 1ULL << 30);
  CHECK(builder.config().zone.cpus == 2);
  CHECK(builder.config().zone.start_pfn == 1024);
  CHECK_THROWS_WITH(builder.apply_header_zone(json{{"pcp.batch", 3}}, "t.jsonl"),
                    Catch::StartsWith("t.jsonl: unknown zone key \"pcp.batch\"; valid keys: "
                                      "zone.memory,"));
  CHECK_THROWS_WITH(builder.apply_header_zone(json{{"zone.pcp.batch", 3}}, "t"),
                    Catch::Contains("unknown zone key"));
}

TEST_CASE("Layers apply in order: header < config file < --set") {
  const auto file = scratch_file("layers.json", R"({"zone": {"memory": "2GiB", "max_order": 10},
      "pcp": {"batch": 7}, "region_aware.sorted_freelists": false})");
  ConfigBuilder builder;
  builder.apply_header_zone(json{{"memory", "1GiB"}, {"cpus", 4}, {"max_order", 9}}, "trace");
  builder.apply_file(file.string());
  builder.set_assignment("zone.memory=8GiB", "--set");
  std::filesystem::remove(file);
  const Config& config = builder.config();
  CHECK(config.zone.memory.value == 8ULL << 30);
  CHECK(config.zone.cpus == 4);
  CHECK(config.zone.max_order == 10);
  CHECK(config.pcp.batch == 7u);
  CHECK_FALSE(config.policy_flag("region_aware.sorted_freelists"));
  CHECK(touched(builder, "region_aware"));
}

TEST_CASE("A config file that cannot be read or parsed is an error naming the file") {
  ConfigBuilder builder;
  CHECK(error_of([&] { builder.apply_file("/nonexistent/memsim.json"); }) ==
        "/nonexistent/memsim.json: cannot open: No such file or directory");
  const auto broken = scratch_file("broken.json", "{\"zone\": ");
  CHECK_THAT(error_of([&] { builder.apply_file(broken.string()); }),
             Catch::StartsWith(broken.string() + ": not valid JSON: parse error at line 1"));
  const auto array = scratch_file("array.json", "[1, 2]");
  CHECK(error_of([&] { builder.apply_file(array.string()); }) ==
        array.string() + ": not a JSON object");
  const auto unknown = scratch_file("unknown.json", R"({"zone": {"colour": "blue"}})");
  CHECK_THAT(error_of([&] { builder.apply_file(unknown.string()); }),
             Catch::StartsWith(unknown.string() + ": unknown key \"zone.colour\""));
  for (const auto& path : {broken, array, unknown}) std::filesystem::remove(path);
}

TEST_CASE("zone_batchsize gives an 8 MiB zone batch 1 and high 0 (docs/semantics.md D14)") {
  const auto g = resolve_geometry(sized("8MiB"));
  CHECK(g.pages == 2048);
  CHECK(g.pcp_batch == 1);
  CHECK(g.pcp_high == 0);
  CHECK(g.regions == 1);
  CHECK(g.region_pages == 131072);
  CHECK(g.pageblock_pages == 1024);
  CHECK(g.page_shift == 12);
}

TEST_CASE("zone_batchsize gives 64 MiB batch 3 high 18 and 512 MiB or more 31 / 186") {
  const auto small = resolve_geometry(sized("64MiB"));
  CHECK(small.pcp_batch == 3);
  CHECK(small.pcp_high == 18);
  for (const char* memory : {"512MiB", "1GiB", "16GiB"}) {
    CAPTURE(memory);
    const auto g = resolve_geometry(sized(memory));
    CHECK(g.pcp_batch == 31);
    CHECK(g.pcp_high == 186);
  }
  CHECK(resolve_geometry(sized("16GiB")).regions == 32);
}

TEST_CASE("zone_batchsize caps the batch at 512 KiB of pages for large pages") {
  ConfigBuilder builder; // 16384 pages of 64 KiB: 16 -> 8 (512 KiB) -> 2 -> 3 -> 2 -> 1
  builder.set("zone.memory", "1GiB", "t");
  builder.set("zone.page_size", 65536, "t");
  const auto g = resolve_geometry(builder.config());
  CHECK(g.page_shift == 16);
  CHECK(g.pcp_batch == 1);
  CHECK(g.pcp_high == 6);
  // min_free_kbytes = int_sqrt(1048576 * 16) = 4096; >> 6 = 64 pages; one pageblock.
  CHECK(reserve_pageblocks_311(builder.config(), g) == 1);
}

TEST_CASE("pcp.batch alone sets high to six batches, pcp.high overrides") {
  ConfigBuilder builder;
  builder.set("zone.memory", "1GiB", "t");
  builder.set("pcp.batch", 7, "t");
  auto g = resolve_geometry(builder.config());
  CHECK(g.pcp_batch == 7);
  CHECK(g.pcp_high == 42);
  builder.set("pcp.high", 100, "t");
  g = resolve_geometry(builder.config());
  CHECK(g.pcp_batch == 7);
  CHECK(g.pcp_high == 100);
  ConfigBuilder high_only;
  high_only.set("zone.memory", "1GiB", "t");
  high_only.set("pcp.high", 5, "t");
  g = resolve_geometry(high_only.config());
  CHECK(g.pcp_batch == 31);
  CHECK(g.pcp_high == 5);
}

TEST_CASE("The reserve count follows min_free_kbytes = int_sqrt(zone_kbytes * 16) (D13)") {
  struct Case {
    const char* memory;
    unsigned reserve;
  };
  // 8 MiB: sqrt(131072) = 362 -> 90 pages -> 1.  64 MiB: 1024 -> 256 -> 1.
  // 512 MiB: sqrt(8388608) = 2896 -> 724 -> 1.  1 GiB: 4096 -> 1024 -> exactly 1.
  // 2 GiB: sqrt(33554432) = 5792 -> 1448 -> 2.  3 GiB: sqrt(50331648) = 7094 -> 1773 -> 2.
  // 16 GiB: 16384 -> 4096 -> 4, capped at 2.  512 KiB: sqrt(8192) = 90, clamped to 128 -> 1.
  // 1 TiB: 131072 clamped to 65536 -> 16384 -> 16, capped at 2.
  for (const Case& c :
       {Case{"8MiB", 1}, Case{"64MiB", 1}, Case{"512MiB", 1}, Case{"1GiB", 1}, Case{"2GiB", 2},
        Case{"3GiB", 2}, Case{"16GiB", 2}, Case{"512KiB", 1}, Case{"1TiB", 2}}) {
    CAPTURE(c.memory);
    const Config config = sized(c.memory);
    CHECK(reserve_pageblocks_311(config, resolve_geometry(config)) == c.reserve);
  }
}

TEST_CASE("The reserve count rounds the watermark up to whole pageblocks of pageblock_order") {
  ConfigBuilder builder; // 1 GiB: 1024 pages of min watermark = two 512-page pageblocks
  builder.set("zone.memory", "1GiB", "t");
  builder.set("zone.pageblock_order", 9, "t");
  CHECK(reserve_pageblocks_311(builder.config(), resolve_geometry(builder.config())) == 2);
  builder.set("reserve.pageblocks", 5, "t"); // set: no cap of 2
  CHECK(reserve_pageblocks_311(builder.config(), resolve_geometry(builder.config())) == 5);
}

TEST_CASE("resolve_geometry rejects impossible geometry, naming the key") {
  auto error_with = [](const std::string& key, const json& value) {
    ConfigBuilder builder;
    builder.set("zone.memory", "1GiB", "t");
    builder.set(key, value, "t");
    return error_of([&] { resolve_geometry(builder.config()); });
  };
  CHECK_THAT(error_with("zone.page_size", 1000), Catch::StartsWith("zone.page_size: 1000"));
  CHECK_THAT(error_with("zone.page_size", 512), Catch::StartsWith("zone.page_size: 512"));
  CHECK(error_with("zone.max_order", 0) ==
        "zone.max_order: 0 is out of range (it must be 2 to 20)");
  CHECK_THAT(error_with("zone.max_order", 21), Catch::Contains("2 to 20"));
  CHECK_THAT(error_with("zone.pageblock_order", 0), Catch::StartsWith("zone.pageblock_order: 0"));
  CHECK_THAT(error_with("zone.pageblock_order", 11), Catch::StartsWith("zone.pageblock_order: 11"));
  CHECK_THAT(error_with("zone.memory", "4097B"), Catch::Contains("not a whole number of"));
  CHECK_THAT(error_with("zone.memory", 0), Catch::StartsWith("zone.memory: must not be zero"));
  CHECK_THAT(error_with("zone.memory", "16TiB"),
             Catch::StartsWith("zone.memory: 4294967296 pages"));
  CHECK_THAT(error_with("zone.memory", "4611686018427387904"), Catch::StartsWith("zone.memory: "));
  CHECK_THAT(error_with("zone.region_size", "1MiB"),
             Catch::StartsWith("zone.region_size: 256 pages is not a multiple"));
  CHECK_THAT(error_with("zone.region_size", 0), Catch::StartsWith("zone.region_size:"));
  CHECK_THAT(error_with("zone.start_pfn", 100),
             Catch::StartsWith("zone.start_pfn: 100 is not aligned"));
  CHECK_THAT(error_with("zone.cpus", 0), Catch::StartsWith("zone.cpus: 0"));
  CHECK_THAT(error_with("zone.cpus", 1025), Catch::StartsWith("zone.cpus: 1025"));
  CHECK_THAT(error_with("pcp.batch", 0), Catch::StartsWith("pcp.batch:"));
}

TEST_CASE("A zone may be any whole number of pages and a short last region counts") {
  ConfigBuilder builder;
  builder.set("zone.memory", 1000, "t");
  builder.set("zone.region_size", "2MiB", "t");
  builder.set("zone.max_order", 10, "t");
  builder.set("zone.pageblock_order", 9, "t");
  builder.set("zone.start_pfn", 512, "t");
  const auto g = resolve_geometry(builder.config());
  CHECK(g.pages == 1000);
  CHECK(g.region_pages == 512);
  CHECK(g.regions == 2);
}

TEST_CASE("The effective config prints sizes in bytes and the resolved defaults, in order") {
  const Config config = sized("2048"); // pages
  const Geometry geometry = resolve_geometry(config);
  Zone zone(config, geometry);
  auto json_config = memsim::config_to_json(config, geometry);
  StockPolicy(zone, config).config_json(json_config);
  CHECK(json_config.dump() ==
        R"({"zone":{"memory":8388608,"start_pfn":0,"page_size":4096,"max_order":11,)"
        R"("pageblock_order":10,"region_size":536870912,"cpus":1},)"
        R"("pcp":{"enabled":true,"batch":1,"high":0},"reserve":{"pageblocks":1}})");
  Zone ra_zone(config, geometry);
  auto with_ra = memsim::config_to_json(config, geometry);
  RegionAwarePolicy(ra_zone, config).config_json(with_ra);
  CHECK(with_ra["region_aware"].dump() ==
        R"({"sorted_freelists":true,"lower_region_bias":true,"region_allocator":true,)"
        R"("retype_regions":true,"loan_only_stealing":true,"ra_cache":true})");
}

TEST_CASE("Fuzz regression: a value that is not UTF-8 is an error naming the key, not a crash") {
  // fuzz_config: `--set pcp.enabled=false\xff...` made the message's dump() throw a JSON
  // type_error, which memsim reported as an internal error (exit 2).
  for (const std::string key : {"pcp.enabled", "zone.cpus", "zone.memory", "pcp.batch"}) {
    ConfigBuilder builder;
    const std::string message =
        error_of([&] { builder.set_assignment(key + "=false\xff\xfe", "--set"); });
    CHECK_THAT(message, Catch::StartsWith("--set: " + key + ": \"false\xEF\xBF\xBD\xEF\xBF\xBD\""));
  }
  ConfigBuilder header;
  CHECK_THAT(error_of([&] {
               header.apply_header_zone(json{{"memory", "1\xff"}}, "t.jsonl:1");
             }),
             Catch::Contains("zone.memory"));
}

TEST_CASE("Fuzz regression: a config file with a number beyond a double is not valid JSON") {
  // fuzz_config: nlohmann throws out_of_range (not parse_error) for 1e999, which escaped
  // apply_file and ended memsim as an internal error (exit 2).
  ConfigBuilder builder;
  const auto huge = scratch_file("huge.json", R"({"zone": {"cpus": 44444.4e4444444}})");
  CHECK(error_of([&] { builder.apply_file(huge.string()); }) ==
        huge.string() + ": not valid JSON: number overflow parsing '44444.4e4444444'");
  std::filesystem::remove(huge);
  CHECK_THAT(error_of([&] { builder.set_assignment("zone.cpus=1e999", "--set"); }),
             Catch::StartsWith("--set: zone.cpus: "));
}

TEST_CASE("zone.managed_pages and watermark.* are printed only when set, and checked") {
  ConfigBuilder builder;
  const auto plain =
      memsim::config_to_json(builder.config(), memsim::resolve_geometry(builder.config()));
  CHECK_FALSE(plain["zone"].contains("managed_pages"));
  CHECK_FALSE(plain.contains("watermark"));
  builder.set_assignment("zone.managed_pages=1000", "--set");
  builder.set_assignment("watermark.low=20", "--set");
  const auto set =
      memsim::config_to_json(builder.config(), memsim::resolve_geometry(builder.config()));
  CHECK(set["zone"]["managed_pages"] == 1000);
  CHECK(set["watermark"] == nlohmann::ordered_json{{"low", 20}});
  builder.set_assignment("watermark.min=21", "--set");
  CHECK_THROWS_WITH(memsim::resolve_geometry(builder.config()),
                    "watermark.min: 21 is above watermark.low (20)");
  builder.set_assignment("watermark.min=1", "--set");
  builder.set_assignment("zone.managed_pages=99999999", "--set");
  CHECK_THROWS_WITH(memsim::resolve_geometry(builder.config()),
                    Catch::StartsWith("zone.managed_pages: 99999999 is more than the zone's"));
}
