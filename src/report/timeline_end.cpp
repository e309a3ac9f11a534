// The end-of-trace timeline point of report/timeline_end.hpp, from the run's end-state
// figures, derived as the stats document derives them (report/derived.hpp).
#include "report/timeline_end.hpp"

#include "report/derived.hpp"

namespace memsim {

bool needs_end_sample(const std::vector<TimelineSample>& timeline, std::uint64_t events) {
  return events != 0 && (timeline.empty() || timeline.back().event + 1 < events);
}

TimelineSample end_sample(const RunStats& stats) {
  const ZoneSummary summary = summarize_regions(stats.regions);
  TimelineSample s;
  s.event = stats.trace_events == 0 ? 0 : stats.trace_events - 1;
  s.t = stats.t_end;
  s.free_regions = summary.free_regions;
  s.mixed_regions = summary.mixed_regions;
  s.homogeneity = summary.homogeneity;
  s.mixed_pageblocks = summary.mixed_pageblocks;
  s.free_pages = stats.free_pages;
  s.fallbacks = stats.fallbacks.total;
  s.unusable_index_pageblock =
      index_fraction(unusable_free_index(stats.pageblock_order, stats.free_area.buddyinfo));
  return s;
}

std::vector<TimelineSample> timeline_with_end(const RunStats& stats) {
  std::vector<TimelineSample> timeline = stats.timeline;
  if (needs_end_sample(timeline, stats.trace_events)) timeline.push_back(end_sample(stats));
  return timeline;
}

} // namespace memsim
