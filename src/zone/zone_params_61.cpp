// Linux 6.1 zone parameters for one zone (docs/semantics.md D61-5): the functions of
// mm/page_alloc.c and mm/khugepaged.c that fix min_free_kbytes, the watermarks and the per-CPU
// batch and high at boot, and boost_watermark, all in the kernel's integer arithmetic.
#include "zone/zone_params_61.hpp"

#include <algorithm>
#include <bit>

#include "core/int_sqrt.hpp"

namespace memsim {

namespace {

constexpr std::uint64_t kWatermarkScaleFactor = 10;    // vm.watermark_scale_factor
constexpr std::uint64_t kWatermarkBoostFactor = 15000; // vm.watermark_boost_factor
constexpr std::uint64_t kPcpTypes = 3;                 // MIGRATE_PCPTYPES

// mult_frac(x, numer, denom) of include/linux/math.h.
std::uint64_t mult_frac(std::uint64_t x, std::uint64_t numer, std::uint64_t denom) {
  return (x / denom) * numer + ((x % denom) * numer) / denom;
}

unsigned page_shift(std::uint64_t page_size) {
  return static_cast<unsigned>(std::countr_zero(page_size));
}

} // namespace

std::uint64_t zone_batchsize_61(std::uint64_t managed, std::uint64_t page_size) {
  std::uint64_t batch = std::min(managed >> 10, (std::uint64_t{1} << 20) / page_size);
  batch /= 4;
  if (batch < 1) batch = 1;
  return std::bit_floor(batch + batch / 2) - 1;
}

std::uint64_t calculate_min_free_kbytes(std::uint64_t lowmem_kbytes) {
  return std::clamp<std::uint64_t>(int_sqrt(lowmem_kbytes * 16), 128, 262144);
}

Watermarks61 setup_per_zone_wmarks(std::uint64_t min_free_kbytes, std::uint64_t managed,
                                   std::uint64_t page_size) {
  const std::uint64_t pages_min = min_free_kbytes >> (page_shift(page_size) - 10);
  // tmp = pages_min * managed / lowmem_pages, and the one zone is all of lowmem.
  const std::uint64_t tmp = managed != 0 ? pages_min : 0;
  const std::uint64_t step = std::max(tmp >> 2, mult_frac(managed, kWatermarkScaleFactor, 10000));
  Watermarks61 w;
  w.min = tmp;
  w.low = w.min + step;
  w.high = w.low + step;
  return w;
}

std::uint64_t set_recommended_min_free_kbytes(const ZoneParams61Input& zone,
                                              const Watermarks61& watermark,
                                              std::uint64_t min_free_kbytes) {
  const std::uint64_t pageblock_pages = std::uint64_t{1} << zone.pageblock_order;
  // 2 pageblocks free, plus one per pair of the 3 per-CPU types, per zone (one zone here).
  std::uint64_t recommended = pageblock_pages * 2 + pageblock_pages * kPcpTypes * kPcpTypes;
  // nr_free_buffer_pages(): managed pages above the high watermark.
  const std::uint64_t free_buffer =
      zone.managed > watermark.high ? zone.managed - watermark.high : 0;
  recommended = std::min(recommended, free_buffer / 20);
  recommended <<= page_shift(zone.page_size) - 10;
  return std::max(recommended, min_free_kbytes);
}

std::uint64_t zone_highsize(std::uint64_t low_wmark, unsigned cpus, std::uint64_t batch) {
  return std::max(low_wmark / cpus, batch << 2);
}

// init_per_zone_wmark_min() (min_free_kbytes from the zone's size while no watermark is set
// yet), khugepaged's raise with setup_per_zone_wmarks() again, then zone_pcp_update():
// zone_set_pageset_high_and_batch with the final low watermark; watermark.* and pcp.* values as
// set (a machine's zoneinfo, --proc-in) win over the formulas.
ZoneParams61 zone_params_61(const ZoneParams61Input& zone) {
  ZoneParams61 p;
  p.min_free_kbytes = calculate_min_free_kbytes(zone.managed * (zone.page_size >> 10));
  p.watermark = setup_per_zone_wmarks(p.min_free_kbytes, zone.managed, zone.page_size);
  const std::uint64_t raised =
      set_recommended_min_free_kbytes(zone, p.watermark, p.min_free_kbytes);
  if (raised != p.min_free_kbytes) {
    p.min_free_kbytes = raised;
    p.watermark = setup_per_zone_wmarks(p.min_free_kbytes, zone.managed, zone.page_size);
  }
  if (zone.wmark_min) p.watermark.min = *zone.wmark_min;
  if (zone.wmark_low) p.watermark.low = *zone.wmark_low;
  if (zone.wmark_high) p.watermark.high = *zone.wmark_high;
  p.batch = zone.batch
                ? *zone.batch
                : std::max<std::uint64_t>(1, zone_batchsize_61(zone.managed, zone.page_size));
  p.high = zone.high ? *zone.high : zone_highsize(p.watermark.low, zone.cpus, p.batch);
  return p;
}

bool boost_watermark(WatermarkBoost& zone) {
  if (kWatermarkBoostFactor == 0) return false;
  if (zone.pageblock_pages * 4 > zone.managed) return false;
  std::uint64_t max_boost = mult_frac(zone.high_wmark, kWatermarkBoostFactor, 10000);
  if (max_boost == 0) return false;
  max_boost = std::max(zone.pageblock_pages, max_boost);
  zone.boost = std::min(zone.boost + zone.pageblock_pages, max_boost);
  return true;
}

} // namespace memsim
