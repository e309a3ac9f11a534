// The zone parameters Linux 6.1 derives at boot for the one simulated zone (docs/semantics.md
// D61-5): min_free_kbytes (calculate_min_free_kbytes, then khugepaged's raise), the watermarks of
// __setup_per_zone_wmarks, the per-CPU batch (zone_batchsize) and high (zone_highsize), and the
// watermark boost a fallback adds (boost_watermark: bookkeeping only in a replay, D61-4).
#pragma once

#include <cstdint>
#include <optional>

namespace memsim {

struct Watermarks61 {
  std::uint64_t min = 0, low = 0, high = 0; // pages
};

struct ZoneParams61Input {
  std::uint64_t managed = 0; // pages (managed = present, D61-5)
  std::uint64_t page_size = 4096;
  unsigned pageblock_order = 9;
  unsigned cpus = 1;
  std::optional<unsigned> batch, high;                           // pcp.batch, pcp.high as set
  std::optional<std::uint64_t> wmark_min, wmark_low, wmark_high; // watermark.* as set (--proc-in)
};

struct ZoneParams61 {
  std::uint64_t min_free_kbytes = 0;
  Watermarks61 watermark;
  std::uint64_t batch = 1;
  std::uint64_t high = 0;
};

// Linux 6.1 mm/page_alloc.c zone_batchsize(): ~0.1% of the zone or 1 MiB, / 4, as 2^n - 1.
std::uint64_t zone_batchsize_61(std::uint64_t managed, std::uint64_t page_size);
// Linux 6.1 mm/page_alloc.c calculate_min_free_kbytes(): clamp(int_sqrt(kB * 16), 128, 262144).
std::uint64_t calculate_min_free_kbytes(std::uint64_t lowmem_kbytes);
// Linux 6.1 mm/page_alloc.c __setup_per_zone_wmarks() for one lowmem zone: min is all of
// min_free_kbytes; low and high add max(min / 4, 0.1% of the zone) each.
Watermarks61 setup_per_zone_wmarks(std::uint64_t min_free_kbytes, std::uint64_t managed,
                                   std::uint64_t page_size);
// Linux 6.1 mm/khugepaged.c set_recommended_min_free_kbytes() (THP always on, one zone):
// min(11 pageblocks, nr_free_buffer_pages() / 20) in kB when that is larger, else unchanged.
std::uint64_t set_recommended_min_free_kbytes(const ZoneParams61Input& zone,
                                              const Watermarks61& watermark,
                                              std::uint64_t min_free_kbytes);
// Linux 6.1 mm/page_alloc.c zone_highsize() (percpu_pagelist_high_fraction 0): the low
// watermark split over the CPUs, at least 4 x batch.
std::uint64_t zone_highsize(std::uint64_t low_wmark, unsigned cpus, std::uint64_t batch);
// All of the above in boot order (init_per_zone_wmark_min, then khugepaged's start).
ZoneParams61 zone_params_61(const ZoneParams61Input& zone);

struct WatermarkBoost {
  std::uint64_t boost = 0; // zone->watermark_boost
  std::uint64_t managed = 0;
  std::uint64_t high_wmark = 0;
  std::uint64_t pageblock_pages = 512;
};
// Linux 6.1 mm/page_alloc.c boost_watermark() (watermark_boost_factor 15000): one pageblock
// more, up to 1.5 x the high watermark; false (nothing changed) for zones under 4 pageblocks.
bool boost_watermark(WatermarkBoost& zone);

} // namespace memsim
