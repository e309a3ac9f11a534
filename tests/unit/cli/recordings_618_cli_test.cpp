// This machine's Linux 6.18 workloads on the command line (traces/kmem-6.18-build, -fileio,
// -tests; traces/README.md): each excerpt replays from its begin snapshot under --predict, the
// start state has the begin pagetypeinfo's Normal pageblocks, and the decisions scored are the
// trace's own (docs/spec.md §7.4): one buddy decision per mm_page_alloc_zone_locked line and per
// mm_page_alloc_extfrag line not just after a zone_locked line of the same page on its CPU (a
// steal or a whole-pageblock claim), one per-CPU decision per mm_page_alloc of orders 0-3 and 9
// and per mm_page_pcpu_drain.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;
using nlohmann::json;

namespace {

struct Decisions {
  std::uint64_t buddy = 0;
  std::uint64_t pcp = 0;
};

// The value of `key=` in a trace line ("" when absent).
std::string field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 2;
  return line.substr(start, line.find(' ', start) - start);
}

// Counts the decisions of a tracefs text as the brief of this file says.
Decisions count_decisions(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, std::string> last_take; // cpu -> pfn of its last zone_locked line
  Decisions d;
  for (std::string line; std::getline(in, line);) {
    const std::size_t open = line.find('[');
    const std::string cpu = line.substr(open, line.find(']', open) - open);
    const std::string pfn = field(line, "pfn");
    if (line.find(": mm_page_alloc_zone_locked: ") != std::string::npos) {
      ++d.buddy;
      last_take[cpu] = pfn;
    } else if (line.find(": mm_page_alloc_extfrag: ") != std::string::npos) {
      if (last_take[cpu] != pfn) ++d.buddy;
      last_take[cpu].clear();
    } else if (line.find(": mm_page_alloc: ") != std::string::npos) {
      const int order = std::stoi(field(line, "order"));
      if (order <= 3 || order == 9) ++d.pcp;
      last_take[cpu].clear();
    } else if (line.find(": mm_page_pcpu_drain: ") != std::string::npos) {
      ++d.pcp;
    }
  }
  return d;
}

// The Normal zone's row of "Number of blocks type" in a pagetypeinfo.
json normal_pageblocks(const std::string& path) {
  std::ifstream in(path);
  bool counts = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Number of blocks type", 0) == 0) counts = true;
    if (!counts || line.find("zone   Normal") == std::string::npos) continue;
    std::istringstream row(line.substr(line.find("Normal") + 6));
    std::uint64_t unmovable = 0, movable = 0, reclaimable = 0;
    row >> unmovable >> movable >> reclaimable;
    return json{{"movable", movable}, {"reclaimable", reclaimable}, {"unmovable", unmovable}};
  }
  return json();
}

} // namespace

TEST_CASE("this machine's 6.18 workloads replay from their snapshots with the trace's decisions",
          "[cli][proc][predict][slow]") {
  const std::string name = GENERATE("build", "fileio", "tests");
  INFO(name);
  TempDir dir;
  const std::string folder = source_path("traces/kmem-6.18-" + name);
  REQUIRE(std::system(fmt::format("tar xJf '{}/proc-snapshots.tar.xz' -C '{}' && xz -dc "
                                  "'{}/trace-head.txt.xz' > '{}/trace.txt'",
                                  folder, dir.path.string(), folder, dir.path.string())
                          .c_str()) == 0);
  const std::string trace = (dir / "trace.txt").string();
  const auto r = run_memsim({"replay", trace, "--policy", "recorded", "--predict", "linux-6.1",
                             "--proc-in", (dir / "begin").string(), "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const json stats = json::parse(r.out);
  CHECK(stats["start_state"]["zone"] == "Normal");
  CHECK(stats["start_state"]["kernel"] == "6.18");
  CHECK(stats["start_state"]["pageblocks"] ==
        normal_pageblocks((dir / "begin/pagetypeinfo").string()));
  const Decisions want = count_decisions(trace);
  CHECK(want.buddy > 8000);
  const json& agreement = stats["validation"]["decision_agreement"];
  CHECK(agreement["buddy"]["takes"] == want.buddy);
  CHECK(agreement["pcp"]["takes"] == want.pcp);
}
