// replay --proc-out (report/proc_files.cpp): lines printed by real kernels (Linux 6.1's
// buddyinfo and pagetypeinfo header from the shared traces' snapshots, the v4 patchset's
// pagetypeinfo / zoneinfo output from its results mail) reproduced byte for byte, and the files
// of a real replay parsed with the kernel's fixed columns and compared to the stats document.
#include <catch2/catch.hpp>

#include "../../support/skip.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "../../support/run_command.hpp"
#include "report/proc_files.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

// 125 regions of 131072 pages like the patchset's test box, with the counts of its mail.
memsim::RunStats kernel_like_stats() {
  memsim::RunStats stats;
  stats.max_order = 11;
  stats.pageblock_order = 10;
  stats.zone_pages = 16252928;
  stats.free_pages = 15808914;
  stats.free_area.buddyinfo = {3, 1, 1, 2, 1, 1, 2, 1, 2, 1, 191};
  stats.free_area.pagetypeinfo[0] = {567, 1880, 2103, 849, 276, 34, 0, 0, 0, 0, 0};
  for (int t = 1; t < memsim::kMigratetypes; ++t) stats.free_area.pagetypeinfo[t].assign(11, 0);
  stats.regions.resize(125);
  for (std::uint64_t r = 0; r < 125; ++r) {
    stats.regions[r].index = r;
    stats.regions[r].pages = 131072;
    stats.regions[r].free_pages = 131072;
  }
  stats.regions[0].pageblocks = {121, 41, 15582, 0};
  stats.regions[1].pageblocks = {0, 0, 126, 2};
  stats.regions[124].pages = 131071;
  stats.regions[124].free_pages = 67;
  return stats;
}

memsim::ZoneDetail kernel_like_detail() {
  memsim::ZoneDetail detail;
  detail.regions = 125;
  detail.max_order = 11;
  detail.region_free_blocks.assign(125 * memsim::kMigratetypes * 11, 0);
  const std::vector<std::uint64_t> r1_movable = {75, 82, 80, 85, 80, 73, 76, 71, 62, 48, 69};
  for (unsigned o = 0; o < 11; ++o)
    detail.region_free_blocks[(1 * memsim::kMigratetypes + 2) * 11 + o] = r1_movable[o];
  detail.pcp_count = {5, 7};
  detail.pcp_high = 186;
  detail.pcp_batch = 31;
  detail.min_wmark = 5960;
  return detail;
}

template <typename F> std::string print(F f) {
  std::ostringstream out;
  f(out);
  return out.str();
}

// The values of a line of fixed-width fields after a fixed-length prefix.
std::vector<std::uint64_t> columns(const std::string& line, std::size_t prefix, std::size_t width) {
  std::vector<std::uint64_t> out;
  REQUIRE(line.size() >= prefix);
  REQUIRE((line.size() - prefix) % width == 0);
  for (std::size_t at = prefix; at < line.size(); at += width) {
    const std::string field = line.substr(at, width);
    REQUIRE(field.back() == ' ');
    out.push_back(std::stoull(field));
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string line_starting(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const std::string& line : lines)
    if (line.rfind(prefix, 0) == 0) return line;
  FAIL("no line starts with \"" << prefix << "\"");
  return {};
}

} // namespace

