// Unit tests of the stats document (src/report/stats_json.cpp) on a hand-built RunStats:
// docs/spec.md §5 key order, derived region figures (dominant tie, null homogeneity), non-zero-only
// pair maps, the extfrag indices as fractions, timeline labels, and the compare document.
#include <catch2/catch.hpp>

#include <sstream>

#include "report/stats_json.hpp"
#include "report_test_data.hpp"

using memsim::stats_to_json;
using nlohmann::ordered_json;

namespace {

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

} // namespace

TEST_CASE("The stats document has the docs/spec.md §5 sections in SPEC order") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(keys_of(doc) == std::vector<std::string>{
                            "memsim_stats", "memsim_version", "policy", "notes", "config", "trace",
                            "events", "fallbacks", "region_allocator", "summary", "regions",
                            "fragmentation", "high_order", "pollution", "timeline", "provenance"});
  CHECK(doc["memsim_stats"] == 1);
  CHECK(doc["memsim_version"] == MEMSIM_VERSION);
  CHECK(doc["policy"] == "region-aware");
  CHECK(doc["notes"].size() == 1);
  CHECK(keys_of(doc["config"]) ==
        std::vector<std::string>{"zone", "pcp", "reserve", "region_aware"});
  CHECK(doc["config"]["zone"]["region_size"] == 4194304);
  CHECK(doc["trace"].dump() == R"({"path":"traces/t.jsonl","events":12})");
}

TEST_CASE("Event counts include the added mark, split, split_ignored and probe keys") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(doc["events"].dump() ==
        R"({"alloc":7,"free":3,"failed":1,"unmatched_free":1,"duplicate_alloc":0,)"
        R"("order_mismatch":0,"mark":1,"split":0,"split_ignored":0,"probe":0})");
}

TEST_CASE("Fallback pairs and pageblock re-types list only the pairs that occurred") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(doc["fallbacks"].dump() ==
        R"({"total":3,"fragmenting":2,"by_pair":{"unmovable<-movable":2,)"
        R"("reclaimable<-movable":1},"pageblock_retypes":{"movable->unmovable":1}})");
  CHECK(doc["region_allocator"].dump() ==
        R"({"regions_granted":1,"regions_returned":0,"regions_held":1,)"
        R"("regions_granted_by_move_freepages":0})");
  memsim::RunStats stock;
  const ordered_json empty = stats_to_json(stock);
  CHECK(empty["fallbacks"]["by_pair"].dump() == "{}");
  CHECK(empty["fallbacks"]["pageblock_retypes"].dump() == "{}");
  CHECK(empty["region_allocator"]["regions_held"] == 0);
}

TEST_CASE("high_order lists every order that occurred, pollution its claims, steals and pages") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(doc["high_order"].dump() == R"({"0":{"allocs":6,"satisfied":5,"by_fallback":2,"failed":1,)"
                                    R"("probes":{"own":0,"fallback":0,"none":0}},)"
                                    R"("9":{"allocs":1,"satisfied":1,"by_fallback":0,"failed":0,)"
                                    R"("probes":{"own":0,"fallback":2,"none":3}}})");
  CHECK(doc["pollution"].dump() ==
        R"({"claims":{"unmovable":1},"steals":{"reclaimable<-movable":1},)"
        R"("pages":{"unmovable<-movable":3}})");
}

TEST_CASE("The summary counts free, used and mixed regions and weighs homogeneity by pages") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(doc["summary"].dump() ==
        R"({"regions":2,"free_regions":1,"used_regions":1,"mixed_regions":1,)"
        R"("homogeneity":0.5,"mixed_pageblocks":1,"free_pages":2034,"pcp_pages":6})");
}

TEST_CASE("A region's dominant type goes to the lowest kernel number on a tie") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(doc["regions"][1].dump() ==
        R"({"index":1,"start_pfn":1024,"pages":1024,"free_pages":1010,"pcp_pages":6,)"
        R"("allocated":{"unmovable":4,"reclaimable":0,"movable":4},"dominant":"unmovable",)"
        R"("homogeneity":0.5,"mixed":true,)"
        R"("pageblocks":{"unmovable":1,"reclaimable":0,"movable":0,"reserve":0},)"
        R"("mixed_pageblocks":1,"in_region_allocator":false,"pageblock_map":"U",)"
        R"("pageblock_allocated":[[4,0,4]]})");
}

TEST_CASE("New keys come after the keys they join: provenance last, pageblock_allocated last "
          "in a region") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  CHECK(keys_of(doc).back() == "provenance");
  CHECK(keys_of(doc["regions"][0]).back() == "pageblock_allocated");
  CHECK(keys_of(doc["provenance"]) == std::vector<std::string>{"memsim_revision", "command_line",
                                                               "label", "trace_meta", "proc_in",
                                                               "t_start", "t_end"});
}

TEST_CASE("The provenance holds the command line, the label, the trace's meta and its times") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  const ordered_json& p = doc["provenance"];
  CHECK(p["command_line"].dump() == R"(["memsim","replay","traces/t.jsonl","--label","RA v4"])");
  CHECK(p["label"] == "RA v4");
  CHECK(p["trace_meta"].dump() == R"({"source":"test"})");
  CHECK(p["proc_in"].is_null());
  CHECK(p["t_start"] == 0.75);
  CHECK(p["t_end"] == 1.5);
  CHECK(p["memsim_revision"].is_string());
  CHECK_FALSE(p["memsim_revision"].get<std::string>().empty());
  const ordered_json bare = stats_to_json(memsim::RunStats{});
  CHECK(bare["provenance"]["label"].is_null());
  CHECK(bare["provenance"]["t_end"].is_null());
}

