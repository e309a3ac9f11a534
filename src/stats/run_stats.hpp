// Everything one run reports: the input of the exporters in report/ (JSON, text summary).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/counters.hpp"
#include "stats/energy.hpp"
#include "stats/validation.hpp"

namespace memsim {

// Where a run came from (the stats document's "provenance"), filled in by the command line.
struct Provenance {
  std::vector<std::string> command_line;                // argv as given
  std::optional<std::string> label;                     // --label: the run's short name
  nlohmann::json trace_meta = nlohmann::json::object(); // the trace header's "meta"
  std::optional<std::string> proc_in;                   // --proc-in DIR
};

struct RunStats {
  std::string policy;             // the policy entry as written (compare: with overrides)
  std::vector<std::string> notes; // labels of extensions in force
  nlohmann::ordered_json config;  // config_to_json(): effective, resolved
  std::string trace_path;         // as given
  std::uint64_t trace_events = 0; // events read
  unsigned max_order = 11;
  unsigned pageblock_order = 10;
  std::uint64_t page_size = 4096;
  std::uint64_t zone_pages = 0;
  Pfn start_pfn = 0;
  EventCounts events;
  std::vector<Migratetype> list_types; // the policy's free-list types, in stats order
  FallbackCounts fallbacks;
  OwnershipCounts ownership;
  RetypeCounts retypes{};
  RegionAllocatorCounts region_allocator;
  std::vector<HighOrderCounts> high_order; // by order (docs/spec.md §9)
  TypeMatrix pollution_pages{};            // [requested][pageblock type], pages
  std::vector<RegionSnapshot> regions;
  FreeAreaCounts free_area;
  std::uint64_t free_pages = 0; // buddy + RA
  std::uint64_t pcp_pages = 0;
  std::vector<TimelineSample> timeline;
  std::optional<double> t_start, t_end; // the `t` of the first and last events that had one
  Provenance provenance;
  nlohmann::ordered_json start_state;   // --proc-in's report (docs/spec.md §7.1); null: none
  std::optional<Validation> validation; // --proc-expect (docs/spec.md §7.3)
  nlohmann::ordered_json kernel_state;  // Policy::state_json(); printed when not empty
  nlohmann::ordered_json recorded;      // the recorded policy's section (docs/spec.md §7.2)
  // validation.decision_agreement (--predict, docs/spec.md §7.4); null: none
  nlohmann::ordered_json decision_agreement;
  std::optional<EnergyStats> energy; // --power (docs/power.md)
};

} // namespace memsim