TEST_CASE("The proc files reproduce lines printed by real kernels byte for byte", "[report]") {
  const memsim::RunStats stats = kernel_like_stats();
  const memsim::ZoneDetail detail = kernel_like_detail();

  // Linux 6.1 /proc/buddyinfo of the shared 1 GiB trace (zone DMA32), the zone renamed.
  CHECK(print([&](std::ostream& o) { memsim::write_buddyinfo(o, stats); }) ==
        "Node 0, zone   Normal      3      1      1      2      1      1      2      1      2      "
        "1    191 \n");

  const std::string pagetypeinfo =
      print([&](std::ostream& o) { memsim::write_pagetypeinfo(o, stats, detail); });
  CHECK_THAT(pagetypeinfo, Catch::StartsWith("Page block order: 10\nPages per block:  1024\n\n"
                                             "Free pages count per migrate type at order       0 "
                                             "     1      2      3      4      5      6      7  "
                                             "    8      9     10 \n"));
  // The v4 results mail (vanilla 3.12-rc2 with the statistics patches), verbatim.
  CHECK_THAT(pagetypeinfo, Contains("\nNode    0, zone   Normal, type    Unmovable    567   1880  "
                                    " 2103    849    276     34      0      0      0      0      "
                                    "0 \n"));
  CHECK_THAT(pagetypeinfo, Contains("\nNode    0, zone   Normal, R  1      Movable     75     82  "
                                    "   80     85     80     73     76     71     62     48     "
                                    "69 \n"));
  CHECK_THAT(pagetypeinfo, Contains("\n\nNumber of blocks type         Unmovable  Reclaimable     "
                                    " Movable      Reserve      Isolate \n"
                                    "Node 0, zone   Normal               121           41        "
                                    "15708            2            0 \n\n"));
  CHECK_THAT(pagetypeinfo, Contains("\nNode 0, zone   Normal R  1            0            0       "
                                    "   126            2            0 \n"));
  CHECK_THAT(pagetypeinfo, Contains("\nNode 0, zone   Normal R124            0            0       "
                                    "     0            0            0 \n"));

  const std::string zoneinfo =
      print([&](std::ostream& o) { memsim::write_zoneinfo(o, stats, detail); });
  CHECK_THAT(zoneinfo, Catch::StartsWith("Node 0, zone   Normal\n  pages free     15808914\n"
                                         "        min      5960\n        low      7450\n"
                                         "        high     8940\n        scanned  0\n"
                                         "        spanned  16252928\n        present  16252928\n"));
  CHECK_THAT(zoneinfo, Contains("\n\nPer-region page stats\t present\t free\n\n"
                                "\tRegion      0 \t 131072 \t 131072\n"));
  CHECK_THAT(zoneinfo, Contains("\tRegion    124 \t 131071 \t     67\n\n    nr_free_pages 15808914"
                                "\n  pagesets\n    cpu: 0\n              count: 5\n"
                                "              high:  186\n              batch: 31\n    cpu: 1\n"));

  // Blocks of order 10 are free, so no request would fail: -1.000 everywhere (%d.%03d).
  const std::string extfrag =
      print([&](std::ostream& o) { memsim::write_extfrag_index(o, stats); });
  CHECK(extfrag == "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
                   "-1.000 -1.000 -1.000 -1.000 \n");
  const std::string unusable =
      print([&](std::ostream& o) { memsim::write_unusable_index(o, stats); });
  CHECK(unusable == "Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.001 "
                    "0.001 0.004 0.006 \n");
}

