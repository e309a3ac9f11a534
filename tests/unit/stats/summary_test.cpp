// Unit tests of the text summaries (src/report/summary.cpp, compare_summary.cpp): the figures
// a reader looks for are present, the free table is aligned, and compare prints a column per
// run with the difference to the first.
#include <catch2/catch.hpp>

#include <sstream>

#include "report/summary.hpp"
#include "report_test_data.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

} // namespace

TEST_CASE("The replay summary shows geometry, counts, regions, fallbacks and the free table") {
  std::ostringstream out;
  memsim::write_summary(out, memsim::test::sample_run_stats());
  const std::string text = out.str();
  CHECK_THAT(text, Catch::Contains("policy region-aware"));
  CHECK_THAT(text,
             Catch::Contains("8 MiB: 2048 pages of 4 KiB, pfns 0x0-0x7ff, 2 regions of 4 MiB"));
  CHECK_THAT(text, Catch::Contains("MAX_ORDER 11 (orders 0-10), pageblock order 10"));
  CHECK_THAT(text, Catch::Contains("pcp batch 1 high 0, reserve 1 pageblock"));
  CHECK_THAT(text, Catch::Contains("alloc 7  free 3  failed 1  marks 1"));
  CHECK_THAT(text, Catch::Contains("2: 1 free, 1 used, 1 mixed"));
  CHECK_THAT(text, Catch::Contains("homogeneity 50.00%, mixed pageblocks 1"));
  CHECK_THAT(text,
             Catch::Contains("3 (2 fragmenting): unmovable<-movable 2, reclaimable<-movable 1"));
  CHECK_THAT(text, Catch::Contains("1: movable->unmovable 1"));
  CHECK_THAT(text, Catch::Contains("2034 pages (7.9 MiB), pcp 6 pages"));
  CHECK_THAT(text, Catch::Contains("free order 10"));
  const auto lines = lines_of(text);
  CHECK(lines.size() >= 20);
  CHECK(lines.size() <= 40);
}

TEST_CASE("The free table's rows line up under the order columns") {
  std::ostringstream out;
  memsim::write_summary(out, memsim::test::sample_run_stats());
  const auto lines = lines_of(out.str());
  const auto header = std::find_if(
      lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("free order"); });
  REQUIRE(header != lines.end());
  for (auto row = header + 1; row != header + 8; ++row) CHECK(row->size() == header->size());
  CHECK_THAT(*(header + 5), Catch::StartsWith("total"));
  CHECK_THAT(*(header + 5), Catch::EndsWith("      1      1"));
}

TEST_CASE("The summary says n/a for homogeneity when nothing is allocated") {
  memsim::RunStats s = memsim::test::sample_run_stats();
  s.regions[1].allocated = {0, 0, 0};
  s.free_area.buddyinfo.assign(11, 0);
  std::ostringstream out;
  memsim::write_summary(out, s);
  CHECK_THAT(out.str(), Catch::Contains("homogeneity n/a"));
  CHECK_THAT(out.str(), Catch::Contains("n/a (nothing free)"));
}

TEST_CASE("The compare summary has a column per run and a difference to the first") {
  memsim::RunStats stock = memsim::test::sample_run_stats();
  stock.policy = "stock";
  stock.regions[0].free_pages = 1000; // one region fewer free
  stock.regions[0].allocated = {0, 0, 24};
  memsim::RunStats aware = memsim::test::sample_run_stats();
  stock.provenance.label.reset(); // columns by policy entry
  aware.provenance.label.reset();
  std::ostringstream out;
  memsim::write_compare_summary(out, {stock, aware});
  const auto lines = lines_of(out.str());
  const auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("region-aware") != std::string::npos && l.find("stock") != std::string::npos;
  });
  REQUIRE(header != lines.end());
  CHECK_THAT(*header, Catch::EndsWith("Δ vs first"));
  auto row = [&](std::string_view name) {
    return *std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.starts_with(name); });
  };
  CHECK_THAT(row("free regions"), Catch::Matches(R"(free regions\s+0\s+1\s+\+1)"));
  CHECK_THAT(row("used regions"), Catch::Matches(R"(used regions\s+2\s+1\s+-1)"));
  CHECK_THAT(row("fallbacks"), Catch::Matches(R"(fallbacks\s+3\s+3\s+0)"));
  CHECK_THAT(row("homogeneity"), Catch::Matches(R"(homogeneity\s+87\.50%\s+50\.00%\s+-37\.50 pp)"));
  for (auto it = header + 1; it != lines.end(); ++it) {
    CHECK(it->size() + 1 == header->size()); // "Δ" is two bytes, one column
  }
}
