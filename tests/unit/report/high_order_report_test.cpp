// The report's docs/spec.md §9 part (report/high_order_report.cpp, timeline_charts.cpp,
// summary.cpp, compare_summary.cpp): the per-order, pollution and claims tables on the page and
// in --export's CSV, the free-whole-pageblock chart and the text summaries hold the very counters
// of the stats document of the same run; stats without §9 still draw; bad §9 values are a
// one-line error.
#include <catch2/catch.hpp>

#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "../../support/csv.hpp"
#include "../../support/run_command.hpp"
#include "report/report_input.hpp"
#include "report/timeline_charts.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::read_csv;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;
using nlohmann::json;

namespace {

// Probes (a real recording's failed THP attempts) and claims; steals and polluting pages.
const std::vector<std::string> kTraces = {source_path("traces/kmem-6.18-thp/trace.txt"),
                                          source_path("traces/golden/compare-mixed.jsonl")};
const std::vector<std::string> kTypes = {"unmovable", "reclaimable", "movable"};

void require_ok(const memsim::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.status == 0);
}

std::uint64_t value_or_zero(const json& object, const std::string& key) {
  return object.contains(key) ? object[key].get<std::uint64_t>() : 0;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

// table-high-order-N.csv against the run's high_order: a row per order, every column.
void check_high_order_csv(const std::string& csv, const json& run) {
  const auto rows = read_csv(csv);
  const auto& orders = run["high_order"];
  REQUIRE(rows.size() == orders.size() + 1);
  const auto& h = rows.front();
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& o = orders.at(row[column(h, "order")]);
    CHECK(row[column(h, "allocs")] == o["allocs"].dump());
    CHECK(row[column(h, "satisfied")] == o["satisfied"].dump());
    CHECK(row[column(h, "by fallback")] == o["by_fallback"].dump());
    CHECK(row[column(h, "failed")] == o["failed"].dump());
    CHECK(row[column(h, "probes: own lists")] == o["probes"]["own"].dump());
    CHECK(row[column(h, "probes: only by fallback")] == o["probes"]["fallback"].dump());
    CHECK(row[column(h, "probes: none")] == o["probes"]["none"].dump());
    const double allocs = o["allocs"].get<double>();
    if (allocs > 0)
      CHECK(std::stod(row[column(h, "success")]) ==
            Approx(o["satisfied"].get<double>() / allocs * 100).margin(0.005));
  }
}

// table-pollution-N.csv: pages of the row's type in the column's pageblocks, "A<-B".
void check_pollution_csv(const std::string& csv, const json& run) {
  const auto rows = read_csv(csv);
  const auto& pages = run["pollution"]["pages"];
  const auto& h = rows.front();
  std::uint64_t seen = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string a = rows[i][0];
    std::uint64_t total = 0;
    for (std::size_t c = 1; c + 1 < h.size(); ++c) {
      const std::string b = h[c].substr(3); // "in movable"
      if (a == b) {
        CHECK(rows[i][c].empty());
        continue;
      }
      CHECK(std::stoull(rows[i][c]) == value_or_zero(pages, a + "<-" + b));
      total += std::stoull(rows[i][c]);
    }
    CHECK(std::stoull(rows[i].back()) == total);
    seen += total;
  }
  std::uint64_t all = 0;
  for (const auto& [pair, n] : pages.items()) all += n.get<std::uint64_t>();
  CHECK(seen == all); // every pair of the document is in the table
}

// table-claims-N.csv: pageblocks claimed per type, steals per pair.
void check_claims_csv(const std::string& csv, const json& run) {
  const auto rows = read_csv(csv);
  const auto& claims = run["pollution"]["claims"];
  const auto& steals = run["pollution"]["steals"];
  const auto& h = rows.front();
  std::uint64_t claimed = 0, stolen = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string a = rows[i][0];
    CHECK(std::stoull(rows[i][1]) == value_or_zero(claims, a));
    claimed += std::stoull(rows[i][1]);
    for (std::size_t c = 2; c < h.size(); ++c) {
      const std::string b = h[c].substr(12); // "steals from movable"
      if (a == b) continue;
      CHECK(std::stoull(rows[i][c]) == value_or_zero(steals, a + "<-" + b));
      stolen += std::stoull(rows[i][c]);
    }
  }
  std::uint64_t all_claims = 0, all_steals = 0;
  for (const auto& [type, n] : claims.items()) all_claims += n.get<std::uint64_t>();
  for (const auto& [pair, n] : steals.items()) all_steals += n.get<std::uint64_t>();
  CHECK(claimed == all_claims);
  CHECK(stolen == all_steals);
}

