// End to end, --power (docs/power.md): every run of compare gets an energy section whose
// residency adds up, the compare summary prints the saving per policy, the timeline CSV and the
// report gain their segment columns and section, documents without --power keep their keys, bad
// power files and power.* keys without --power are one-line errors (exit 1), and a zone of
// fewer than 8 regions gets the region-size notice.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::StartsWith;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using memsim::test::write;

namespace {

const std::string kGolden = source_path("traces/golden/compare-mixed.jsonl");
const std::string kWithT = source_path("traces/golden/pcp-and-fallback.jsonl");

} // namespace

TEST_CASE("compare --power gives every run an energy section whose residency adds up", "[cli]") {
  const auto r = run_memsim({"compare", kGolden, "--power", "lpddr-pasr", "--set",
                             "power.events_per_second=1000", "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["runs"].size() == 2);
  for (const auto& run : doc["runs"]) {
    const auto& e = run["energy"];
    CHECK(e["model"] == "lpddr-pasr");
    CHECK(e["unit"] == "events");
    CHECK(e["segments"] == 8); // 64 MiB of 8 MiB regions
    const auto& s = e["segment_seconds"];
    CHECK(s["on"].get<double>() + s["off"].get<double>() ==
          Approx(8 * e["duration"].get<double>()));
    CHECK(s["off_drained"].get<double>() >= s["off"].get<double>());
    CHECK(e["energy_j"].get<double>() <= e["baseline_energy_j"].get<double>());
    CHECK(run["summary"]["free_regions_drained"].get<unsigned>() >=
          run["summary"]["free_regions"].get<unsigned>());
    CHECK(run["timeline"][0].contains("segments_offlinable"));
    CHECK(run["config"]["power"]["segment_size"] == 8 << 20);
  }
}

TEST_CASE("compare --power prints residency and the energy saving per policy", "[cli]") {
  const auto r = run_memsim(
      {"compare", kGolden, "--power", "ddr4-rank", "--set", "power.events_per_second=1000"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("free regions (pcp drained)"));
  CHECK_THAT(r.out, Contains("segment-events off"));
  CHECK_THAT(r.out, Contains("energy saving"));
  CHECK_THAT(r.out, Contains("mean power (mW)"));
}

TEST_CASE("Without --power the stats have no energy keys", "[cli]") {
  const auto r = run_memsim({"replay", kGolden, "--json", "-"});
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK_FALSE(doc.contains("energy"));
  CHECK_FALSE(doc["summary"].contains("free_regions_drained"));
  CHECK_FALSE(doc["timeline"][0].contains("segments_off"));
  CHECK_FALSE(doc["config"].contains("power"));
}

TEST_CASE("replay --power with a power file writes the segment columns of the CSV and the "
          "report's power section",
          "[cli]") {
  TempDir dir;
  write(dir / "p.json", R"({"memsim_power":1,"name":"mine","segment_size":"16MiB","fixed_mw":1,)"
                        R"("segment_mw":{"on":2,"off":0.5}})");
  const auto r =
      run_memsim({"replay", kGolden, "--power", (dir / "p.json").string(), "--set",
                  "power.events_per_second=10", "--timeline-csv", (dir / "t.csv").string(),
                  "--report", (dir / "r.html").string(), "--json", (dir / "s.json").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string csv = slurp(dir / "t.csv");
  CHECK_THAT(csv.substr(0, csv.find('\n')),
             Contains(",segments_off,segments_off_drained,segments_offlinable,label"));
  const std::string html = slurp(dir / "r.html");
  CHECK_THAT(html, Contains(R"(<section id="power">)"));
  CHECK_THAT(html, Contains(R"(<svg class="segments")"));
  const auto doc = nlohmann::json::parse(slurp(dir / "s.json"));
  CHECK(doc["energy"]["model"] == "mine");
  CHECK(doc["energy"]["segments"] == 4); // the file's 16 MiB segments over 64 MiB
  CHECK(doc["energy"]["fixed_mw"] == 1.0);
  // `memsim report` reads the section back and draws the same page.
  const auto again =
      run_memsim({"report", (dir / "s.json").string(), "-o", (dir / "again.html").string()});
  REQUIRE(again.status == 0);
  CHECK(slurp(dir / "again.html") == html);
}

TEST_CASE("A bad power file is a one-line error naming the file, exit status 1", "[cli]") {
  TempDir dir;
  const std::string path = (dir / "bad.json").string();
  for (const std::string& text :
       {std::string("{\"memsim_power\":1,"), std::string(R"({"memsim_power":1,"segment_mw":{}})"),
        std::string(R"({"memsim_power":1,"segment_mw":{"on":1,"off":-2}})"),
        std::string(R"({"memsim_power":1,"segment_size":0,"segment_mw":{"on":1,"off":0}})")}) {
    write(path, text);
    for (const char* command : {"replay", "compare"}) {
      const auto r = run_memsim({command, kWithT, "--power", path});
      INFO(command << " " << text << ": " << r.err);
      CHECK(r.status == 1);
      CHECK(one_line(r.err));
      CHECK_THAT(r.err, StartsWith(path + ": "));
    }
  }
  const auto missing = run_memsim({"replay", kWithT, "--power", (dir / "none.json").string()});
  CHECK(missing.status == 1);
  CHECK(one_line(missing.err));
  CHECK_THAT(missing.err, Contains("lpddr-pasr"));
}

TEST_CASE("power.* keys without --power and energy without a time base are errors", "[cli]") {
  const auto keys = run_memsim({"replay", kWithT, "--set", "power.drain_pcp=true"});
  CHECK(keys.status == 1);
  CHECK(one_line(keys.err));
  CHECK_THAT(keys.err, Contains("--power"));
  const auto clock = run_memsim({"replay", kGolden, "--power", "lpddr-pasr"});
  CHECK(clock.status == 1);
  CHECK(one_line(clock.err));
  CHECK_THAT(clock.err, Contains("power.events_per_second"));
  const auto bad = run_memsim(
      {"replay", kGolden, "--power", "lpddr-pasr", "--set", "power.events_per_second=-3"});
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Contains("power.events_per_second"));
}

TEST_CASE("A zone of fewer than 8 regions gets a notice naming a region size that gives 8 to 64",
          "[cli]") {
  TempDir dir;
  write(dir / "t.jsonl", "{\"memsim_trace\":1,\"zone\":{\"memory\":\"1GiB\"}}\n"
                         "{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n");
  const auto r = run_memsim({"replay", (dir / "t.jsonl").string()});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Contains("the zone has 2 regions of 512 MiB"));
  CHECK_THAT(r.err, Contains("--set zone.region_size=128MiB gives 8"));
  const auto enough =
      run_memsim({"replay", (dir / "t.jsonl").string(), "--set", "zone.region_size=64MiB"});
  CHECK_THAT(enough.err, !Contains("regions of"));
}

TEST_CASE("zone.region_origin=physical aligns regions to pfn 0", "[cli]") {
  TempDir dir;
  write(
      dir / "t.jsonl",
      "{\"memsim_trace\":1,\"zone\":{\"memory\":\"64MiB\",\"start_pfn\":1024,"
      "\"region_size\":\"16MiB\"}}\n{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\"}\n");
  const auto zone = run_memsim({"replay", (dir / "t.jsonl").string(), "--json", "-"});
  const auto physical = run_memsim({"replay", (dir / "t.jsonl").string(), "--set",
                                    "zone.region_origin=physical", "--json", "-", "--check"});
  INFO(physical.err);
  REQUIRE(physical.status == 0);
  const auto a = nlohmann::json::parse(zone.out);
  const auto b = nlohmann::json::parse(physical.out);
  CHECK(a["regions"].size() == 4);
  CHECK_FALSE(a["config"]["zone"].contains("region_origin"));
  // pfn 1024 is 4 MiB into the 16 MiB segment [0, 4096): regions of 3072, 4096 x 3, 1024 pages.
  REQUIRE(b["regions"].size() == 5);
  CHECK(b["config"]["zone"]["region_origin"] == "physical");
  CHECK(b["regions"][0]["start_pfn"] == 1024);
  CHECK(b["regions"][0]["pages"] == 3072);
  CHECK(b["regions"][1]["start_pfn"] == 4096);
  CHECK(b["regions"][4]["pages"] == 1024);
}
