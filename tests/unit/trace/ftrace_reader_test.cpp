// The ftrace kmem text reader (docs/spec.md §4.5): each format variant of the tracepoint history
// (docs/metrics.md), migratetype from gfp_flags, splits, ignored batched frees, failed
// allocations, marks, skipped lines, FILE:LINE errors, the geometry from the trace, detection by
// content, agreement with tools/make_bundled_trace.py, and the real traces of ../shared/traces.
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <catch2/catch.hpp>

#include "../../support/skip.hpp"
#include <fmt/format.h>

#include "trace/input_stream.hpp"
#include "trace_test_support.hpp"

using Catch::Contains;
using memsim::Event;
using memsim::EventOp;
using memsim::FtraceOptions;
using memsim::test::describe;
using memsim::test::read_all;
using memsim::test::TempDir;

namespace {

std::vector<std::string> import_events(const std::string& path, FtraceOptions options = {}) {
  const auto reader = memsim::open_ftrace(path, options);
  return read_all(*reader);
}

} // namespace

TEST_CASE("ftrace: tracefs 6.x line with 5-character flags and hex pfn", "[trace][ftrace]") {
  TempDir dir;
  const std::string path =
      dir.write("t.txt", "            init-1       [000] .....     7.178721: mm_page_alloc: "
                         "page=fffffc3580084e80 pfn=0x213a order=1 migratetype=0 "
                         "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO\n"
                         "             cut-212     [001] ...1.     7.180927: mm_page_free: "
                         "page=fffffc358063e340 pfn=0x213a order=1\n");
  CHECK(import_events(path) ==
        std::vector<std::string>{
            "alloc id=8506 order=1 mt=0 cpu=0 t=7.178721 cold=false label='' pos=1",
            "free id=8506 order=1 mt=2 cpu=1 t=7.180927 cold=false label='' pos=2"});
  const auto reader = memsim::open_ftrace(path);
  CHECK(reader->header().zone["memory"] == "512MiB");
  CHECK(reader->header().zone["cpus"] == 2);
  CHECK(reader->header().zone["start_pfn"] == 0);
  CHECK(reader->where(2) == path + ":2");
}

TEST_CASE("ftrace: format variants of older kernels and other tools", "[trace][ftrace]") {
  TempDir dir;
  const std::string path = dir.write(
      "t.txt",
      // 4-character flags, decimal pfn (<= 5.13), symbolic movable
      "          bash-1234  [001] d..1  1234.500001: mm_page_alloc: page=ffffea0001234567 "
      "pfn=74565 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
      // no irq-info column
      "          bash-1234  [001]  1234.500002: mm_page_free: page=ffffea0001234567 pfn=74565 "
      "order=0\n"
      // trace-cmd report (event name padded)
      "            bash-1234  [002]  1234.500003: mm_page_alloc:        page=0xffffea0001 "
      "pfn=100 order=2 migratetype=1 gfp_flags=GFP_KERNEL|__GFP_RECLAIMABLE\n"
      // perf script, hex gfp_flags (4.4+ bits): 0x8 movable, 0x10 reclaimable
      "            bash  1234 [003]  1234.500004: kmem:mm_page_alloc: page=0xffffea0001 "
      "pfn=0x200 order=0 migratetype=0 gfp_flags=0x8\n"
      "            bash  1234 [003]  1234.500005: kmem:mm_page_alloc: page=0xffffea0001 "
      "pfn=0x201 order=0 migratetype=0 gfp_flags=0x10\n"
      // pre-3.3 event names; mm_pagevec_free is the batched one
      "          bash-1234  [000]  1234.500006: mm_page_free_direct: page=ffffea0001 pfn=100 "
      "order=2\n"
      "          bash-1234  [000]  1234.500007: mm_pagevec_free: page=ffffea0001 pfn=100 "
      "order=0 cold=0\n"
      // failed allocation, symbolic GFP_TEMPORARY, GFP_TRANSHUGE
      "          bash-1234  [000] .... 1234.500008: mm_page_alloc: page=(null) pfn=0 order=0 "
      "migratetype=0 gfp_flags=GFP_KERNEL\n"
      "          bash-1234  [000] .... 1234.500009: mm_page_alloc: page=ffffea pfn=0x1000 "
      "order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE\n"
      "          bash-1234  [000] .... 1234.500010: mm_page_alloc: page=ffffea pfn=0x3000 "
      "order=0 migratetype=1 gfp_flags=GFP_TEMPORARY|__GFP_ZERO\n");
  CHECK(import_events(path) ==
        std::vector<std::string>{
            "alloc id=74565 order=0 mt=2 cpu=1 t=1234.500001 cold=false label='' pos=1",
            "free id=74565 order=0 mt=2 cpu=1 t=1234.500002 cold=false label='' pos=2",
            "alloc id=100 order=2 mt=1 cpu=2 t=1234.500003 cold=false label='' pos=3",
            "alloc id=512 order=0 mt=2 cpu=3 t=1234.500004 cold=false label='' pos=4",
            "alloc id=513 order=0 mt=1 cpu=3 t=1234.500005 cold=false label='' pos=5",
            "free id=100 order=2 mt=2 cpu=0 t=1234.500006 cold=false label='' pos=6",
            "probe id=0 order=0 mt=0 cpu=0 t=1234.500008 cold=false label='' pos=8",
            "alloc id=4096 order=9 mt=2 cpu=0 t=1234.500009 cold=false label='' pos=9",
            "alloc id=12288 order=0 mt=1 cpu=0 t=1234.50001 cold=false label='' pos=10"});
  const auto reader = memsim::open_ftrace(path);
  const auto& meta = reader->header().meta;
  CHECK(meta["failed_in_trace"] == 1);
  CHECK(meta["skipped"]["mm_pagevec_free"] == 1);
  CHECK(reader->header().zone["cpus"] == 4);
}