// The cells of the page's tables of `cls`, one vector per body row, tags stripped.
std::vector<std::vector<std::string>> html_rows(const std::string& page, const std::string& cls) {
  std::vector<std::vector<std::string>> rows;
  const std::string open = "<table class=\"" + cls + "\">";
  for (auto at = page.find(open); at != std::string::npos; at = page.find(open, at + 1)) {
    const std::string table = page.substr(at, page.find("</table>", at) - at);
    const std::string body = table.substr(table.find("<tbody>"));
    static const std::regex row("<tr>(.*?)</tr>"), cell("<td[^>]*>(.*?)</td>");
    for (auto r = std::sregex_iterator(body.begin(), body.end(), row); r != std::sregex_iterator();
         ++r) {
      const std::string cells = (*r)[1].str();
      std::vector<std::string> out;
      for (auto c = std::sregex_iterator(cells.begin(), cells.end(), cell);
           c != std::sregex_iterator(); ++c)
        out.push_back(std::regex_replace((*c)[1].str(), std::regex(","), ""));
      rows.push_back(out);
    }
  }
  return rows;
}

} // namespace

TEST_CASE("The per-order, pollution and claims tables hold each run's stats, on the page and in "
          "CSV",
          "[report][cli][probe]") {
  for (const std::string& trace : kTraces) {
    INFO(trace);
    TempDir dir;
    require_ok(run_memsim({"compare", trace, "--json", (dir / "c.json").string()}));
    require_ok(run_memsim({"report", (dir / "c.json").string(), "-o", (dir / "r.html").string(),
                           "--export", (dir / "out").string()}));
    const json doc = json::parse(slurp(dir / "c.json"));
    const auto& runs = doc["runs"];
    REQUIRE(runs.size() == 2);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::string n = std::to_string(i + 1);
      check_high_order_csv(slurp(dir / "out" / ("table-high-order-" + n + ".csv")), runs[i]);
      check_pollution_csv(slurp(dir / "out" / ("table-pollution-" + n + ".csv")), runs[i]);
      check_claims_csv(slurp(dir / "out" / ("table-claims-" + n + ".csv")), runs[i]);
    }
    // The summary's totals.
    const auto summary = read_csv(slurp(dir / "out" / "table-summary.csv"));
    const auto total = [](const json& counts) {
      std::uint64_t n = 0;
      for (const auto& [key, v] : counts.items()) n += v.get<std::uint64_t>();
      return std::to_string(n);
    };
    for (const auto& line : summary) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& p = runs[i]["pollution"];
        if (line[0] == "pageblock claims") CHECK(line[i + 1] == total(p["claims"]));
        if (line[0] == "steals") CHECK(line[i + 1] == total(p["steals"]));
        if (line[0] == "polluting pages") CHECK(line[i + 1] == total(p["pages"]));
      }
    }
    CHECK(std::count_if(summary.begin(), summary.end(), [](const auto& l) {
            return l[0] == "pageblock claims" || l[0] == "steals" || l[0] == "polluting pages";
          }) == 3);
    // The page's per-order tables: the runs one after the other, the same numbers.
    const std::string page = slurp(dir / "r.html");
    CHECK_THAT(page, Contains("<section id=\"high-order\">"));
    const auto rows = html_rows(page, "high-order");
    REQUIRE(rows.size() == runs[0]["high_order"].size() + runs[1]["high_order"].size());
    std::size_t r = 0;
    for (const auto& run : runs) {
      for (const auto& [order, o] : run["high_order"].items()) {
        CHECK(rows[r][0] == order);
        CHECK(rows[r][1] == o["allocs"].dump());
        CHECK(rows[r][2] == o["satisfied"].dump());
        CHECK(rows[r][6] == o["probes"]["own"].dump());
        CHECK(rows[r][8] == o["probes"]["none"].dump());
        ++r;
      }
    }
  }
}

TEST_CASE("The free-whole-pageblock chart draws the timeline's free_pageblocks_whole",
          "[report][probe]") {
  TempDir dir;
  require_ok(run_memsim({"compare", kTraces[1], "--json", (dir / "c.json").string()}));
  json doc = json::parse(slurp(dir / "c.json"));
  const auto runs = memsim::report_runs_as_written(doc, "c.json");
  const auto specs = memsim::timeline_chart_specs(runs);
  REQUIRE(specs.size() == 8);
  CHECK(specs[0].id == "chart-free_regions");
  REQUIRE(specs[1].id == "chart-free_pageblocks_whole"); // beside free regions
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& timeline = doc["runs"][i]["timeline"];
    const auto& points = specs[1].series[i].points;
    REQUIRE(points.size() >= timeline.size());
    for (std::size_t s = 0; s < timeline.size(); ++s)
      CHECK(points[s].second == timeline[s]["free_pageblocks_whole"].get<double>());
  }
  // Stats written before §9: read, the chart has no values and the section says so.
  for (auto& run : doc["runs"]) {
    run.erase("high_order");
    run.erase("pollution");
    for (auto& sample : run["timeline"]) {
      sample.erase("free_pageblocks_whole");
      sample.erase("largest_free_order");
    }
  }
  const auto old = memsim::report_runs_as_written(doc, "old.json");
  CHECK_FALSE(old[0].has_high_order);
  const auto old_specs = memsim::timeline_chart_specs(old); // the loop must not outlive it
  for (const auto& point : old_specs[1].series[0].points) CHECK_FALSE(point.second.has_value());
  std::ofstream(dir / "old.json") << doc.dump();
  require_ok(run_memsim({"report", (dir / "old.json").string(), "-o", (dir / "o.html").string()}));
  CHECK_THAT(slurp(dir / "o.html"), Contains("Not in these stats"));
}

