// replay --timeline-csv (report/timeline_csv.cpp): one row per timeline sample with the values
// of the stats document, nulls as empty cells, labels quoted as RFC 4180 asks.
#include <catch2/catch.hpp>
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

TEST_CASE("The timeline CSV holds the timeline of the stats document row for row",
          "[report][cli]") {
  TempDir dir;
  const auto r =
      run_memsim({"replay", source_path("traces/mixed-1g-head.jsonl.zst"), "--json",
                  (dir / "s.json").string(), "--timeline-csv", (dir / "t.csv").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto timeline = nlohmann::json::parse(slurp(dir / "s.json"))["timeline"];
  std::istringstream csv(slurp(dir / "t.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  const auto header = split_csv_line(line);
  CHECK(header == std::vector<std::string>{"event", "t", "free_regions", "mixed_regions",
                                           "homogeneity", "mixed_pageblocks", "free_pages",
                                           "fallbacks", "unusable_index_pageblock", "label"});
  std::size_t rows = 0, labels = 0;
  for (; std::getline(csv, line); ++rows) {
    REQUIRE(rows < timeline.size());
    const auto fields = split_csv_line(line);
    REQUIRE(fields.size() == header.size());
    const auto& sample = timeline[rows];
    for (std::size_t i = 0; i + 1 < header.size(); ++i) {
      const auto& value = sample[header[i]];
      if (value.is_null()) {
        CHECK(fields[i].empty());
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
  CHECK(rows == timeline.size());
  CHECK(labels == 2); // the bundled trace's two phase marks
}

TEST_CASE("Timeline CSV quotes labels with commas and quotes and leaves nulls empty", "[report]") {
  memsim::TimelineSample sample;
  sample.event = 7;
  sample.free_regions = 3;
  sample.unusable_index_pageblock = 0.25;
  sample.label = "phase \"a\", round 1";
  std::ostringstream out;
  memsim::write_timeline_csv(out, {sample});
  CHECK(out.str() == "event,t,free_regions,mixed_regions,homogeneity,mixed_pageblocks,free_pages,"
                     "fallbacks,unusable_index_pageblock,label\n"
                     "7,,3,0,,0,0,0,0.25,\"phase \"\"a\"\", round 1\"\n");
}