TEST_CASE("ftrace: hex gfp_flags with --gfp-bits pre-4.4 and both bits malformed",
          "[trace][ftrace]") {
  TempDir dir;
  const std::string path = dir.write(
      "t.txt", "  a-1 [000] .... 1.000001: mm_page_alloc: page=f pfn=10 order=0 migratetype=1 "
               "gfp_flags=0x80000\n");
  FtraceOptions old;
  old.gfp_pre_4_4 = true;
  CHECK(import_events(path, old).at(0).find("mt=1 ") != std::string::npos);
  CHECK(import_events(path).at(0).find("mt=0 ") != std::string::npos);
  const std::string both = dir.write(
      "b.txt", "  a-1 [000] .... 1.000001: mm_page_alloc: page=f pfn=10 order=0 migratetype=1 "
               "gfp_flags=0x18\n");
  CHECK_THROWS_WITH(memsim::open_ftrace(both),
                    Contains(both + ":1: malformed mm_page_alloc line") &&
                        Contains("both __GFP_MOVABLE and __GFP_RECLAIMABLE"));
}

TEST_CASE("ftrace: a free inside a live larger allocation becomes a split", "[trace][ftrace]") {
  TempDir dir;
  const std::string path = dir.write(
      "t.txt", "  a-1 [000] ..... 1.000001: mm_page_alloc: page=f pfn=0x400 order=2 "
               "migratetype=0 gfp_flags=GFP_KERNEL\n"
               "  a-1 [000] ..... 1.000002: mm_page_free: page=f pfn=0x401 order=0\n"
               "  a-1 [000] ..... 1.000003: mm_page_free_batched: page=f pfn=0x401 order=0\n"
               "  a-1 [000] ..... 1.000004: mm_page_free: page=f pfn=0x400 order=0\n"
               "  a-1 [000] ..... 1.000005: mm_page_alloc: page=f pfn=0x800 order=3 "
               "migratetype=0 gfp_flags=GFP_KERNEL\n"
               "  a-1 [000] ..... 1.000006: mm_page_free: page=f pfn=0x800 order=1\n");
  CHECK(import_events(path) ==
        std::vector<std::string>{
            "alloc id=1024 order=2 mt=0 cpu=0 t=1.000001 cold=false label='' pos=1",
            "split id=1024 order=0(none) mt=2 cpu=0 t=1.000002 cold=false label='' pos=2",
            "free id=1025 order=0 mt=2 cpu=0 t=1.000002 cold=false label='' pos=2",
            "free id=1024 order=0 mt=2 cpu=0 t=1.000004 cold=false label='' pos=4",
            "alloc id=2048 order=3 mt=0 cpu=0 t=1.000005 cold=false label='' pos=5",
            "split id=2048 order=0(none) mt=2 cpu=0 t=1.000006 cold=false label='' pos=6",
            "free id=2048 order=0 mt=2 cpu=0 t=1.000006 cold=false label='' pos=6",
            "free id=2049 order=0 mt=2 cpu=0 t=1.000006 cold=false label='' pos=6"});
  CHECK(memsim::count_trace_events(path) == 8);
  // The first pass counts the events exactly, splits included, so no counting pass is needed.
  const auto reader = memsim::open_ftrace(path);
  CHECK(reader->header().events == std::optional<std::uint64_t>(8));
  // 0x400 was split and both its pages freed; 0x800's first two pages freed: nothing unmatched.
  CHECK(reader->header().meta["unmatched_frees"] == 0);
}

