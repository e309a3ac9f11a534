// What `memsim report` reads: stats documents (docs/spec.md §5, schema 1) and compare documents
// ({"memsim_compare": 1, "runs": [...]}), checked and turned into ReportRun values that the
// HTML page is drawn from. replay/compare --report build the same values from the very JSON
// they would write, so the page is the same bytes either way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/counters.hpp"

namespace memsim {

struct ReportRegion {
  std::uint64_t index = 0, start_pfn = 0, pages = 0, free_pages = 0, pcp_pages = 0;
  std::array<std::uint64_t, 3> allocated{}; // unmovable, reclaimable, movable
  std::optional<double> homogeneity;
  bool mixed = false, in_region_allocator = false;
  std::uint64_t mixed_pageblocks = 0;
  std::string pageblock_map; // u r m v, upper case = mixed
  // Allocated pages of each pageblock by requested type; empty in stats written before it was.
  std::vector<std::array<std::uint32_t, 3>> pageblock_allocated;
};

// The stats document's "provenance" (absent in stats written before it was).
struct ReportProvenance {
  std::string revision;
  std::vector<std::string> command_line;
  nlohmann::ordered_json trace_meta = nlohmann::ordered_json::object();
  std::optional<std::string> proc_in;
};

struct ReportRun {
  std::string memsim_version, policy, trace_path;
  std::optional<std::string> label; // the run's short name (provenance.label, report --label)
  bool reference = false;           // a recorded run (a `recorded` section): what the kernel did
  std::string source;               // the document it came from, for messages
  std::size_t document = 0;         // its position among the documents of a report
  std::optional<ReportProvenance> provenance;
  std::optional<double> t_start, t_end; // the trace's first and last `t`
  bool timeline_end_added = false;      // the last sample is the end state (docs/decisions.md D69)
  std::vector<std::string> notes;
  std::uint64_t trace_events = 0;
  // config.zone
  std::uint64_t memory = 0, start_pfn = 0, page_size = 4096, region_size = 0, cpus = 1;
  unsigned max_order = 11, pageblock_order = 10;
  // events, fallbacks, region allocator, summary: the numbers of the summary table
  std::vector<std::pair<std::string, std::uint64_t>> events, by_pair, retypes;
  std::uint64_t fallbacks = 0, fragmenting = 0;
  std::uint64_t regions_granted = 0, regions_returned = 0, regions_held = 0;
  std::uint64_t regions = 0, free_regions = 0, used_regions = 0, mixed_regions = 0,
                mixed_pageblocks = 0, free_pages = 0, pcp_pages = 0;
  std::optional<double> homogeneity;
  std::vector<ReportRegion> region_list;
  // fragmentation
  std::vector<std::uint64_t> buddyinfo;
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> pagetypeinfo;
  std::vector<double> unusable_index, fragmentation_index;
  std::optional<std::uint64_t> largest_free_order;
  // docs/spec.md §9 high_order (the orders that occurred, ascending) and pollution; false and
  // empty in stats written before they were (the timeline's §9 keys are then zero, not drawn).
  bool has_high_order = false;
  std::vector<std::pair<unsigned, HighOrderCounts>> high_order;
  std::array<std::uint64_t, kMigratetypes> claims{};
  TypeMatrix steals{}, pollution{}; // [requested][list / pageblock type]
  std::vector<TimelineSample> timeline;
  // --power (docs/power.md): the energy section and summary.free_regions_drained
  std::optional<EnergyStats> energy;
  // --predict (docs/spec.md §7.4): validation.decision_agreement's levels and the repairs
  struct AgreementLevelView {
    std::uint64_t takes = 0, hits = 0;
    std::vector<std::pair<std::string, std::uint64_t>> order_takes, order_hits; // by order
  };
  struct AgreementView {
    std::string policy;
    AgreementLevelView buddy, pcp;
    std::uint64_t repairs = 0;
  };
  std::optional<AgreementView> agreement;
  std::optional<std::uint64_t> free_regions_drained;
};

// The name a run is shown by: its label, else its policy entry (a recorded run: marked as the
// kernel's).
inline std::string display_name(const ReportRun& run) {
  if (run.label) return *run.label;
  return run.reference ? run.policy + " (the kernel)" : run.policy;
}

// Why runs of different documents should not be compared (another trace, another zone), or
// nullopt when they agree. The runs of one compare document are one experiment and agree.
std::optional<std::string> mixed_inputs(const std::vector<ReportRun>& runs);

// The runs of one document (one for a stats document, every run of a compare document).
// `origin` names the document in errors: InputError("ORIGIN: runs[1].regions[3].pages: ...").
std::vector<ReportRun> read_report_runs(const nlohmann::ordered_json& document,
                                        const std::string& origin);
// The runs `memsim report` reads back from write_json()'s text of `document`: the same dump
// (invalid UTF-8 replaced) parsed again, so that --report and `memsim report` draw the same page.
std::vector<ReportRun> report_runs_as_written(const nlohmann::ordered_json& document,
                                              const std::string& origin);
// Reads and checks a file ("-": standard input). Not JSON, not a memsim document or another
// schema version: InputError("FILE: ...").
std::vector<ReportRun> load_report_runs(const std::string& path);

} // namespace memsim
