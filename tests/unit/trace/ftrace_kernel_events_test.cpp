// The buddy-level kernel events of ftrace text (trace/ftrace_kernel_events.cpp, docs/spec.md
// §7.2): every line kind parsed from real Linux 6.1 and 6.18 lines (tests/fixtures/ftrace),
// migratetypes mapped by the recording's kernel numbering, the events delivered by the reader but
// not counted as trace events, their counts in meta.buddy_events, and malformed lines.
#include <filesystem>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/ftrace_line.hpp"
#include "trace_test_support.hpp"

using Catch::Contains;
using memsim::Event;
using memsim::EventOp;
using memsim::Migratetype;
using memsim::test::TempDir;
using memsim::trace::LineKind;
using memsim::trace::LineOptions;
using memsim::trace::parse_line;
using memsim::trace::ParsedLine;

namespace {

std::string fixture(const std::string& name) {
  return memsim::test::source_file("tests/fixtures/ftrace/" + name);
}

std::vector<Event> kernel_events(memsim::TraceReader& reader) {
  std::vector<Event> out;
  Event event;
  while (reader.next(event))
    if (!memsim::is_trace_event(event.op)) out.push_back(event);
  return out;
}

ParsedLine parsed(const std::string& line) {
  ParsedLine out;
  parse_line(line, LineOptions{}, out);
  return out;
}

} // namespace

TEST_CASE("buddy-level lines of Linux 6.1 become events with the kernel's fields",
          "[trace][ftrace][buddy]") {
  const auto reader = memsim::open_ftrace(fixture("buddy-level-6.1.txt"));
  CHECK(reader->header().events == std::optional<std::uint64_t>(0)); // none is a trace event
  const auto& counts = reader->header().meta["buddy_events"];
  CHECK(counts["mm_page_alloc_zone_locked"] == 2);
  CHECK(counts["mm_page_pcpu_drain"] == 2);
  CHECK(counts["mm_page_alloc_extfrag"] == 2);
  CHECK(counts["mm_compaction_begin"] == 1);
  CHECK(counts["mm_migrate_pages"] == 1);
  CHECK(counts["mm_compaction_end"] == 1);
  CHECK(reader->header().meta["pageblock_order_from"] == "mm_page_alloc_extfrag");
  CHECK(reader->header().zone["pageblock_order"] == 9);
  const std::vector<Event> e = kernel_events(*reader);
  REQUIRE(e.size() == 9);
  // mm_page_alloc_zone_locked: pfn=0xb743 order=0 migratetype=1 percpu_refill=1
  CHECK(e[0].op == EventOp::zone_locked);
  CHECK(e[0].pfn == 0xb743);
  CHECK(e[0].has_pfn);
  CHECK(e[0].order == 0);
  CHECK(e[0].mt == Migratetype::movable); // 6.1 numbers MOVABLE 1
  CHECK(e[0].flag);
  CHECK(e[0].cpu == 0);
  CHECK(e[0].t == 7.184934);
  CHECK(e[0].pos == 2);
  CHECK(e[1].order == 9);
  CHECK(e[1].pfn == 0xdc00);
  // mm_page_pcpu_drain: pfn=0x23542 order=0 migratetype=1
  CHECK(e[2].op == EventOp::pcpu_drain);
  CHECK(e[2].pfn == 0x23542);
  CHECK(e[2].mt == Migratetype::movable);
  CHECK(e[3].order == 9);
  // mm_page_alloc_extfrag: pfn=0xfc00 alloc_order=2 fallback_order=10 alloc_migratetype=2
  // fallback_migratetype=1 change_ownership=1
  CHECK(e[4].op == EventOp::extfrag);
  CHECK(e[4].pfn == 0xfc00);
  CHECK(e[4].order == 2);
  CHECK(e[4].fallback_order == 10);
  CHECK(e[4].mt == Migratetype::reclaimable);
  CHECK(e[4].fallback_mt == Migratetype::movable);
  CHECK(e[4].flag);
  CHECK(e[5].mt == Migratetype::unmovable);
  CHECK(e[5].cpu == 1);
  // mm_compaction_begin: zone_start=0x1000 free_pfn=0x3fe00 zone_end=0x3ffd7
  CHECK(e[6].op == EventOp::compaction_begin);
  CHECK(e[6].pfn == 0x1000);
  CHECK(e[6].range_end == 0x3ffd7);
  CHECK(e[6].count == 0x3fe00);
  // mm_migrate_pages: nr_succeeded=480 ... reason=compaction
  CHECK(e[7].op == EventOp::migrate);
  CHECK(e[7].count == 480);
  CHECK(e[7].flag);
  CHECK_FALSE(e[7].has_pfn);
  CHECK(e[8].op == EventOp::compaction_end);
  CHECK(e[8].count == 0x1b800);
}

