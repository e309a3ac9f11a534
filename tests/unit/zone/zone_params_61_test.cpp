// The Linux 6.1 zone parameters of one zone (zone/zone_params_61, docs/semantics.md D61-5),
// worked by hand from mm/page_alloc.c and mm/khugepaged.c: zone_batchsize, min_free_kbytes with
// khugepaged's raise, __setup_per_zone_wmarks, zone_highsize, the pcp.* overrides, and
// boost_watermark.
#include <catch2/catch.hpp>

#include "zone/zone_params_61.hpp"

using namespace memsim;

namespace {

ZoneParams61 params(std::uint64_t pages, unsigned cpus, std::optional<unsigned> batch = {},
                    std::optional<unsigned> high = {}) {
  ZoneParams61Input in;
  in.managed = pages;
  in.cpus = cpus;
  in.batch = batch;
  in.high = high;
  return zone_params_61(in);
}

} // namespace

TEST_CASE("D61-5: 64 MiB, 2 CPUs gives batch 3, min_free_kbytes 3200, low watermark 1000 and "
          "pcp high 500",
          "[zone][params61]") {
  // 16384 pages: batch min(16, 256) / 4 = 4, rounddown_pow_of_two(6) - 1 = 3. min_free_kbytes
  // int_sqrt(65536 x 16) = 1024 -> min 256, high 384; khugepaged: min(11 x 512,
  // (16384 - 384) / 20 = 800) = 800 pages = 3200 kB; then min 800, step max(200, 16): low 1000,
  // high 1200; pcp high max(1000 / 2, 3 x 4).
  const ZoneParams61 p = params(16384, 2);
  CHECK(p.batch == 3);
  CHECK(p.min_free_kbytes == 3200);
  CHECK(p.watermark.min == 800);
  CHECK(p.watermark.low == 1000);
  CHECK(p.watermark.high == 1200);
  CHECK(p.high == 500);
}

TEST_CASE("D61-5: a zone of 1 GiB or more has batch 63, 8 MiB has batch 1", "[zone][params61]") {
  // 1 GiB = 262144 pages, 4 CPUs: 4096 kB -> raised to 5632 pages (22528 kB); step max(1408,
  // 262): low 7040, high 8448; pcp high max(1760, 252).
  const ZoneParams61 g = params(262144, 4);
  CHECK(g.batch == 63);
  CHECK(g.min_free_kbytes == 22528);
  CHECK(g.watermark.min == 5632);
  CHECK(g.watermark.low == 7040);
  CHECK(g.watermark.high == 8448);
  CHECK(g.high == 1760);
  CHECK(params(4u << 20, 1).batch == 63); // 16 GiB: still min(4096, 256) / 4 = 64 -> 63
  // 8 MiB = 2048 pages: batch 2 / 4 = 0 -> 1 -> 0, max(1, 0); 362 kB -> min 90, high 134;
  // khugepaged (2048 - 134) / 20 = 95 pages = 380 kB; min 95, step 23: low 118, high 141.
  const ZoneParams61 s = params(2048, 1);
  CHECK(s.batch == 1);
  CHECK(s.min_free_kbytes == 380);
  CHECK(s.watermark.min == 95);
  CHECK(s.watermark.low == 118);
  CHECK(s.watermark.high == 141);
  CHECK(s.high == 118);
}

TEST_CASE("D61-5: min_free_kbytes is clamped to 128..262144 and khugepaged never lowers it",
          "[zone][params61]") {
  CHECK(calculate_min_free_kbytes(16) == 128);
  CHECK(calculate_min_free_kbytes(std::uint64_t{1} << 40) == 262144);
  CHECK(calculate_min_free_kbytes(1048576) == 4096); // int_sqrt(16 Mi) = 4096
  // A tiny zone: (64 - 48) / 20 = 0 pages recommended, nothing is raised.
  const ZoneParams61 t = params(64, 1);
  CHECK(t.min_free_kbytes == 128);
  CHECK(t.watermark.min == 32);
  CHECK(t.watermark.low == 40);
  CHECK(t.watermark.high == 48);
}

TEST_CASE("D61-5: pcp.batch sets the batch and high follows from it unless pcp.high is set",
          "[zone][params61]") {
  CHECK(params(16384, 2, 10u).high == 500);  // max(500, 40)
  CHECK(params(16384, 2, 200u).high == 800); // max(500, 800)
  CHECK(params(16384, 2, 200u).batch == 200);
  CHECK(params(16384, 2, {}, 7u).high == 7);
  CHECK(params(16384, 2, {}, 7u).batch == 3);
  CHECK(zone_highsize(1000, 3, 3) == 333);
  CHECK(zone_batchsize_61(262144, 65536) == 3); // 1 MiB / 64 KiB = 16 -> 4 -> 3
}

TEST_CASE("6.1 boost_watermark (kernel-6.1.md §6): one pageblock per call up to 1.5 x the high "
          "watermark, "
          "zones below 4 pageblocks never boost",
          "[zone][params61]") {
  WatermarkBoost z{0, 16384, 1200, 512};
  CHECK(boost_watermark(z));
  CHECK(z.boost == 512);
  CHECK(boost_watermark(z));
  CHECK(z.boost == 1024);
  CHECK(boost_watermark(z));
  CHECK(z.boost == 1536);
  CHECK(boost_watermark(z));
  CHECK(z.boost == 1800); // max_boost = 1200 x 15000 / 10000
  CHECK(boost_watermark(z));
  CHECK(z.boost == 1800);
  WatermarkBoost small{0, 2047, 1200, 512};
  CHECK_FALSE(boost_watermark(small));
  CHECK(small.boost == 0);
  WatermarkBoost low_high{0, 4096, 100, 512};
  CHECK(boost_watermark(low_high));
  CHECK(low_high.boost == 512); // max(pageblock, 150)
}