TEST_CASE("The text summaries print the §9 counters of the run", "[report][cli][probe]") {
  const std::string& trace = kTraces[0];
  TempDir dir;
  const auto text = run_memsim({"replay", trace});
  require_ok(text);
  require_ok(run_memsim({"replay", trace, "--json", (dir / "s.json").string()}));
  const json stats = json::parse(slurp(dir / "s.json"));
  // The high order table: "ORDER allocs satisfied by_fallback failed own fallback none".
  std::map<std::string, std::vector<std::string>> printed;
  std::istringstream lines(text.out);
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
    if (!w.empty() && w[0] == "high")
      in_table = true;
    else if (in_table && w.size() == 8)
      printed[w[0]] = w;
    else
      in_table = false;
  }
  REQUIRE(printed.size() == stats["high_order"].size());
  for (const auto& [order, o] : stats["high_order"].items()) {
    const auto& w = printed.at(order);
    CHECK(w[1] == o["allocs"].dump());
    CHECK(w[2] == o["satisfied"].dump());
    CHECK(w[3] == o["by_fallback"].dump());
    CHECK(w[4] == o["failed"].dump());
    CHECK(w[5] == o["probes"]["own"].dump());
    CHECK(w[6] == o["probes"]["fallback"].dump());
    CHECK(w[7] == o["probes"]["none"].dump());
  }
  for (const auto& [type, n] : stats["pollution"]["claims"].items())
    CHECK_THAT(text.out, Contains(type + " " + n.dump()));

  // compare: a row per costly order with each run's value, and the pollution totals.
  const auto table = run_memsim({"compare", trace});
  require_ok(table);
  require_ok(run_memsim({"compare", trace, "--json", (dir / "c.json").string()}));
  const json doc = json::parse(slurp(dir / "c.json"));
  const auto row = [&](const std::string& name) {
    const auto at = table.out.find("\n" + name + "  ");
    REQUIRE(at != std::string::npos);
    std::istringstream words(table.out.substr(at + 1 + name.size(),
                                              table.out.find('\n', at + 1) - at - 1 - name.size()));
    return std::vector<std::string>{std::istream_iterator<std::string>(words), {}};
  };
  const auto satisfied = row("order 9 satisfied (of " +
                             doc["runs"][0]["high_order"]["9"]["allocs"].dump() + " allocs)");
  const auto own = row("  probes own");
  const auto claims = row("pageblock claims");
  for (std::size_t i = 0; i < doc["runs"].size(); ++i) {
    const auto& run = doc["runs"][i];
    const std::size_t at = i == 0 ? 0 : 2 * i - 1; // a Δ column after every later run
    CHECK(satisfied[at] == run["high_order"]["9"]["satisfied"].dump());
    CHECK(own[at] == run["high_order"]["9"]["probes"]["own"].dump());
    std::uint64_t claimed = 0;
    for (const auto& [type, n] : run["pollution"]["claims"].items())
      claimed += n.get<std::uint64_t>();
    CHECK(claims[at] == std::to_string(claimed));
  }
}

TEST_CASE("A bad §9 value in a stats document is a one-line error naming it", "[report][cli]") {
  TempDir dir;
  require_ok(run_memsim({"replay", kTraces[1], "--json", (dir / "s.json").string()}));
  const json good = json::parse(slurp(dir / "s.json"));
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& d) { d["pollution"]["pages"]["movable-unmovable"] = 1; },
       "pollution.pages.movable-unmovable: expected a pair"},
      {[](json& d) { d["pollution"]["steals"]["movable<-sticky"] = 1; },
       "pollution.steals.movable<-sticky: unknown migratetype \"sticky\""},
      {[](json& d) { d["high_order"]["x"] = d["high_order"]["0"]; },
       "high_order.x: not an order below max_order"},
      {[](json& d) { d["timeline"][0]["largest_free_order"]["movable"] = "big"; },
       "timeline[0].largest_free_order.movable: expected an order or -1"},
  };
  for (const auto& [edit, message] : cases) {
    json doc = good;
    edit(doc);
    std::ofstream(dir / "bad.json") << doc.dump();
    const auto r =
        run_memsim({"report", (dir / "bad.json").string(), "-o", (dir / "r.html").string()});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains(message));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(dir / "r.html"));
  }
}
