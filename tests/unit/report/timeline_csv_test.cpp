// replay --timeline-csv (report/timeline_csv.cpp): one row per timeline sample with the values
// of the stats document, nulls as empty cells, labels quoted as RFC 4180 asks.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../../support/run_command.hpp"
#include "report/timeline_csv.hpp"

using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

} // namespace

TEST_CASE("The timeline CSV holds the timeline of the stats document row for row, and the end",
          "[report][cli]") {
  TempDir dir;
  const auto r =
      run_memsim({"replay", source_path("traces/mixed-1g-head.jsonl.zst"), "--json",
                  (dir / "s.json").string(), "--timeline-csv", (dir / "t.csv").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(dir / "s.json"));
  const auto& timeline = doc["timeline"];
  std::istringstream csv(slurp(dir / "t.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  const auto header = split_csv_line(line);
  CHECK(header == std::vector<std::string>{"event", "t", "free_regions", "mixed_regions",
                                           "homogeneity_pct", "mixed_pageblocks", "free_pages",
                                           "fallbacks", "unusable_index_pageblock", "label"});
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) rows.push_back(split_csv_line(line));
  // The last sample is not at the last event: the end state is the last row.
  REQUIRE(timeline.back()["event"].get<std::uint64_t>() + 1 < doc["trace"]["events"]);
  REQUIRE(rows.size() == timeline.size() + 1);
  std::size_t labels = 0;
  for (std::size_t row = 0; row < timeline.size(); ++row) {
    const auto& fields = rows[row];
    REQUIRE(fields.size() == header.size());
    const auto& sample = timeline[row];
    for (std::size_t i = 0; i + 1 < header.size(); ++i) {
      const std::string key = header[i] == "homogeneity_pct" ? "homogeneity" : header[i];
      const auto& value = sample[key];
      if (value.is_null()) {
        CHECK(fields[i].empty());
      } else if (key == "homogeneity") {
        CHECK(fields[i] == fmt::format("{:.2f}", value.get<double>() * 100));
      } else if (value.is_number_float()) {
        CHECK(std::stod(fields[i]) == value.get<double>());
      } else {
        CHECK(std::stoull(fields[i]) == value.get<std::uint64_t>());
      }
    }
    if (sample.contains("label")) {
      CHECK(fields.back() == sample["label"].get<std::string>());
      ++labels;
    } else {
      CHECK(fields.back().empty());
    }
  }
  CHECK(labels == 2); // the bundled trace's two phase marks
  const auto& end = rows.back();
  const auto& summary = doc["summary"];
  CHECK(std::stoull(end[0]) + 1 == doc["trace"]["events"].get<std::uint64_t>());
  CHECK(std::stod(end[1]) == doc["provenance"]["t_end"].get<double>());
  CHECK(std::stoull(end[2]) == summary["free_regions"].get<std::uint64_t>());
  CHECK(std::stoull(end[3]) == summary["mixed_regions"].get<std::uint64_t>());
  CHECK(end[4] == fmt::format("{:.2f}", summary["homogeneity"].get<double>() * 100));
  CHECK(std::stoull(end[5]) == summary["mixed_pageblocks"].get<std::uint64_t>());
  CHECK(std::stoull(end[6]) == summary["free_pages"].get<std::uint64_t>());
  CHECK(std::stoull(end[7]) == doc["fallbacks"]["total"].get<std::uint64_t>());
  const auto pageblock_order = doc["config"]["zone"]["pageblock_order"].get<std::size_t>();
  CHECK(std::stod(end[8]) == doc["fragmentation"]["unusable_index"][pageblock_order].get<double>());
}

TEST_CASE("Timeline CSV quotes labels with commas and quotes and leaves nulls empty", "[report]") {
  memsim::TimelineSample sample;
  sample.event = 7;
  sample.free_regions = 3;
  sample.unusable_index_pageblock = 0.25;
  sample.label = "phase \"a\", round 1";
  memsim::TimelineSample later;
  later.event = 9;
  later.homogeneity = 0.93519;
  std::ostringstream out;
  memsim::write_timeline_csv(out, {sample, later});
  CHECK(out.str() ==
        "event,t,free_regions,mixed_regions,homogeneity_pct,mixed_pageblocks,free_pages,"
        "fallbacks,unusable_index_pageblock,label\n"
        "7,,3,0,,0,0,0,0.25,\"phase \"\"a\"\", round 1\"\n"
        "9,,0,0,93.52,0,0,0,0.0,\n");
}
