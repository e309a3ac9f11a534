// replay --timeline-csv (report/timeline_csv.cpp): one row per timeline sample with the values
// of the stats document, nulls as empty cells, labels quoted as RFC 4180 asks.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../../support/csv.hpp"
#include "../../support/run_command.hpp"
#include "report/timeline_csv.hpp"

using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::split_csv_line;
using memsim::test::TempDir;

namespace {

// The stats document's value of a CSV column in a timeline sample, as the CSV prints it.
std::string expected_cell(const nlohmann::json& sample, const std::string& column) {
  const std::string largest = "largest_free_order_";
  if (column.rfind(largest, 0) == 0)
    return std::to_string(sample["largest_free_order"][column.substr(largest.size())].get<int>());
  if (column.rfind("probe_", 0) == 0) {
    const auto cut = column.find('_', 6);
    return sample["probes"][column.substr(6, cut - 6)][column.substr(cut + 1)].get<std::string>();
  }
  const auto& value = sample[column == "homogeneity_pct" ? "homogeneity" : column];
  if (value.is_null()) return "";
  if (column == "homogeneity_pct") return fmt::format("{:.2f}", value.get<double>() * 100);
  return value.dump();
}

} // namespace

TEST_CASE("The timeline CSV holds the timeline of the stats document row for row, and the end",
          "[report][cli]") {
  TempDir dir;
  const auto r =
      run_memsim({"replay", source_path("traces/mixed-1g-head.jsonl.zst"), "--probe", "9,3",
                  "--json", (dir / "s.json").string(), "--timeline-csv", (dir / "t.csv").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(dir / "s.json"));
  const auto& timeline = doc["timeline"];
  std::istringstream csv(slurp(dir / "t.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  const auto header = split_csv_line(line);
  std::vector<std::string> columns{"event",
                                   "t",
                                   "free_regions",
                                   "mixed_regions",
                                   "homogeneity_pct",
                                   "mixed_pageblocks",
                                   "free_pages",
                                   "fallbacks",
                                   "unusable_index_pageblock",
                                   "free_pageblocks_whole"};
  for (const char* type : {"unmovable", "reclaimable", "movable"})
    columns.push_back(std::string("largest_free_order_") + type);
  for (const char* order : {"9", "3"})
    for (const char* type : {"unmovable", "reclaimable", "movable"})
      columns.push_back(std::string("probe_") + order + "_" + type);
  columns.push_back("label");
  CHECK(header == columns);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) rows.push_back(split_csv_line(line));
  // The last sample is not at the last event: the end state is the last row.
  REQUIRE(timeline.back()["event"].get<std::uint64_t>() + 1 < doc["trace"]["events"]);
  REQUIRE(rows.size() == timeline.size() + 1);
  std::size_t labels = 0, own = 0;
  for (std::size_t row = 0; row < timeline.size(); ++row) {
    const auto& fields = rows[row];
    REQUIRE(fields.size() == header.size());
    const auto& sample = timeline[row];
    for (std::size_t i = 0; i + 1 < header.size(); ++i) {
      INFO(header[i]);
      const std::string want = expected_cell(sample, header[i]);
      // contains() first: [] on a const json with a missing key (homogeneity_pct) is undefined.
      if (sample.contains(header[i]) && sample[header[i]].is_number_float())
        CHECK(std::stod(fields[i]) == std::stod(want));
      else
        CHECK(fields[i] == want);
      own += fields[i] == "own" ? 1 : 0;
    }
    if (sample.contains("label")) {
      CHECK(fields.back() == sample["label"].get<std::string>());
      ++labels;
    } else {
      CHECK(fields.back().empty());
    }
  }
  CHECK(labels == 2); // the bundled trace's two phase marks
  CHECK(own > 0);
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
  const auto& fragmentation = doc["fragmentation"];
  CHECK(std::stod(end[8]) == fragmentation["unusable_index"][pageblock_order].get<double>());
  // The end's §9 columns from the end state's buddyinfo and pagetypeinfo.
  std::uint64_t whole = 0;
  const auto& buddyinfo = fragmentation["buddyinfo"];
  for (std::size_t o = pageblock_order; o < buddyinfo.size(); ++o)
    whole += buddyinfo[o].get<std::uint64_t>() << (o - pageblock_order);
  CHECK(std::stoull(end[9]) == whole);
  int column = 10;
  for (const char* type : {"unmovable", "reclaimable", "movable"}) {
    const auto& counts = fragmentation["pagetypeinfo"][type];
    int largest = -1;
    for (std::size_t o = 0; o < counts.size(); ++o)
      if (counts[o].get<std::uint64_t>() != 0) largest = static_cast<int>(o);
    CHECK(end[static_cast<std::size_t>(column++)] == std::to_string(largest));
  }
  for (; column + 1 < static_cast<int>(end.size()); ++column)
    CHECK(end[static_cast<std::size_t>(column)].empty()); // no probe at the end
}

TEST_CASE("Timeline CSV quotes labels with commas and quotes and leaves nulls empty", "[report]") {
  memsim::TimelineSample sample;
  sample.event = 7;
  sample.free_regions = 3;
  sample.unusable_index_pageblock = 0.25;
  sample.label = "phase \"a\", round 1";
  sample.free_pageblocks_whole = 12;
  sample.largest_free_order = {-1, 3, 10};
  memsim::TimelineSample later;
  later.event = 9;
  later.homogeneity = 0.93519;
  later.probes = {
      {9, {memsim::ProbeAnswer::own, memsim::ProbeAnswer::fallback, memsim::ProbeAnswer::none}}};
  std::ostringstream out;
  memsim::write_timeline_csv(out, {sample, later});
  CHECK(out.str() ==
        "event,t,free_regions,mixed_regions,homogeneity_pct,mixed_pageblocks,free_pages,"
        "fallbacks,unusable_index_pageblock,free_pageblocks_whole,largest_free_order_unmovable,"
        "largest_free_order_reclaimable,largest_free_order_movable,probe_9_unmovable,"
        "probe_9_reclaimable,probe_9_movable,label\n"
        "7,,3,0,,0,0,0,0.25,12,-1,3,10,,,,\"phase \"\"a\"\", round 1\"\n"
        "9,,0,0,93.52,0,0,0,0.0,0,0,0,0,own,fallback,none,\n");
}
