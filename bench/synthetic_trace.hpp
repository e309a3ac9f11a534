// The benchmark's own workload: a deterministic, seeded JSON Lines trace (docs/spec.md §4.2) with a
// realistic mix of requests (mostly order-0 movable, some unmovable/reclaimable kernel
// allocations, THP-sized blocks), frees interleaved and the live set bounded to a fraction of
// the zone. Only the benchmark uses it; `memsim gen` is the user-facing generator.
#pragma once

#include <cstdint>
#include <string>

namespace memsim::bench {

struct SyntheticParams {
  std::uint64_t events = 10'000'000;
  std::string memory = "16GiB"; // zone.memory of the header, as written
  std::uint64_t zone_pages = 0; // the same size in pages (bounds the live set)
  unsigned cpus = 2;
  double live_fraction = 0.5; // live pages stay below this share of the zone
  std::uint64_t seed = 1;
};

// The header line the trace starts with (it names every parameter, so an existing file with
// the same first line is the same trace).
std::string synthetic_header(const SyntheticParams& params);

// Writes the trace to `path` (through a temporary file and a rename) unless a file with the
// same header is already there. Returns true when it wrote a new file.
bool write_synthetic_trace(const std::string& path, const SyntheticParams& params);

} // namespace memsim::bench
