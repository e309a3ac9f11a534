// The `validation` section of a run (docs/spec.md §7.3): how far a model's end state is from the
// machine's, from the end snapshot's buddyinfo, pagetypeinfo and zoneinfo (read in cli/) and the
// run's own stats. A pure function of both, so the arithmetic is testable by hand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memsim/types.hpp"

namespace memsim {

struct RunStats;

// What the end snapshot says of the zone.
struct RealEndState {
  std::string snapshot;                            // the directory as given
  std::string zone;                                // its zone name
  std::vector<std::uint64_t> buddyinfo;            // nr_free per order
  std::uint64_t pcp_pages = 0;                     // Σ of the per-CPU `count` lines
  std::map<Migratetype, std::uint64_t> pageblocks; // "Number of blocks type"
  std::optional<std::uint64_t> fallbacks;          // the trace's mm_page_alloc_extfrag lines
  Pfn zone_start = 0, zone_end = 0;                // the model's pageblocks are counted over it
};

struct Validation {
  std::string snapshot, zone;
  std::vector<std::uint64_t> buddy_real, buddy_model;
  std::vector<std::int64_t> buddy_diff; // model - real, per order
  std::uint64_t free_real = 0, free_model = 0;
  std::optional<double> free_diff_pct; // 100 (model - real) / real; none when real is 0
  std::optional<double> l1_pct;        // 100 Σ_k 2^k |model_k - real_k| / real free pages
  std::uint64_t pcp_real = 0, pcp_model = 0;
  std::map<Migratetype, std::uint64_t> pageblocks_real, pageblocks_model;
  std::map<Migratetype, std::int64_t> pageblocks_diff; // model - real, every type either has
  std::optional<std::uint64_t> fallbacks_real;
  std::uint64_t fallbacks_model = 0;
};

// `model`'s free pages are its buddy and region-allocator pages (per-CPU pages are not free, as
// in the kernel's buddyinfo); its pageblocks those of its pageblock maps within the real zone.
Validation validate(const RunStats& model, const RealEndState& real);
nlohmann::ordered_json validation_to_json(const Validation& v);

} // namespace memsim
