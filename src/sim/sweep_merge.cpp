// Merging a sweep's run files (sweep_merge.hpp): a scan of DIR/runs in name order, the files
// named NNNN.json first, each parsed once and reduced to its row; the metric columns of
// docs/spec.md §10, the last three only when some run's stats have them.
#include "sim/sweep_merge.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct MetricColumn {
  const char* name;
  const char* pointer; // JSON pointer into the stats document
  bool optional;       // a column only when some run has it
};

constexpr MetricColumn kMetrics[] = {
    {"free_regions", "/summary/free_regions", false},
    {"mixed_regions", "/summary/mixed_regions", false},
    {"homogeneity", "/summary/homogeneity", false},
    {"mixed_pageblocks", "/summary/mixed_pageblocks", false},
    {"fallbacks", "/fallbacks/total", false},
    {"free_pages", "/summary/free_pages", false},
    {"energy_j", "/energy/energy_j", true},
    {"l1_pct", "/validation/l1_pct", true},
    {"agreement_rate", "/validation/decision_agreement/buddy/rate", true},
};
constexpr std::size_t kMetricCount = std::size(kMetrics);

// "NNNN.json" with at least 4 digits, as sweep_run_file_name writes them.
bool canonical_name(const std::string& name) {
  if (name.size() < 9 || !name.ends_with(".json")) return false;
  const std::string digits = name.substr(0, name.size() - 5);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return digits.size() == 4 || digits.front() != '0';
}

json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {
    std::string_view message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos)
      message.remove_prefix(bracket + 2);
    throw InputError(fmt::format("{}: not valid JSON: {}", path, message));
  }
}

// The run a file holds, checked against the plan.
const SweepRun& planned_run(const json& doc, const SweepPlan& plan, const std::string& path) {
  if (!doc.is_object() || doc.value("memsim_stats", json()) != 1)
    throw InputError(path + ": not a memsim stats document (not a run of this sweep)");
  if (!doc.contains("sweep") || !doc["sweep"].is_object() || !doc["sweep"].contains("run") ||
      !doc["sweep"]["run"].is_number_unsigned())
    throw InputError(path + ": not a sweep run (no \"sweep\" object with its run)");
  const std::uint64_t id = doc["sweep"]["run"].get<std::uint64_t>();
  if (id >= plan.runs.size())
    throw InputError(fmt::format("{}: run {} is not in this sweep (runs 0..{})", path, id,
                                 plan.runs.size() - 1));
  const SweepRun& run = plan.runs[id];
  const json expected = sweep_run_object(plan, run);
  if (doc["sweep"] != expected)
    throw InputError(fmt::format("{}: a run of another sweep: its \"sweep\" is {}, run {} of "
                                 "this one is {}",
                                 path, doc["sweep"].dump(), id, expected.dump()));
  return run;
}

// "/summary/free_pages" -> "summary.free_pages".
std::string dotted(const char* pointer) {
  std::string out = pointer + 1;
  std::replace(out.begin(), out.end(), '/', '.');
  return out;
}

std::vector<json> metric_cells(const json& doc, const std::string& path) {
  std::vector<json> cells;
  for (const MetricColumn& m : kMetrics) {
    const json::json_pointer pointer(m.pointer);
    const bool present = doc.contains(pointer);
    if (!present && !m.optional)
      throw InputError(fmt::format("{}: {}: missing", path, dotted(m.pointer)));
    const json value = present ? doc[pointer] : json();
    if (!value.is_null() && !value.is_number())
      throw InputError(fmt::format("{}: {}: not a number", path, dotted(m.pointer)));
    cells.push_back(value);
  }
  return cells;
}

std::vector<std::string> listed_files(const fs::path& runs_dir) {
  std::error_code error;
  if (!fs::is_directory(runs_dir, error))
    throw InputError(
        fmt::format("{}: no such directory (not a sweep directory?)", runs_dir.string()));
  std::vector<std::string> canonical, other;
  for (const fs::directory_entry& entry : fs::directory_iterator(runs_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') || name.find(".json.tmp.") != std::string::npos) continue;
    if (!entry.is_regular_file() || !name.ends_with(".json"))
      throw InputError(fmt::format("{}: not a run file of this sweep (expected NNNN.json)",
                                   entry.path().string()));
    (canonical_name(name) ? canonical : other).push_back(name);
  }
  std::sort(canonical.begin(), canonical.end());
  std::sort(other.begin(), other.end());
  canonical.insert(canonical.end(), other.begin(), other.end());
  return canonical;
}

SweepTable empty_table(const SweepPlan& plan) {
  SweepTable table;
  table.parameters.push_back({"trace", {}});
  for (const SweepTrace& t : plan.traces) table.parameters.back().values.push_back(t.name);
  table.parameters.push_back({"policy", plan.spec.policies});
  for (const SweepGrid& grid : plan.spec.set) {
    table.parameters.push_back({grid.key, {}});
    for (const json& v : grid.values) table.parameters.back().values.push_back(grid_value_text(v));
  }
  return table;
}

void check_complete(const std::vector<std::optional<SweepRow>>& rows, const std::string& dir) {
  std::vector<std::string> missing;
  for (std::size_t id = 0; id < rows.size(); ++id)
    if (!rows[id]) missing.push_back(fmt::format("{:04}", id));
  if (missing.empty()) return;
  const std::size_t shown = std::min<std::size_t>(missing.size(), 12);
  std::string list;
  for (std::size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + missing[i];
  throw InputError(fmt::format("{}: {} of {} runs missing: {}{}", dir, missing.size(), rows.size(),
                               list, shown < missing.size() ? ", ..." : ""));
}

// The columns kept: the required ones, and the optional ones some row has.
void keep_present_metrics(SweepTable& table) {
  std::vector<std::size_t> kept;
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const bool any = std::any_of(table.rows.begin(), table.rows.end(),
                                 [&](const SweepRow& row) { return !row.cells[m].is_null(); });
    if (!kMetrics[m].optional || any) kept.push_back(m);
  }
  for (const std::size_t m : kept) table.metrics.emplace_back(kMetrics[m].name);
  for (SweepRow& row : table.rows) {
    std::vector<json> cells;
    for (const std::size_t m : kept) cells.push_back(std::move(row.cells[m]));
    row.cells = std::move(cells);
  }
}

} // namespace

SweepTable merge_sweep_runs(const SweepPlan& plan, const std::string& dir) {
  const fs::path runs_dir = fs::path(dir) / "runs";
  std::vector<std::optional<SweepRow>> rows(plan.runs.size());
  std::vector<std::string> holder(plan.runs.size());
  for (const std::string& name : listed_files(runs_dir)) {
    const std::string path = (runs_dir / name).string();
    const json doc = read_json(path);
    const SweepRun& run = planned_run(doc, plan, path);
    const std::string own = (runs_dir / sweep_run_file_name(run.id)).string();
    if (!holder[run.id].empty())
      throw InputError(
          fmt::format("{}: run {} again ({} holds it too)", path, run.id, holder[run.id]));
    if (path != own)
      throw InputError(fmt::format("{}: holds run {}, whose file is {}", path, run.id, own));
    holder[run.id] = path;
    SweepRow row{run.id, {run.trace, run.policy}, metric_cells(doc, path)};
    row.levels.insert(row.levels.end(), run.set.begin(), run.set.end());
    rows[run.id] = std::move(row);
  }
  check_complete(rows, dir);
  SweepTable table = empty_table(plan);
  for (auto& row : rows) table.rows.push_back(std::move(*row));
  keep_present_metrics(table);
  return table;
}

} // namespace memsim