TEST_CASE("ftrace: marks and skipped lines counted per kind", "[trace][ftrace]") {
  TempDir dir;
  const std::string path = dir.write(
      "t.txt", "# tracer: nop\n"
               "#\n"
               "CPU:0 [LOST 3 EVENTS]\n"
               "  sh-5 [001] ..... 2.500000: tracing_mark_write: ktrace phase=tmpfs round=1 \n"
               "  a-1 [000] ..... 2.600000: mm_page_pcpu_drain: page=f pfn=0x10 order=0 "
               "migratetype=1\n"
               "\n");
  CHECK(import_events(path) ==
        std::vector<std::string>{"mark id=0 order=0(none) mt=2 cpu=1 t=2.5 cold=false "
                                 "label='ktrace phase=tmpfs round=1' pos=4"});
  const auto reader = memsim::open_trace(path); // detected by content
  const auto& meta = reader->header().meta;
  CHECK(meta["skipped"]["unparsed"] == 4);
  CHECK(meta["buddy_events"]["mm_page_pcpu_drain"] == 1);
  CHECK(meta["failed_in_trace"] == 0);
  CHECK(meta["bad_lines"] == 0);
  CHECK(memsim::count_trace_events(path) == 1);
}

TEST_CASE("ftrace: a malformed known event is a FILE:LINE error unless skipped",
          "[trace][ftrace]") {
  TempDir dir;
  const std::string path =
      dir.write("t.txt", "  a-1 [000] ..... 1.000001: mm_page_alloc: page=f pfn=0x10 order=0 "
                         "migratetype=0 gfp_flags=GFP_KERNEL\n"
                         "  a-1 [000] ..... 1.000002: mm_page_alloc: page=f order=0\n"
                         "  a-1 [000] ..... 1.000003: mm_page_free: page=f pfn=0x10 order=x\n");
  CHECK_THROWS_WITH(memsim::open_trace(path),
                    Contains(path + ":2: malformed mm_page_alloc line: no pfn="));
  FtraceOptions skip;
  skip.skip_bad_lines = true;
  const auto reader = memsim::open_ftrace(path, skip);
  CHECK(reader->header().meta["bad_lines"] == 2);
  CHECK(read_all(*reader).size() == 1);
}

TEST_CASE("ftrace: detected by content and compressed too and JSON still JSON", "[trace][ftrace]") {
  CHECK(memsim::looks_like_ftrace("# tracer: nop\n"));
  CHECK(memsim::looks_like_ftrace("cpus=2\n  a-1 [000] 1.5: mm_page_free: pfn=1 order=0\n"));
  CHECK_FALSE(memsim::looks_like_ftrace("{\"memsim_trace\":1}\n"));
  CHECK_FALSE(memsim::looks_like_ftrace("hello world\n"));
  TempDir dir;
  const std::string text = "  a-1 [000] ..... 1.000001: mm_page_alloc: page=f pfn=0x10 "
                           "order=0 migratetype=0 gfp_flags=GFP_KERNEL\n";
  const std::string plain = dir.write("t.txt", text);
  const std::string xz = dir.write("t.bin", memsim::test::xz_compress(text));
  CHECK(read_all(xz) == read_all(plain));
  CHECK(read_all(plain).size() == 1);
}

