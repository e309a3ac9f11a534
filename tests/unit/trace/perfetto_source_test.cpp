// Perfetto traces (perfetto_source.hpp, perfetto_events.hpp): packets built here with the wire
// format's encoding and the field numbers of Perfetto's protos are read back as the ftrace text
// Linux 6.18 prints, merged across CPUs by time; compressed packets, lost events, atrace markers,
// detection by content and malformed input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "trace/input_stream.hpp"
#include "trace_test_support.hpp"

using memsim::test::TempDir;

namespace {

std::string varint(std::uint64_t value) {
  std::string out;
  do {
    const auto byte = static_cast<char>(value & 0x7f);
    value >>= 7;
    out += value != 0 ? static_cast<char>(byte | 0x80) : byte;
  } while (value != 0);
  return out;
}
std::string field(std::uint32_t number, std::uint64_t value) {
  return varint(std::uint64_t{number} << 3) + varint(value);
}
std::string field(std::uint32_t number, const std::string& bytes) {
  return varint((std::uint64_t{number} << 3) | 2) + varint(bytes.size()) + bytes;
}
std::string negative(std::int64_t value) { // int32 < 0: the ten-byte sign extension
  return varint(static_cast<std::uint64_t>(value));
}

// FtraceEvent{timestamp, pid, <oneof number>: payload}.
std::string event(std::uint64_t ts, std::uint32_t pid, std::uint32_t number,
                  const std::string& payload) {
  return field(1, ts) + field(2, pid) + field(number, payload);
}
// A Trace packet holding a FtraceEventBundle of `cpu`.
std::string bundle(std::uint32_t cpu, const std::vector<std::string>& events, bool lost = false) {
  std::string b = field(1, cpu);
  for (const std::string& e : events) b += field(2, e);
  if (lost) b += field(3, 1);
  return field(1, field(1, b));
}

std::string mm_page_alloc(std::uint64_t pfn, unsigned order, std::uint32_t gfp) {
  return field(1, gfp) + field(2, 1) + field(3, order) + field(5, pfn);
}
std::string mm_page_free(std::uint64_t pfn, unsigned order) {
  return field(1, order) + field(3, pfn);
}

std::string text_of(const std::string& path) {
  auto input = memsim::trace::open_input(path);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = input->read(buf, sizeof buf)) > 0;) text.append(buf, n);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

} // namespace

