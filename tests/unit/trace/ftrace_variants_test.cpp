// One fixture per variant of the kmem tracepoint text (tests/fixtures/ftrace/README.md, from the
// format history of docs/metrics.md), each holding the same logical sequence: every
// variant must give the same memsim events and the same meta counts.
#include <filesystem>

#include <catch2/catch.hpp>

#include "trace_test_support.hpp"

using memsim::FtraceOptions;
using memsim::test::read_all;

// GCC 12 at -O2 misreports the string copies of expected() below as out of bounds (GCC bug
// 105651, fixed in 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

namespace {

std::string fixture(const std::string& name) {
  return memsim::test::source_file("tests/fixtures/ftrace/" + name + ".txt");
}

// The sequence every fixture holds (as describe() prints events; mt: 0 unmovable,
// 1 reclaimable, 2 movable).
std::vector<std::string> expected(bool with_mark) {
  std::vector<std::string> events = {
      "alloc id=4660 order=0 mt=2 cpu=1 t=100.000001 cold=false label='' pos=LINE1",
      "alloc id=8192 order=1 mt=0 cpu=0 t=100.000002 cold=false label='' pos=LINE2",
      "alloc id=12288 order=0 mt=1 cpu=0 t=100.000003 cold=false label='' pos=LINE3",
      "free id=4660 order=0 mt=2 cpu=1 t=100.000004 cold=false label='' pos=LINE4",
      // the failed allocation (pfn=0): a probe of its order and gfp's migratetype
      "probe id=0 order=0 mt=0 cpu=0 t=100.000006 cold=false label='' pos=LINE6",
      "split id=8192 order=0(none) mt=2 cpu=0 t=100.000007 cold=false label='' pos=LINE7",
      "free id=8193 order=0 mt=2 cpu=0 t=100.000007 cold=false label='' pos=LINE7"};
  if (with_mark)
    events.push_back("mark id=0 order=0(none) mt=2 cpu=1 t=100.000009 cold=false "
                     "label='phase two' pos=LINE9");
  return events;
}

// The events with their line numbers replaced by the sequence's step numbers.
std::vector<std::string> without_lines(std::vector<std::string> events, std::uint64_t first) {
  for (std::string& e : events) {
    const std::size_t at = e.rfind(" pos=");
    const std::uint64_t line = std::stoull(e.substr(at + 5));
    e = e.substr(0, at) + " pos=LINE" + std::to_string(line - first + 1);
  }
  return events;
}

void check_variant(const std::string& name, std::uint64_t header_lines, bool with_mark,
                   FtraceOptions options = {}) {
  INFO(name);
  const std::string path = fixture(name);
  REQUIRE(std::filesystem::exists(path));
  // Detected by content, like any trace, and read with the variant's options.
  const auto reader = memsim::open_trace(path, options);
  REQUIRE(reader->header().ftrace);
  CHECK(without_lines(read_all(*reader), header_lines + 1) == expected(with_mark));
  const auto& meta = reader->header().meta;
  CHECK(meta["failed_in_trace"] == 1);
  CHECK(meta["bad_lines"] == 0);
  CHECK(meta["buddy_events"]["mm_page_pcpu_drain"] == 1); // read, not a trace event
  CHECK_FALSE(meta["skipped"].contains("mm_page_pcpu_drain"));
  CHECK(meta["skipped"].value("unparsed", std::uint64_t{0}) == header_lines);
  CHECK(reader->header().zone["cpus"] == 2);
  CHECK(reader->header().events == std::optional<std::uint64_t>(with_mark ? 8 : 7));
}

} // namespace

TEST_CASE("ftrace variant: tracefs of 2.6.33 to 3.2 with mm_page_free_direct and mm_pagevec_free",
          "[trace][ftrace][variants]") {
  check_variant("tracefs-2.6.33-pre3.3", 11, true);
  const auto reader = memsim::open_trace(fixture("tracefs-2.6.33-pre3.3"));
  CHECK(reader->header().meta["skipped"]["mm_pagevec_free"] == 1);
}

TEST_CASE("ftrace variant: tracefs of 3.3 to 4.14 with batched frees carrying cold",
          "[trace][ftrace][variants]") {
  check_variant("tracefs-3.3-4.14", 11, true);
  const auto reader = memsim::open_trace(fixture("tracefs-3.3-4.14"));
  CHECK(reader->header().meta["skipped"]["mm_page_free_batched"] == 1);
}

TEST_CASE("ftrace variant: hex gfp_flags of a pre-4.4 kernel need --gfp-bits pre-4.4",
          "[trace][ftrace][variants]") {
  FtraceOptions pre_4_4;
  pre_4_4.gfp_pre_4_4 = true;
  check_variant("tracefs-pre4.4-hex-gfp", 11, true, pre_4_4);
  // With the 4.4+ bits, 0x80000 is no migratetype bit: the reclaimable page reads unmovable.
  const auto reader = memsim::open_trace(fixture("tracefs-pre4.4-hex-gfp"));
  CHECK(read_all(*reader).at(2).rfind("alloc id=12288 order=0 mt=0", 0) == 0);
}

TEST_CASE("ftrace variant: tracefs of 4.15 to 5.13 with hashed page pointers",
          "[trace][ftrace][variants]") {
  check_variant("tracefs-4.15-5.13-hashed", 11, true);
}

TEST_CASE("ftrace variant: tracefs of 5.14 and later with hex pfn and 5-character flags",
          "[trace][ftrace][variants]") {
  check_variant("tracefs-5.14-6.x", 12, true);
}

TEST_CASE("ftrace variant: trace_pipe without the irq-info columns", "[trace][ftrace][variants]") {
  check_variant("trace_pipe-6.x-no-irq-info", 0, true);
}

TEST_CASE("ftrace variant: trace-cmd report with hex gfp_flags and print markers",
          "[trace][ftrace][variants]") {
  check_variant("trace-cmd-6.10-hex-gfp", 1, true);
}

TEST_CASE("ftrace variant: perf script with the kmem system prefix", "[trace][ftrace][variants]") {
  check_variant("perf-script-5.x", 0, false);
}