TEST_CASE("replay --proc-out files parse with the kernel's columns and agree with the stats",
          "[report][cli]") {
  TempDir dir;
  const auto r = run_memsim({"replay", source_path("traces/golden/compare-mixed.jsonl"), "--policy",
                             "region-aware", "--json", (dir / "s.json").string(), "--proc-out",
                             (dir / "proc").string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto stats = nlohmann::json::parse(slurp(dir / "s.json"));
  const auto& frag = stats["fragmentation"];
  const auto& regions = stats["regions"];
  REQUIRE(stats["region_allocator"]["regions_held"].get<int>() > 0); // RA blocks in buddyinfo

  const auto buddyinfo = lines_of(slurp(dir / "proc" / "buddyinfo"));
  REQUIRE(buddyinfo.size() == 1);
  CHECK(columns(buddyinfo[0], 22, 7) == frag["buddyinfo"].get<std::vector<std::uint64_t>>());

  const auto ptype = lines_of(slurp(dir / "proc" / "pagetypeinfo"));
  const std::vector<std::string> names = {"Unmovable", "Reclaimable", "Movable", "Reserve"};
  const std::vector<std::string> keys = {"unmovable", "reclaimable", "movable", "reserve"};
  for (std::size_t t = 0; t < names.size(); ++t) {
    const std::string prefix = fmt::format("Node    0, zone   Normal, type {:>12} ", names[t]);
    const auto zone_line = columns(line_starting(ptype, prefix), prefix.size(), 7);
    CHECK(zone_line == frag["pagetypeinfo"][keys[t]].get<std::vector<std::uint64_t>>());
    std::vector<std::uint64_t> sum(zone_line.size(), 0);
    for (std::size_t rg = 0; rg < regions.size(); ++rg) {
      const std::string rp = fmt::format("Node    0, zone   Normal, R{:>3} {:>12} ", rg, names[t]);
      const auto row = columns(line_starting(ptype, rp), rp.size(), 7);
      for (std::size_t o = 0; o < row.size(); ++o) sum[o] += row[o];
    }
    CHECK(sum == zone_line);
  }
  for (std::size_t rg = 0; rg < regions.size(); ++rg) {
    const std::string rp = fmt::format("Node 0, zone   Normal R{:>3} ", rg);
    const auto row = columns(line_starting(ptype, rp), rp.size(), 13);
    REQUIRE(row.size() == 5);
    for (std::size_t t = 0; t < keys.size(); ++t)
      CHECK(row[t] == regions[rg]["pageblocks"][keys[t]].get<std::uint64_t>());
    CHECK(row[4] == 0); // Isolate
  }

  const std::string zoneinfo = slurp(dir / "proc" / "zoneinfo");
  std::smatch m;
  REQUIRE(std::regex_search(zoneinfo, m, std::regex("\n  pages free     (\\d+)\n")));
  CHECK(std::stoull(m[1]) == stats["summary"]["free_pages"].get<std::uint64_t>());
  const std::regex region_line("\tRegion +(\\d+) \t +(\\d+) \t +(\\d+)\n");
  std::size_t seen = 0;
  for (auto it = std::sregex_iterator(zoneinfo.begin(), zoneinfo.end(), region_line);
       it != std::sregex_iterator(); ++it, ++seen) {
    const auto& region = regions[std::stoul((*it)[1])];
    CHECK(std::stoull((*it)[2]) == region["pages"].get<std::uint64_t>());
    CHECK(std::stoull((*it)[3]) == region["free_pages"].get<std::uint64_t>());
  }
  CHECK(seen == regions.size());
  std::uint64_t pcp = 0;
  const std::regex count_line("\n              count: (\\d+)");
  for (auto it = std::sregex_iterator(zoneinfo.begin(), zoneinfo.end(), count_line);
       it != std::sregex_iterator(); ++it)
    pcp += std::stoull((*it)[1]);
  CHECK(pcp == stats["summary"]["pcp_pages"].get<std::uint64_t>());

  for (const auto& [file, key] : {std::pair{"extfrag_index", "fragmentation_index"},
                                  std::pair{"unusable_index", "unusable_index"}}) {
    const auto lines = lines_of(slurp(dir / "proc" / file));
    REQUIRE(lines.size() == 1);
    const std::string prefix = "Node 0, zone   Normal ";
    REQUIRE(lines[0].rfind(prefix, 0) == 0);
    std::istringstream fields(lines[0].substr(prefix.size()));
    std::vector<double> values;
    for (std::string field; fields >> field;) {
      CHECK(std::regex_match(field, std::regex("-?\\d+\\.\\d{3}")));
      values.push_back(std::stod(field));
    }
    CHECK(values == frag[key].get<std::vector<double>>());
  }
}

TEST_CASE("replay --proc-out names an unusable directory in a one-line error", "[report][cli]") {
  TempDir dir;
  std::ofstream(dir / "file") << "x";
  const auto r = run_memsim(
      {"replay", source_path("traces/quickstart.jsonl"), "--proc-out", (dir / "file").string()});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Contains((dir / "file").string() + ": cannot create directory"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("The columns that read memsim's proc files read the guest kernel's own snapshots",
          "[report]") {
  const fs::path archive =
      fs::path(MEMSIM_SHARED_DIR) / "traces" / "mixed-1g-smp2" / "proc-snapshots.tar.xz";
  if (!fs::exists(archive)) {
    memsim::test::skip_test("../shared/traces absent: skipped");
    return;
  }
  TempDir dir;
  const std::string untar = "tar -xJf " + memsim::test::shell_quote(archive.string()) + " -C " +
                            memsim::test::shell_quote(dir.path.string()) + " end/buddyinfo " +
                            "end/pagetypeinfo";
  REQUIRE(std::system(untar.c_str()) == 0);
  // Linux 6.1 prints the same layout as 3.11 for these lines: zone names in 8 columns, counts in
  // 6 columns and a space.
  const auto buddyinfo = lines_of(slurp(dir / "end" / "buddyinfo"));
  REQUIRE(buddyinfo.size() == 2);
  for (const std::string& line : buddyinfo) CHECK(columns(line, 22, 7).size() == 11);
  CHECK(columns(buddyinfo[1], 22, 7).back() > 0); // DMA32 has free order-10 blocks
  std::size_t type_lines = 0;
  for (const std::string& line : lines_of(slurp(dir / "end" / "pagetypeinfo"))) {
    if (line.rfind("Node    0, zone    DMA32, type ", 0) != 0) continue;
    CHECK(columns(line, 44, 7).size() == 11);
    ++type_lines;
  }
  CHECK(type_lines == 5); // Unmovable, Movable, Reclaimable, HighAtomic, Isolate
}
