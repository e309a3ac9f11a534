// resolve_geometry() and config_to_json() (include/memsim/config.hpp): checks a layered Config
// as a whole and computes what the 3.11 kernel would have derived at boot: pcp batch/high
// (zone_batchsize, docs/semantics.md D14) and the min watermark (init_per_zone_wmark_min, D13).
// Runs once per run, before the zone is built; a policy of another generation resolves its own.
#include <algorithm>
#include <bit>
#include <climits>

#include <fmt/format.h>

#include "core/int_sqrt.hpp"
#include "memsim/config.hpp"
#include "memsim/error.hpp"

namespace memsim {
namespace {

constexpr unsigned kMaxMaxOrder = 20;
constexpr unsigned kMaxCpus = 1024;
constexpr std::uint64_t kMaxZonePages = UINT32_MAX; // page indices are 32-bit (PageIdx)

// zone_batchsize() of 3.11 mm/page_alloc.c (CONFIG_MMU), with managed = present pages.
std::uint64_t zone_batchsize(std::uint64_t pages, std::uint64_t page_size) {
  std::uint64_t batch = pages / 1024;
  if (batch * page_size > 512 * 1024) batch = (512 * 1024) / page_size;
  batch /= 4;
  if (batch < 1) batch = 1;
  return std::bit_floor(batch + batch / 2) - 1;
}

// docs/semantics.md D13: min_free_kbytes of init_per_zone_wmark_min() and the zone's min watermark
// of
// __setup_per_zone_wmarks() (the only zone takes all of it), in pages.
std::uint64_t min_wmark_pages(std::uint64_t pages, std::uint64_t page_size, unsigned page_shift) {
  const std::uint64_t zone_kbytes = pages * page_size / 1024;
  const std::uint64_t min_free_kbytes =
      std::clamp<std::uint64_t>(int_sqrt(zone_kbytes * 16), 128, 65536);
  return min_free_kbytes >> (page_shift - 10);
}

unsigned checked_page_shift(std::uint64_t page_size) {
  if (page_size < 1024 || !std::has_single_bit(page_size)) {
    throw InputError(
        fmt::format("zone.page_size: {} is not a power of two of at least 1024", page_size));
  }
  return static_cast<unsigned>(std::countr_zero(page_size));
}

void check_orders(const ZoneConfig& zone) {
  if (zone.max_order < 2 || zone.max_order > kMaxMaxOrder) {
    throw InputError(fmt::format("zone.max_order: {} is out of range (it must be 2 to {})",
                                 zone.max_order, kMaxMaxOrder));
  }
  // The 3.11 claim threshold is 1 << (pageblock_order - 1): a pageblock is at least 2 pages.
  if (zone.pageblock_order < 1) {
    throw InputError("zone.pageblock_order: 0 is out of range (it must be at least 1)");
  }
  if (zone.pageblock_order > zone.max_order - 1) {
    throw InputError(fmt::format("zone.pageblock_order: {} is above zone.max_order - 1 ({})",
                                 zone.pageblock_order, zone.max_order - 1));
  }
}

// A size in whole pages; `key` names it in errors.
std::uint64_t whole_pages(const Size& size, std::uint64_t page_size, std::string_view key) {
  std::uint64_t bytes = 0;
  try {
    bytes = size.bytes(page_size);
  } catch (const InputError& error) {
    throw InputError(fmt::format("{}: {}", key, error.what()));
  }
  if (bytes == 0) throw InputError(fmt::format("{}: must not be zero", key));
  if (bytes % page_size != 0) {
    throw InputError(
        fmt::format("{}: {} bytes is not a whole number of {}-byte pages", key, bytes, page_size));
  }
  return bytes / page_size;
}

void check_zone_span(const ZoneConfig& zone, Geometry& g) {
  g.pages = whole_pages(zone.memory, zone.page_size, "zone.memory");
  if (g.pages > kMaxZonePages) {
    throw InputError(fmt::format("zone.memory: {} pages is more than the {} pages memsim can "
                                 "simulate",
                                 g.pages, kMaxZonePages));
  }
  const std::uint64_t max_block = std::uint64_t{1} << (zone.max_order - 1);
  g.region_pages = whole_pages(zone.region_size, zone.page_size, "zone.region_size");
  if (g.region_pages % max_block != 0) {
    throw InputError(fmt::format("zone.region_size: {} pages is not a multiple of the max-order "
                                 "block ({} pages)",
                                 g.region_pages, max_block));
  }
  if (zone.start_pfn % max_block != 0) {
    throw InputError(fmt::format("zone.start_pfn: {} is not aligned to the max-order block ({} "
                                 "pages)",
                                 zone.start_pfn, max_block));
  }
  if (zone.start_pfn > UINT64_MAX - g.pages) {
    throw InputError(
        fmt::format("zone.start_pfn: {} plus the zone's pages overflows 64 bits", zone.start_pfn));
  }
  // Physical origin: regions aligned to pfn 0, the first one short when the zone starts inside
  // it (both multiples of the max-order block, so no block crosses a region boundary).
  if (zone.region_origin == RegionOrigin::physical)
    g.region_offset = zone.start_pfn % g.region_pages;
  g.regions = (g.region_offset + g.pages + g.region_pages - 1) / g.region_pages;
}

// power.segment_size and power.events_per_second (docs/power.md); the model's own segment size
// is checked when the run resolves it.
void check_power(const PowerConfig& power, std::uint64_t page_size) {
  if (power.segment_size) whole_pages(*power.segment_size, page_size, "power.segment_size");
  if (power.events_per_second && !(*power.events_per_second > 0))
    throw InputError("power.events_per_second: must be a positive number");
}

// docs/semantics.md D14: pageset_set_batch(zone_batchsize()), then the pcp.* overrides.
void resolve_pcp(const PcpConfig& pcp, std::uint64_t pages, std::uint64_t page_size, Geometry& g) {
  if (pcp.batch && *pcp.batch < 1) throw InputError("pcp.batch: must be at least 1");
  const std::uint64_t batch = pcp.batch ? *pcp.batch : zone_batchsize(pages, page_size);
  const std::uint64_t high = pcp.high ? *pcp.high : 6 * batch;
  if (high > UINT_MAX) {
    throw InputError(fmt::format("pcp.batch: {} is too large (6 x batch overflows)", batch));
  }
  g.pcp_batch = static_cast<unsigned>(std::max<std::uint64_t>(1, batch));
  g.pcp_high = static_cast<unsigned>(high);
}

// zone.managed_pages within the zone; watermark.min <= low <= high where both are set.
void check_managed_and_watermarks(const Config& config, std::uint64_t pages) {
  if (config.zone.managed_pages && *config.zone.managed_pages > pages)
    throw InputError(fmt::format("zone.managed_pages: {} is more than the zone's {} pages",
                                 *config.zone.managed_pages, pages));
  const WatermarkConfig& wm = config.watermark;
  if (wm.min && wm.low && *wm.min > *wm.low)
    throw InputError(
        fmt::format("watermark.min: {} is above watermark.low ({})", *wm.min, *wm.low));
  if (wm.low && wm.high && *wm.low > *wm.high)
    throw InputError(
        fmt::format("watermark.low: {} is above watermark.high ({})", *wm.low, *wm.high));
}

} // namespace

std::uint64_t region_first_page(const Geometry& g, std::uint64_t r) {
  return r == 0 ? 0 : r * g.region_pages - g.region_offset;
}

std::uint64_t region_present_pages(const Geometry& g, std::uint64_t r) {
  const std::uint64_t first = region_first_page(g, r);
  const std::uint64_t end = std::min(g.pages, (r + 1) * g.region_pages - g.region_offset);
  return end - first;
}

Geometry resolve_geometry(const Config& config) {
  const ZoneConfig& zone = config.zone;
  Geometry g;
  g.page_shift = checked_page_shift(zone.page_size);
  check_orders(zone);
  check_zone_span(zone, g);
  check_power(config.power, zone.page_size);
  if (zone.cpus < 1 || zone.cpus > kMaxCpus) {
    throw InputError(
        fmt::format("zone.cpus: {} is out of range (it must be 1 to {})", zone.cpus, kMaxCpus));
  }
  g.pageblock_pages = std::uint64_t{1} << zone.pageblock_order;
  check_managed_and_watermarks(config, g.pages);
  resolve_pcp(config.pcp, g.pages, zone.page_size, g);
  g.min_wmark = min_wmark_pages(g.pages, zone.page_size, g.page_shift);
  return g;
}

nlohmann::ordered_json config_to_json(const Config& config, const Geometry& geometry) {
  const ZoneConfig& zone = config.zone;
  nlohmann::ordered_json out;
  out["zone"] = {{"memory", geometry.pages * zone.page_size},
                 {"start_pfn", zone.start_pfn},
                 {"page_size", zone.page_size},
                 {"max_order", zone.max_order},
                 {"pageblock_order", zone.pageblock_order},
                 {"region_size", geometry.region_pages * zone.page_size},
                 {"cpus", zone.cpus}};
  out["pcp"] = {
      {"enabled", config.pcp.enabled}, {"batch", geometry.pcp_batch}, {"high", geometry.pcp_high}};
  if (zone.managed_pages) out["zone"]["managed_pages"] = *zone.managed_pages;
  // Printed when not the default, so documents of earlier versions keep their bytes.
  if (zone.region_origin == RegionOrigin::physical) out["zone"]["region_origin"] = "physical";
  if (const auto& model = config.power.model) { // --power (docs/power.md)
    const Size segment = model->segment_size         ? *model->segment_size
                         : config.power.segment_size ? *config.power.segment_size
                                                     : Size{geometry.region_pages, true};
    out["power"] = {
        {"model", model->name},
        {"segment_size", segment.bytes(zone.page_size)},
        {"drain_pcp", config.power.drain_pcp},
        {"events_per_second", config.power.events_per_second
                                  ? nlohmann::ordered_json(*config.power.events_per_second)
                                  : nlohmann::ordered_json(nullptr)}};
  }
  const WatermarkConfig& wm = config.watermark;
  if (wm.min || wm.low || wm.high) { // printed when set (docs/spec.md §7.1)
    nlohmann::ordered_json watermark = nlohmann::ordered_json::object();
    if (wm.min) watermark["min"] = *wm.min;
    if (wm.low) watermark["low"] = *wm.low;
    if (wm.high) watermark["high"] = *wm.high;
    out["watermark"] = std::move(watermark);
  }
  return out;
}

} // namespace memsim