TEST_CASE("ftrace: same events as tools/make_bundled_trace.py", "[trace][ftrace]") {
  if (std::system("python3 --version >/dev/null 2>&1") != 0) {
    memsim::test::skip_test("python3 absent: skipped");
    return;
  }
  TempDir dir;
  const std::string path = dir.write(
      "t.txt", "# tracer: nop\n"
               "  a-1 [000] ..... 1.000001: mm_page_alloc: page=f pfn=0x400 order=2 migratetype=0 "
               "gfp_flags=GFP_KERNEL\n"
               "  a-1 [001] ..... 1.000002: mm_page_free: page=f pfn=0x401 order=0\n"
               "  a-1 [001] ..... 1.000003: mm_page_free_batched: page=f pfn=0x401\n"
               "  a-1 [000] ..... 1.000004: mm_page_alloc: page=f pfn=0x0 order=0 migratetype=0 "
               "gfp_flags=GFP_KERNEL\n"
               "  a-1 [000] d..1. 1.000005: mm_page_alloc: page=f pfn=0x3000 order=0 migratetype=1 "
               "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
               "  a-1 [000] .... 1.000006: mm_page_alloc: page=f pfn=12290 order=1 migratetype=1 "
               "gfp_flags=0x10\n"
               "  sh-9 [001] ..... 1.000007: tracing_mark_write: ktrace phase=anon round=2\n"
               "  a-1 [000] ..... 1.000008: mm_page_free: page=f pfn=0x3000 order=0\n"
               "  a-1 [000] ..... 1.000009: mm_page_free: page=f pfn=0x9999 order=3\n");
  const std::string out = dir.path("py.jsonl");
  const std::string command =
      fmt::format("python3 {}/tools/make_bundled_trace.py {} 1000 {} --compress none "
                  ">/dev/null 2>&1",
                  MEMSIM_SOURCE_DIR, path, out);
  REQUIRE(std::system(command.c_str()) == 0);
  // The script predates probe events: it drops the failed allocation (pfn=0) memsim keeps.
  std::vector<std::string> memsim_events = read_all(path, false);
  std::erase_if(memsim_events, [](const std::string& e) { return e.starts_with("probe "); });
  CHECK(memsim_events.size() == 8);
  CHECK(memsim_events == read_all(out, false));
}

namespace {

// The counts a trace text states by itself: mm_page_alloc lines with a non-zero pfn and
// mm_page_free lines, found by plain substring search.
struct FileCounts {
  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
};

FileCounts count_in_file(const std::string& path) {
  FileCounts counts;
  const auto input = memsim::trace::open_input(path);
  std::string pending;
  std::vector<char> block(std::size_t{1} << 22);
  auto take = [&](std::string_view line) {
    if (line.find(" mm_page_alloc: ") != std::string_view::npos) {
      if (line.find(" pfn=0x0 ") == std::string_view::npos &&
          line.find(" pfn=0 ") == std::string_view::npos)
        ++counts.allocs;
    } else if (line.find(" mm_page_free: ") != std::string_view::npos) {
      ++counts.frees;
    }
  };
  for (;;) {
    const std::size_t n = input->read(block.data(), block.size());
    if (n == 0) break;
    pending.append(block.data(), n);
    std::size_t begin = 0;
    for (std::size_t nl; (nl = pending.find('\n', begin)) != std::string::npos; begin = nl + 1)
      take(std::string_view(pending).substr(begin, nl - begin));
    pending.erase(0, begin);
  }
  if (!pending.empty()) take(pending);
  return counts;
}

void check_real_trace(const std::string& folder, std::uint64_t allocs, std::uint64_t frees,
                      std::uint64_t unmatched) {
  const std::filesystem::path path =
      std::filesystem::path(MEMSIM_SHARED_DIR) / "traces" / folder / "trace.txt.xz";
  if (!std::filesystem::exists(path)) {
    memsim::test::skip_test("../shared/traces absent: skipped");
    return;
  }
  const auto reader = memsim::open_trace(path.string());
  std::uint64_t alloc_events = 0;
  std::uint64_t free_lines = 0;
  std::uint64_t last_free_pos = 0;
  Event event;
  std::uint64_t events = 0;
  while (reader->next(event)) {
    if (!memsim::is_trace_event(event.op)) continue;
    ++events;
    if (event.op == EventOp::alloc) ++alloc_events;
    if (event.op == EventOp::free && event.pos != last_free_pos) {
      ++free_lines;
      last_free_pos = event.pos;
    }
  }
  const FileCounts file = count_in_file(path.string());
  CHECK(alloc_events == file.allocs);
  CHECK(free_lines == file.frees);
  CHECK(alloc_events == allocs); // traces/README.md
  CHECK(free_lines == frees);
  CHECK(reader->header().meta["bad_lines"] == 0);
  CHECK(reader->header().events == std::optional<std::uint64_t>(events));
  CHECK(reader->header().meta["unmatched_frees"] == unmatched); // traces/README.md
}

} // namespace