TEST_CASE("buddy-level lines of Linux 6.18 include the compaction free scanner's ranges",
          "[trace][ftrace][buddy]") {
  const auto reader = memsim::open_ftrace(fixture("buddy-level-6.18.txt"));
  const std::vector<Event> e = kernel_events(*reader);
  REQUIRE(e.size() >= 5);
  const auto isolate = std::find_if(
      e.begin(), e.end(), [](const Event& x) { return x.op == EventOp::isolate_freepages; });
  REQUIRE(isolate != e.end());
  CHECK(isolate->has_pfn);
  CHECK(isolate->range_end > isolate->pfn);
  CHECK(reader->header().meta["buddy_events"]["mm_compaction_isolate_freepages"].get<int>() >= 1);
}

TEST_CASE("before 4.4 the printed migratetype numbers RECLAIMABLE 1 and MOVABLE 2",
          "[trace][ftrace][buddy]") {
  TempDir dir;
  const std::string path = dir.write(
      "t.txt", "  a-1 [000] .... 1.000001: mm_page_pcpu_drain: page=f pfn=4096 order=0 "
               "migratetype=1\n"
               "  a-1 [000] .... 1.000002: mm_page_alloc_zone_locked: page=f pfn=4097 order=0 "
               "migratetype=2 percpu_refill=0\n");
  const auto reader = memsim::open_ftrace(path); // decimal pfns: 3.x
  CHECK(reader->header().meta["kernel"]["version"] == "3.x");
  const std::vector<Event> e = kernel_events(*reader);
  REQUIRE(e.size() == 2);
  CHECK(e[0].mt == Migratetype::reclaimable);
  CHECK(e[1].mt == Migratetype::movable);
  CHECK_FALSE(e[1].flag);
  memsim::FtraceOptions options;
  options.kernel = memsim::KernelVersion{6, 1};
  const auto as_61 = memsim::open_ftrace(path, options);
  CHECK(kernel_events(*as_61)[0].mt == Migratetype::movable);
}

TEST_CASE("isolate_freepages lines of both variants, and a failed compaction window",
          "[trace][ftrace][buddy]") {
  const ParsedLine slow =
      parsed("  kcompactd0-36 [001] ..... 10.5: mm_compaction_isolate_freepages: range=(0x3bfe00 ~ "
             "0x3c0000) nr_scanned=512 nr_taken=32");
  REQUIRE(slow.kind == LineKind::isolate_freepages);
  CHECK(slow.pfn == 0x3bfe00);
  CHECK(slow.k.range_end == 0x3c0000);
  CHECK(slow.k.value == 32);
  CHECK_FALSE(slow.k.flag);
  const ParsedLine fast = parsed("  a-1 [000] ..... 1.5: mm_compaction_fast_isolate_freepages: "
                                 "range=(0x10 ~ 0x20) nr_scanned=16 nr_taken=0");
  REQUIRE(fast.kind == LineKind::isolate_freepages);
  CHECK(fast.k.flag);
  CHECK(fast.k.value == 0);
  const ParsedLine other = parsed("  a-1 [000] ..... 1.5: mm_migrate_pages: nr_succeeded=7 "
                                  "nr_failed=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset");
  REQUIRE(other.kind == LineKind::migrate);
  CHECK(other.k.value == 7);
  CHECK_FALSE(other.k.flag); // not compaction's
}

TEST_CASE("a malformed buddy-level line is a FILE:LINE error unless skipped",
          "[trace][ftrace][buddy]") {
  for (const std::string line :
       {"mm_page_alloc_zone_locked: page=f pfn=0x10 order=0 percpu_refill=1",
        "mm_page_pcpu_drain: page=f pfn=0x10 order=99 migratetype=1",
        "mm_page_alloc_extfrag: page=f pfn=0x10 alloc_order=0 fallback_order=1",
        "mm_compaction_begin: migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync",
        "mm_compaction_isolate_freepages: nr_scanned=1 nr_taken=1", "mm_migrate_pages: nr_failed=0",
        "mm_page_pcpu_drain: page=f pfn=0x10 order=0 migratetype=9"}) {
    INFO(line);
    const ParsedLine p = parsed("  a-1 [000] ..... 1.000001: " + line);
    CHECK(p.kind == LineKind::bad);
    TempDir dir;
    const std::string path = dir.write("t.txt", "  a-1 [000] ..... 1.000001: " + line + "\n");
    try {
      memsim::open_ftrace(path);
      FAIL("no error");
    } catch (const memsim::InputError& error) {
      CHECK_THAT(error.what(), Contains(path + ":1: malformed mm_"));
    }
    memsim::FtraceOptions skip;
    skip.skip_bad_lines = true;
    CHECK(memsim::open_ftrace(path, skip)->header().meta["bad_lines"] == 1);
  }
}