TEST_CASE("Perfetto bundles of two CPUs are merged by time, the lower CPU first on a tie",
          "[trace][perfetto]") {
  TempDir dir;
  const std::string trace =
      bundle(1, {event(1'000'001'000, 7, 310, mm_page_free(0x10, 0)),
                 event(1'000'003'000, 7, 310, mm_page_free(0x11, 0))}) +
      bundle(0, {event(1'000'001'000, 5, 307, mm_page_alloc(0x20, 1, 0x140cca)),
                 event(1'000'002'499, 5, 310, mm_page_free(0x20, 1))});
  const auto lines = lines_of(text_of(dir.write("t.pftrace", trace)));
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "# perfetto trace");
  CHECK(lines[1] == "           <...>-5     [000]     1.000001: mm_page_alloc: page=0x20 "
                    "pfn=0x20 order=1 migratetype=1 gfp_flags=0x140cca");
  CHECK(lines[2] == "           <...>-7     [001]     1.000001: mm_page_free: page=0x10 "
                    "pfn=0x10 order=0");
  // 2.499 us rounds down, as the kernel's ns2usecs rounds.
  CHECK(lines[3] == "           <...>-5     [000]     1.000002: mm_page_free: page=0x20 "
                    "pfn=0x20 order=1");
  CHECK(lines[4].find("[001]     1.000003: mm_page_free: page=0x11") != std::string::npos);
}

TEST_CASE("Perfetto kmem, compaction and migration events print as Linux 6.18's print fmt",
          "[trace][perfetto]") {
  TempDir dir;
  const auto generic = [](const std::string& name,
                          const std::vector<std::pair<std::string, std::uint64_t>>& values) {
    std::string body = field(1, name);
    for (const auto& [key, value] : values) body += field(2, field(1, key) + field(5, value));
    return body;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {event(1000, 1, 308,
             field(1, 1) + field(2, 0) + field(3, 0) + field(4, 3) + field(6, 0) + field(7, 0x99)),
       "mm_page_alloc_extfrag: page=0x99 pfn=0x99 alloc_order=0 fallback_order=3 "
       "pageblock_order=9 alloc_migratetype=1 fallback_migratetype=0 fragmenting=1 "
       "change_ownership=0"},
      {event(2000, 1, 309, field(1, 2) + field(2, 3) + field(4, 0x40)),
       "mm_page_alloc_zone_locked: page=0x40 pfn=0x40 order=3 migratetype=2 percpu_refill=0"},
      {event(3000, 1, 312, field(1, 0) + field(2, 0) + field(4, 0x41)),
       "mm_page_pcpu_drain: page=0x41 pfn=0x41 order=0 migratetype=0"},
      {event(4000, 1, 307, field(1, 0) + "\x10" + negative(-1) + field(3, 0) + field(5, ~0ull)),
       "mm_page_alloc: page=0xffffffffffffffff pfn=0x0 order=0 migratetype=-1 gfp_flags=0"},
      {event(5000, 1, 103,
             field(1, 0x1000) + field(2, 0x2000) + field(3, 0x3000) + field(4, 0x4000) +
                 field(5, 1) + field(6, 5)),
       "mm_compaction_end: zone_start=0x1000 migrate_pfn=0x2000 free_pfn=0x3000 "
       "zone_end=0x4000, mode=sync status=complete"},
      {event(6000, 1, 105, field(1, 0x200) + field(2, 0x400) + field(3, 512) + field(4, 3)),
       "mm_compaction_isolate_freepages: range=(0x200 ~ 0x400) nr_scanned=512 nr_taken=3"},
      {event(7000, 1, 327,
             generic("mm_migrate_pages", {{"succeeded", 32},
                                          {"failed", 1},
                                          {"thp_succeeded", 0},
                                          {"thp_failed", 0},
                                          {"thp_split", 0},
                                          {"large_folio_split", 0},
                                          {"mode", 2},
                                          {"reason", 0}})),
       "mm_migrate_pages: nr_succeeded=32 nr_failed=1 nr_thp_succeeded=0 nr_thp_failed=0 "
       "nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=compaction"},
      {event(8000, 1, 327,
             generic("mm_page_alloc_zone_locked",
                     {{"pfn", 0x50}, {"order", 0}, {"migratetype", 1}, {"percpu_refill", 0}})),
       "mm_page_alloc_zone_locked: page=0x50 pfn=0x50 order=0 migratetype=1 percpu_refill=0"},
      {event(9000, 1, 327, generic("some_event", {{"a", 1}, {"b", 0x20}})), "some_event: a=1 b=32"},
      {event(10000, 1, 3, field(1, 0) + field(2, std::string("phase 2\n"))),
       "tracing_mark_write: phase 2"},
      {event(11000, 1, 3, field(1, 0) + field(2, std::string("B|123|binder\n"))),
       "print: B|123|binder"},
  };
  std::vector<std::string> events;
  for (const auto& c : cases) events.push_back(c.first);
  const auto lines = lines_of(text_of(dir.write("t.pftrace", bundle(0, events))));
  REQUIRE(lines.size() == cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO(lines[i + 1]);
    const std::size_t text = lines[i + 1].find(": ") + 2;
    CHECK(lines[i + 1].substr(text) == cases[i].second);
  }
}

TEST_CASE("Perfetto compressed packets (deflate and zstd) and a gzip-compressed file read alike",
          "[trace][perfetto]") {
  TempDir dir;
  std::string packets;
  for (unsigned i = 0; i < 50; ++i)
    packets += bundle(i % 2, {event(1'000'000 * (i + 1), 9, 307, mm_page_alloc(100 + i, 0, 8))});
  const std::string plain = text_of(dir.write("plain.pftrace", packets));
  REQUIRE(lines_of(plain).size() == 51);
  // zlib's deflate with its zlib wrapper, as Perfetto writes compressed_packets.
  std::string zlib(compressBound(static_cast<uLong>(packets.size())), '\0');
  uLongf zlib_len = static_cast<uLongf>(zlib.size());
  compress(reinterpret_cast<Bytef*>(zlib.data()), &zlib_len,
           reinterpret_cast<const Bytef*>(packets.data()), static_cast<uLong>(packets.size()));
  zlib.resize(zlib_len);
  const std::string deflated = field(1, field(50, zlib));
  const std::string zstd = field(1, field(133, memsim::test::zstd_compress(packets)));
  CHECK(text_of(dir.write("deflate.pftrace", deflated)) == plain);
  CHECK(text_of(dir.write("zstd.pftrace", zstd)) == plain);
  CHECK(text_of(dir.write("whole.pftrace.gz", memsim::test::gzip_compress(packets))) == plain);
}

TEST_CASE("A Perfetto bundle that lost events says so before the CPU's next event, and events "
          "of kinds not decoded are counted",
          "[trace][perfetto]") {
  TempDir dir;
  const std::string sched_switch = field(4, field(1, std::string("comm")));
  const std::string trace =
      bundle(1, {}, true) + bundle(1, {event(5000, 3, 310, mm_page_free(1, 0)),
                                       field(1, 6000) + field(2, 3) + sched_switch});
  const auto lines = lines_of(text_of(dir.write("lost.pftrace", trace)));
  REQUIRE(lines.size() == 4);
  CHECK(lines[1] == "CPU:1 [EVENTS DROPPED]");
  CHECK(lines[2].find("mm_page_free: page=0x1 pfn=0x1 order=0") != std::string::npos);
  CHECK(lines[3] == "# perfetto: 1 events of other kinds not decoded");
}

TEST_CASE("Perfetto input that is malformed is an error naming the packet", "[trace][perfetto]") {
  TempDir dir;
  const std::string good = bundle(0, {event(1000, 1, 310, mm_page_free(1, 0))});
  const auto error_of = [&](const std::string& bytes) {
    try {
      text_of(dir.write("bad.pftrace", bytes));
    } catch (const memsim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(good + good.substr(0, good.size() - 3)),
             Catch::Contains("packet 2: malformed Perfetto trace: truncated packet"));
  CHECK_THAT(error_of(good + field(1, field(1, field(2, std::string("\x08", 1))))),
             Catch::Contains("packet 2: malformed Perfetto trace: truncated varint"));
  CHECK_THAT(error_of(good + field(1, field(50, std::string("not deflate")))),
             Catch::Contains("packet 2: malformed Perfetto trace: corrupt compressed_packets"));
  // An event more than the merge window older than events already printed cannot be ordered.
  std::string late = bundle(0, {event(1000, 1, 310, mm_page_free(1, 0))});
  for (unsigned s = 1; s <= 7; ++s)
    late += bundle(0, {event(s * 1'000'000'000ull, 1, 310, mm_page_free(2, 0))});
  late += bundle(1, {event(2000, 1, 310, mm_page_free(3, 0))});
  CHECK_THAT(error_of(late), Catch::Contains("packet 9: malformed Perfetto trace: an event of "
                                             "CPU 1 at 2000 ns comes after"));
}

TEST_CASE("Text that starts with a blank line is not taken for a Perfetto trace",
          "[trace][perfetto]") {
  TempDir dir;
  const std::string text = "\n            bash-1     [000] .....   1.000000: mm_page_free: "
                           "page=0x1 pfn=0x1 order=0\n";
  CHECK(text_of(dir.write("blank-first.txt", text)) == text);
  const auto events = memsim::test::read_all(dir.write("blank-first.txt", text));
  REQUIRE(events.size() == 1);
  CHECK_THAT(events[0], Catch::StartsWith("free id=1 order=0"));
}