TEST_CASE("ftrace: real trace mixed-1g-smp2 imports with the file's counts",
          "[trace][ftrace][slow]") {
  check_real_trace("mixed-1g-smp2", 1'547'550, 1'566'315, 19'040);
}

TEST_CASE("ftrace: real trace mixed-512m-smp1 imports with the file's counts",
          "[trace][ftrace][slow]") {
  check_real_trace("mixed-512m-smp1", 2'262'866, 2'288'908, 26'235);
}

TEST_CASE("ftrace: lines keep their numbers across the pipeline's chunks", "[trace][ftrace]") {
  // About 5 MiB of text: several 1 MiB chunks parsed by two workers, one line longer than a
  // chunk, and a malformed line far in; events come back in file order with file line numbers.
  TempDir dir;
  std::string text;
  std::uint64_t line = 0;
  const auto add = [&](const std::string& s) {
    text += s;
    text += '\n';
    ++line;
  };
  std::vector<std::uint64_t> alloc_lines;
  for (int i = 0; i < 40000; ++i) {
    add(fmt::format("  a-1 [00{}] ..... {}.000001: mm_page_alloc: page=f pfn={} order=0 "
                    "migratetype=0 gfp_flags=GFP_KERNEL",
                    i % 2, 10 + i, 0x1000 + i));
    alloc_lines.push_back(line);
    add(std::string(60, '#')); // a comment line: skipped as unparsed
    if (i == 20000) add("  a-1 [000] ..... 5.0: sched_switch: " + std::string(1 << 21, 'x'));
  }
  const std::uint64_t last_good = line;
  add("  a-1 [000] ..... 99999.000001: mm_page_free: page=f order=0");
  const std::string path = dir.write("big.txt", text);
  FtraceOptions skip;
  skip.skip_bad_lines = true;
  const auto reader = memsim::open_ftrace(path, skip);
  Event event;
  std::size_t n = 0;
  bool in_order = true;
  while (reader->next(event)) {
    in_order =
        in_order && n < alloc_lines.size() && event.pos == alloc_lines[n] && event.id == 0x1000 + n;
    ++n;
  }
  CHECK(in_order);
  CHECK(n == alloc_lines.size());
  CHECK(reader->header().meta["lines"] == line);
  CHECK(reader->header().meta["bad_lines"] == 1);
  CHECK(reader->header().meta["skipped"]["unparsed"] == 40000);
  CHECK(reader->header().meta["skipped"]["sched_switch"] == 1);
  CHECK_THROWS_WITH(
      memsim::open_ftrace(path),
      Contains(fmt::format("big.txt:{}: malformed mm_page_free line: no pfn=", last_good + 1)));
}

TEST_CASE("ftrace: a chunk without any event line gives no event and no crash", "[trace][ftrace]") {
  // Fuzz regression (fuzz_compressed, fuzz_ftrace): a chunk whose lines are all skipped gave an
  // empty batch, which next() indexed past its end.
  TempDir dir;
  CHECK(read_all(dir.write("header-only.txt", "# tracer: nop\n#\n")).empty());
  std::string text;
  while (text.size() < (std::size_t{3} << 20))
    text += "  a-1 [000] ..... 1.000001: sched_switch: prev_comm=a next_comm=b\n";
  text += "  a-1 [000] ..... 2.000001: mm_page_alloc: page=f pfn=0x400 order=0 migratetype=0 "
          "gfp_flags=GFP_KERNEL\n";
  const auto events = read_all(dir.write("skipped-then-alloc.txt", text));
  REQUIRE(events.size() == 1);
  CHECK(events[0].rfind("alloc id=1024 order=0", 0) == 0);
}
