// `--proc-expect DIR` (docs/spec.md §7.3) and the start-state report of `--proc-in`: reads the end
// snapshot's buddyinfo, pagetypeinfo and zoneinfo for the run's zone (--zone, else the zone of
// --proc-in, else the zone that holds the simulated pfns) and adds the `validation` and
// `start_state` sections to a run's stats.
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "trace/proc_snapshot.hpp"

namespace memsim::cli {
namespace {

// The zone named by --zone or --proc-in, else the one overlapping [start, end) the most.
const ZoneInfo& end_zone(const ProcFiles& files, const std::string& zone, const TraceHeader& header,
                         Pfn start, Pfn end) {
  if (!zone.empty()) return zone_named(files, zone);
  if (header.start_state && header.start_state->report.contains("zone"))
    return zone_named(files, header.start_state->report["zone"].get<std::string>());
  const ZoneInfo* best = nullptr;
  std::uint64_t best_overlap = 0;
  for (const ZoneInfo& z : files.zones) {
    if (z.present == 0 || !z.start_pfn || !z.spanned) continue;
    const Pfn from = std::max(start, *z.start_pfn);
    const Pfn to = std::min(end, *z.start_pfn + *z.spanned);
    const std::uint64_t overlap = to > from ? to - from : 0;
    if (overlap > best_overlap) {
      best = &z;
      best_overlap = overlap;
    }
  }
  if (best == nullptr)
    throw InputError(fmt::format("{}/zoneinfo: no zone holds the simulated pfns {}-{}; name one "
                                 "with --zone",
                                 files.dir, start, end - 1));
  return *best;
}

} // namespace

EndSnapshot read_end_snapshot(const std::string& dir) {
  EndSnapshot snapshot{read_proc_files(dir)};
  if (!snapshot.files.buddyinfo) throw InputError(fmt::format("{}/buddyinfo: cannot open", dir));
  return snapshot;
}

RealEndState read_end_state(const EndSnapshot& snapshot, const std::string& zone,
                            const TraceHeader& header, const RunStats& run) {
  const ProcFiles& files = snapshot.files;
  const std::string& dir = files.dir;
  const ZoneInfo& info =
      end_zone(files, zone, header, run.start_pfn, run.start_pfn + run.zone_pages);
  check_zone_span(info, dir + "/zoneinfo");
  RealEndState real;
  real.snapshot = dir;
  real.zone = info.name;
  const auto row = files.buddyinfo->find({info.node, info.name});
  if (row == files.buddyinfo->end())
    throw InputError(fmt::format("{}/buddyinfo: no line for zone {}", dir, info.name));
  real.buddyinfo = row->second;
  for (const ZonePageset& set : info.pagesets) real.pcp_pages += set.count;
  const auto blocks = files.pagetypes.blocks.find({info.node, info.name});
  if (blocks != files.pagetypes.blocks.end()) real.pageblocks = blocks->second;
  real.zone_start = *info.start_pfn;
  real.zone_end = *info.start_pfn + *info.spanned;
  const nlohmann::json& meta = header.meta;
  if (meta.contains("buddy_events") && meta["buddy_events"].is_object() &&
      !meta["buddy_events"].empty())
    real.fallbacks = meta["buddy_events"].value("mm_page_alloc_extfrag", std::uint64_t{0});
  return real;
}

void add_ground_truth(RunStats& stats, const TraceHeader& header,
                      const std::optional<RealEndState>& end) {
  if (header.start_state) stats.start_state = header.start_state->report;
  if (end) stats.validation = validate(stats, *end);
}

} // namespace memsim::cli