TEST_CASE("A region with nothing allocated has null dominant and homogeneity") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  const auto& region = doc["regions"][0];
  CHECK(region["dominant"].is_null());
  CHECK(region["homogeneity"].is_null());
  CHECK(region["mixed"] == false);
  CHECK(region["in_region_allocator"] == true);
}

TEST_CASE("A region holding only per-CPU pages is used, not free") {
  memsim::RunStats s = memsim::test::sample_run_stats();
  s.regions[1].allocated = {0, 0, 0};
  s.regions[1].free_pages = 1018;
  const ordered_json doc = stats_to_json(s);
  CHECK(doc["summary"]["free_regions"] == 1);
  CHECK(doc["summary"]["used_regions"] == 1);
  CHECK(doc["summary"]["mixed_regions"] == 0);
  CHECK(doc["summary"]["homogeneity"].is_null());
}

TEST_CASE("Fragmentation reports buddyinfo, pagetypeinfo and the kernel indices / 1000") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  const auto& frag = doc["fragmentation"];
  CHECK(keys_of(frag) == std::vector<std::string>{"buddyinfo", "pagetypeinfo", "unusable_index",
                                                  "fragmentation_index", "largest_free_order"});
  CHECK(frag["buddyinfo"].dump() == "[0,1,0,0,1,1,1,1,1,1,1]");
  CHECK(keys_of(frag["pagetypeinfo"]) ==
        std::vector<std::string>{"unmovable", "reclaimable", "movable", "reserve"});
  REQUIRE(frag["unusable_index"].size() == 11);
  CHECK(frag["unusable_index"][0] == 0.0);
  CHECK(frag["unusable_index"][9] == 0.244);  // (2034 - 1536) * 1000 / 2034 = 244
  CHECK(frag["unusable_index"][10] == 0.496); // (2034 - 1024) * 1000 / 2034 = 496
  for (const auto& index : frag["fragmentation_index"]) CHECK(index == -1.0);
  CHECK(frag["largest_free_order"] == 10);
}

TEST_CASE("With nothing free the largest free order is null and every block unusable") {
  memsim::RunStats s = memsim::test::sample_run_stats();
  s.free_area.buddyinfo.assign(11, 0);
  const auto frag = stats_to_json(s)["fragmentation"];
  CHECK(frag["largest_free_order"].is_null());
  for (const auto& index : frag["unusable_index"]) CHECK(index == 1.0);
  for (const auto& index : frag["fragmentation_index"]) CHECK(index == 0.0);
}

TEST_CASE("Timeline samples carry t or null, null homogeneity, and a label only at a mark") {
  const ordered_json doc = stats_to_json(memsim::test::sample_run_stats());
  REQUIRE(doc["timeline"].size() == 2);
  CHECK(doc["timeline"][0].dump() ==
        R"({"event":5,"t":null,"free_regions":1,"mixed_regions":0,"homogeneity":null,)"
        R"("mixed_pageblocks":0,"free_pages":2040,"fallbacks":0,"unusable_index_pageblock":0.5,)"
        R"("free_pageblocks_whole":1,)"
        R"("largest_free_order":{"unmovable":-1,"reclaimable":-1,"movable":10}})");
  CHECK(doc["timeline"][1].dump() ==
        R"({"event":8,"t":1.25,"free_regions":1,"mixed_regions":1,"homogeneity":0.5,)"
        R"("mixed_pageblocks":1,"free_pages":2034,"fallbacks":3,"unusable_index_pageblock":0.0,)"
        R"("free_pageblocks_whole":0,)"
        R"("largest_free_order":{"unmovable":2,"reclaimable":-1,"movable":9},)"
        R"("probes":{"9":{"unmovable":"fallback","reclaimable":"none","movable":"own"}},)"
        R"("label":"phase 2"})");
}

TEST_CASE("write_json indents by one space and ends with a newline") {
  std::ostringstream out;
  memsim::write_json(out, stats_to_json(memsim::test::sample_run_stats()));
  const std::string text = out.str();
  CHECK_THAT(text, Catch::StartsWith("{\n \"memsim_stats\": 1,\n \"memsim_version\": "));
  CHECK_THAT(text, Catch::EndsWith("}\n"));
  CHECK(nlohmann::json::parse(text)["summary"]["free_pages"] == 2034);
}

TEST_CASE("write_json replaces invalid UTF-8 in labels instead of failing") {
  memsim::RunStats s = memsim::test::sample_run_stats();
  s.timeline[1].label = std::string("bad \xff byte");
  std::ostringstream out;
  CHECK_NOTHROW(memsim::write_json(out, stats_to_json(s)));
  CHECK_THAT(out.str(), Catch::Contains("bad \xEF\xBF\xBD byte"));
}

TEST_CASE("The compare document holds one stats document per run, in order") {
  memsim::RunStats stock = memsim::test::sample_run_stats();
  stock.policy = "stock";
  const ordered_json doc = memsim::compare_to_json({stock, memsim::test::sample_run_stats()});
  CHECK(keys_of(doc) == std::vector<std::string>{"memsim_compare", "runs"});
  CHECK(doc["memsim_compare"] == 1);
  REQUIRE(doc["runs"].size() == 2);
  CHECK(doc["runs"][0]["policy"] == "stock");
  CHECK(doc["runs"][1]["policy"] == "region-aware");
}
