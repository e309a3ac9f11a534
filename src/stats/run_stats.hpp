// Everything one run reports: the input of the exporters in report/ (JSON, text summary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/counters.hpp"
#include "stats/validation.hpp"

namespace memsim {

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
  FallbackCounts fallbacks;
  RetypeCounts retypes{};
  RegionAllocatorCounts region_allocator;
  std::vector<RegionSnapshot> regions;
  FreeAreaCounts free_area;
  std::uint64_t free_pages = 0; // buddy + RA
  std::uint64_t pcp_pages = 0;
  std::vector<TimelineSample> timeline;
  nlohmann::ordered_json start_state;   // --proc-in's report (docs/spec.md §7.1); null: none
  std::optional<Validation> validation; // --proc-expect (docs/spec.md §7.3)
};

} // namespace memsim
