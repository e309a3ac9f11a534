// JSON Lines reader (docs/spec.md §4.2, §4.3, §4.4): event forms, optional fields, line handling,
// the header, and the exact "FILE:LINE: message" of every malformed line.
#include <catch2/catch.hpp>

#include <random>

#include "trace/input_buffer.hpp"
#include "trace/readers.hpp"
#include "trace_test_support.hpp"

using memsim::test::describe;
using memsim::test::read_all;
using memsim::test::TempDir;

namespace {

const std::string kHeader = R"({"memsim_trace":1,"zone":{"memory":"16MiB","cpus":4}})"
                            "\n";

} // namespace

TEST_CASE("A JSON Lines trace yields every event form with its optional fields") {
  TempDir dir;
  const std::string path =
      dir.write("t.jsonl", kHeader + R"({"op":"alloc","id":17,"order":0,"mt":"movable"}
{"op":"alloc","id":18,"order":3,"mt":"unmovable","cpu":2,"t":12.345678,"cold":true}
{"op":"free","id":17}
{"op":"free","id":18,"order":3,"cpu":1,"t":13,"cold":false}
{"op":"mark","label":"phase 2"}
{"op":"mark","label":"with t","t":0.5}
{"op":"split","id":19}
)");
  CHECK(read_all(path) ==
        std::vector<std::string>{
            "alloc id=17 order=0 mt=2 cpu=0 t=- cold=false label='' pos=2",
            "alloc id=18 order=3 mt=0 cpu=2 t=12.345678 cold=true label='' pos=3",
            "free id=17 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=4",
            "free id=18 order=3 mt=2 cpu=1 t=13 cold=false label='' pos=5",
            "mark id=0 order=0(none) mt=2 cpu=0 t=- cold=false label='phase 2' pos=6",
            "mark id=0 order=0(none) mt=2 cpu=0 t=0.5 cold=false label='with t' pos=7",
            "split id=19 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=8",
        });
}

TEST_CASE("Migratetypes are accepted as names and as 3.11 kernel numbers") {
  TempDir dir;
  const std::string path = dir.write("t.jsonl", kHeader + R"({"op":"alloc","id":1,"order":0,"mt":0}
{"op":"alloc","id":2,"order":0,"mt":1}
{"op":"alloc","id":3,"order":0,"mt":2}
{"op":"alloc","id":4,"order":0,"mt":"reclaimable"}
)");
  const auto reader = memsim::open_trace(path);
  memsim::Event event;
  std::vector<memsim::Migratetype> types;
  while (reader->next(event)) types.push_back(event.mt);
  CHECK(types == std::vector{memsim::Migratetype::unmovable, memsim::Migratetype::reclaimable,
                             memsim::Migratetype::movable, memsim::Migratetype::reclaimable});
}

TEST_CASE("Ids span the whole unsigned 64-bit range") {
  TempDir dir;
  const std::string path = dir.write(
      "t.jsonl", kHeader + R"({"op":"alloc","id":18446744073709551615,"order":0,"mt":"movable"}
{"op":"free","id":9223372036854775808}
{"op":"split","id":0}
)");
  const auto reader = memsim::open_trace(path);
  memsim::Event event;
  REQUIRE(reader->next(event));
  CHECK(event.id == UINT64_MAX);
  REQUIRE(reader->next(event));
  CHECK(event.id == (std::uint64_t{1} << 63));
  REQUIRE(reader->next(event));
  CHECK(event.id == 0);
  CHECK_FALSE(reader->next(event));
}

TEST_CASE("CRLF, blank lines and a last line without newline are accepted, lines are physical") {
  TempDir dir;
  const std::string path = dir.write(
      "t.jsonl", "\n  \r\n" + std::string(R"({"memsim_trace":1})") + "\r\n\r\n" +
                     R"({"op":"alloc","id":1,"order":0,"mt":"movable"})" + "\r\n \t \n\n" +
                     R"(  {"op":"free","id":1}  )" + "\r\n" + R"({"op":"free","id":2})");
  CHECK(read_all(path) == std::vector<std::string>{
                              "alloc id=1 order=0 mt=2 cpu=0 t=- cold=false label='' pos=5",
                              "free id=1 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=8",
                              "free id=2 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=9",
                          });
  const auto reader = memsim::open_trace(path);
  CHECK(reader->where(8) == path + ":8");
}

TEST_CASE("A trace of a header line alone has no events") {
  TempDir dir;
  for (const std::string content : {R"({"memsim_trace":1})", "{\"memsim_trace\":1}\n\n  \n"}) {
    const std::string path = dir.write("t.jsonl", content);
    CHECK(read_all(path).empty());
    CHECK(memsim::count_trace_events(path) == 0);
  }
}

TEST_CASE("The JSON Lines header keeps zone and meta raw and checks preallocated entries") {
  TempDir dir;
  const std::string path = dir.write(
      "t.jsonl",
      R"({"memsim_trace":1,"zone":{"memory":"16MiB","zone.cpus":2,"x":[1,2.5,null,true]},)"
      R"("meta":{"source":"test","n":18446744073709551615},"unknown":{"ignored":1},)"
      R"("preallocated":[{"pfn":0,"order":2,"mt":"unmovable"},{"pfn":4,"order":0,"mt":2,"id":99,"note":"x"}]})"
      "\n");
  const auto reader = memsim::open_trace(path);
  const memsim::TraceHeader& header = reader->header();
  CHECK(header.zone ==
        nlohmann::json::parse(R"({"memory":"16MiB","zone.cpus":2,"x":[1,2.5,null,true]})"));
  CHECK(header.meta["source"] == "test");
  CHECK(header.meta["n"].get<std::uint64_t>() == UINT64_MAX);
  REQUIRE(header.preallocated.size() == 2);
  CHECK(header.preallocated[0].pfn == 0);
  CHECK(header.preallocated[0].order == 2);
  CHECK(header.preallocated[0].mt == memsim::Migratetype::unmovable);
  CHECK_FALSE(header.preallocated[0].id.has_value());
  CHECK(header.preallocated[1].pfn == 4);
  CHECK(header.preallocated[1].mt == memsim::Migratetype::movable);
  CHECK(header.preallocated[1].id == std::optional<std::uint64_t>(99));
}

TEST_CASE("Unknown keys of events are ignored, and only marks carry a label") {
  TempDir dir;
  const std::string path = dir.write(
      "t.jsonl",
      kHeader +
          R"({"op":"alloc","extra":{"a":[1,{"b":null}]},"id":1,"order":1,"mt":"movable","label":"x"}
{"op":"mark","label":"\u00e9t\u00e9 \"quoted\"","zzz":1}
{"op":"free","id":1,"gfp":"GFP_KERNEL"}
)");
  CHECK(read_all(path) == std::vector<std::string>{
                              "alloc id=1 order=1 mt=2 cpu=0 t=- cold=false label='' pos=2",
                              "mark id=0 order=0(none) mt=2 cpu=0 t=- cold=false "
                              "label='\xc3\xa9t\xc3\xa9 \"quoted\"' pos=3",
                              "free id=1 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=4",
                          });
}

TEST_CASE("Every malformed event line is reported as FILE:LINE: message") {
  // {line 3 of the trace, the message it must give}
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"op":"alloc","id":1,"order":0,"mt":"movable")", "invalid JSON"},
      {R"({"op":"alloc","id":1,"order":0,"mt":"movable"}})", "invalid JSON"},
      {R"({"op":"free","id":1} {"op":"free","id":2})", "invalid JSON"},
      {R"({"op":"free","id":1} x)", "invalid JSON"},
      {R"(not json)", "invalid JSON"},
      {"{\"op\":\"free\",\"id\":1,\"x\":\"\xff\"}", "invalid JSON: The input is not valid UTF-8"},
      {std::string(R"({"op":"free",)") + '\0' + R"("id":1})", "invalid JSON"},
      {R"([1,2])", "event is not a JSON object (found an array)"},
      {R"("alloc")", "event is not a JSON object (found a string)"},
      {R"(17)", "event is not a JSON object (found a number)"},
      {R"({"id":1})", R"(event without "op")"},
      {R"({"op":"foo","id":1})", R"(unknown op "foo")"},
      {R"({"op":7})", R"("op" must be a string)"},
      {R"({"op":"alloc","order":0,"mt":"movable"})", R"(alloc without "id")"},
      {R"({"op":"alloc","id":1,"mt":"movable"})", R"(alloc without "order")"},
      {R"({"op":"alloc","id":1,"order":0})", R"(alloc without "mt")"},
      {R"({"op":"free"})", R"(free without "id")"},
      {R"({"op":"split"})", R"(split without "id")"},
      {R"({"op":"mark"})", R"(mark without "label")"},
      {R"({"op":"free","id":-1})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":1.5})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":1e3})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":"1"})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":18446744073709551616})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"alloc","id":1,"order":"0","mt":"movable"})", R"("order" must be an integer)"},
      {R"({"op":"alloc","id":1,"order":1.0,"mt":"movable"})", R"("order" must be an integer)"},
      {R"({"op":"alloc","id":1,"order":64,"mt":"movable"})", R"("order" out of range: 64 (0..63))"},
      {R"({"op":"alloc","id":1,"order":-1,"mt":"movable"})", R"("order" out of range: -1 (0..63))"},
      {R"({"op":"free","id":1,"order":99999999999999999999})", R"("order" must be an integer)"},
      {R"({"op":"alloc","id":1,"order":0,"mt":"huge"})", R"(unknown migratetype "huge")"},
      {R"({"op":"alloc","id":1,"order":0,"mt":"reserve"})", R"(unknown migratetype "reserve")"},
      {R"({"op":"alloc","id":1,"order":0,"mt":3})", R"(unknown migratetype 3)"},
      {R"({"op":"alloc","id":1,"order":0,"mt":-1})", R"(unknown migratetype -1)"},
      {R"({"op":"alloc","id":1,"order":0,"mt":true})",
       R"("mt" must be a migratetype name or number)"},
      {R"({"op":"free","id":1,"cpu":-1})", R"("cpu" must be an integer in 0..4294967295)"},
      {R"({"op":"free","id":1,"cpu":4294967296})", R"("cpu" must be an integer in 0..4294967295)"},
      {R"({"op":"free","id":1,"cpu":"0"})", R"("cpu" must be an integer in 0..4294967295)"},
      {R"({"op":"free","id":1,"t":"12.5"})", R"("t" must be a number)"},
      {R"({"op":"free","id":1,"cold":1})", R"("cold" must be true or false)"},
      {R"({"op":"mark","label":7})", R"("label" must be a string)"},
  };
  TempDir dir;
  for (const auto& [line, message] : cases) {
    const std::string path =
        dir.write("bad.jsonl", kHeader + R"({"op":"free","id":5})" + "\n" + line + "\n" +
                                   R"({"op":"free","id":6})" + "\n");
    INFO(line);
    REQUIRE_THROWS_WITH(read_all(path), Catch::StartsWith(path + ":3: " + message));
  }
}

TEST_CASE("Error messages stay on one line whatever the input holds") {
  TempDir dir;
  const std::string path = dir.write("bad.jsonl", kHeader + R"({"op":"a\nb\u0000c"})" + "\n");
  REQUIRE_THROWS_WITH(read_all(path), Catch::Equals(path + R"(:2: unknown op "a\nb\u0000c")"));
}

TEST_CASE("A malformed header line is reported on its line") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"zone":{}})", R"(not a memsim trace: the header has no "memsim_trace": 1)"},
      {R"({"op":"alloc","id":1,"order":0,"mt":"movable"})",
       R"(not a memsim trace: the header has no "memsim_trace": 1)"},
      {R"({"memsim_trace":2})", R"(unsupported trace version 2 ("memsim_trace" must be 1))"},
      {R"({"memsim_trace":"1"})", R"("memsim_trace" must be 1)"},
      {R"({"memsim_trace":1,"zone":[]})", R"("zone" must be an object)"},
      {R"({"memsim_trace":1,"meta":"x"})", R"("meta" must be an object)"},
      {R"({"memsim_trace":1,"preallocated":{}})", R"("preallocated" must be an array)"},
      {R"({"memsim_trace":1,"preallocated":[7]})", "preallocated[0] must be an object"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"order":0,"mt":"movable"},{"order":0,"mt":"movable"}]})",
       R"(preallocated[1] without "pfn")"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"mt":"movable"}]})",
       R"(preallocated[0] without "order")"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"order":0}]})",
       R"(preallocated[0] without "mt")"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":-4,"order":0,"mt":"movable"}]})",
       R"(preallocated[0]: "pfn" must be an unsigned 64-bit integer)"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"order":70,"mt":"movable"}]})",
       R"(preallocated[0]: "order" out of range: 70 (0..63))"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"order":0,"mt":"cma"}]})",
       R"(preallocated[0]: unknown migratetype "cma")"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":0,"order":0,"mt":0,"id":-1}]})",
       R"(preallocated[0]: "id" must be an unsigned 64-bit integer)"},
  };
  TempDir dir;
  for (const auto& [line, message] : cases) {
    const std::string path = dir.write("bad.jsonl", "\n" + line + "\n");
    INFO(line);
    REQUIRE_THROWS_WITH(memsim::open_trace(path), Catch::Equals(path + ":2: " + message));
  }
}

TEST_CASE("A malformed line deep in a large trace names its exact line") {
  // Far past the start, so that the fast path (parse_many) meets it and hands over.
  std::string body = kHeader;
  const int bad_line = 54321;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"op":"free","id":1)", "invalid JSON"},
      {R"({"op":"free","id":1}{"op":"free","id":2})", "invalid JSON"},
      {"{\"op\":\"free\",\n\"id\":1}", "invalid JSON"},
      {std::string(R"({"op":"free","id":1})") + '\0', "invalid JSON"},
      {"{\"op\":\"free\",\"id\":1,\"x\":\"\xc3\"}", "invalid JSON: The input is not valid UTF-8"},
      {R"({"op":"free","id":-3})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":1} 5)", "invalid JSON"},
  };
  std::string prefix = kHeader;
  for (int line = 2; line < bad_line; ++line)
    prefix += fmt::format(R"({{"op":"free","id":{}}})"
                          "\n",
                          line);
  TempDir dir;
  for (const auto& [line, message] : cases) {
    const std::string path =
        dir.write("bad.jsonl", prefix + line + "\n" + R"({"op":"free","id":7})" + "\n");
    INFO(line);
    const auto reader = memsim::open_trace(path);
    memsim::Event event;
    for (int i = 2; i < bad_line; ++i) {
      REQUIRE(reader->next(event));
      REQUIRE(event.pos == static_cast<std::uint64_t>(i));
    }
    REQUIRE_THROWS_WITH(reader->next(event),
                        Catch::StartsWith(fmt::format("{}:{}: {}", path, bad_line, message)));
  }
}

TEST_CASE("Lines longer than a parse batch and than the read window are read whole") {
  TempDir dir;
  const std::string big_label(3 << 20, 'x');   // over parse_many's 1 MiB batch
  const std::string huge_label(33 << 20, 'y'); // over the 32 MiB window
  const std::string path =
      dir.write("t.jsonl", kHeader + R"({"op":"free","id":1})" + "\n" +
                               R"({"op":"mark","label":")" + big_label + "\"}\n" +
                               R"({"op":"free","id":2})" + "\n" + R"({"op":"mark","label":")" +
                               huge_label + "\"}\n" + R"({"op":"free","id":3})");
  const auto reader = memsim::open_trace(path);
  memsim::Event event;
  std::vector<std::size_t> sizes;
  std::vector<std::uint64_t> lines;
  while (reader->next(event)) {
    sizes.push_back(event.label.size());
    lines.push_back(event.pos);
  }
  CHECK(sizes == std::vector<std::size_t>{0, big_label.size(), 0, huge_label.size(), 0});
  CHECK(lines == std::vector<std::uint64_t>{2, 3, 4, 5, 6});
}

TEST_CASE("Events across the boundaries of a small read window are read intact") {
  TempDir dir;
  std::string content = kHeader;
  const int events = 20000;
  for (int i = 0; i < events; ++i) {
    content += i % 7 == 0 ? "\r\n" : "";
    content += fmt::format(R"({{"op":"alloc","id":{},"order":{},"mt":"movable","t":{}.25}})"
                           "\n",
                           i, i % 11, i);
  }
  const std::string path = dir.write("t.jsonl", content);
  // The public reader (32 MiB window) and one over a 4 KiB window must agree.
  const auto expected = read_all(path);
  REQUIRE(expected.size() == static_cast<std::size_t>(events));
  auto buffer = std::make_unique<memsim::trace::InputBuffer>(memsim::trace::open_input(path), 4096);
  const memsim::trace::InputBuffer& window = *buffer;
  buffer->refill(0);
  const auto reader = memsim::trace::make_jsonl_reader(std::move(buffer), kHeader.size(), 2,
                                                       memsim::TraceHeader{}, path);
  CHECK(read_all(*reader) == expected);
  CHECK(window.capacity() == 4096); // no line needed a bigger window
  CHECK(memsim::count_trace_events(path) == static_cast<std::uint64_t>(events));
}

TEST_CASE("Counting a JSON Lines trace counts its non-blank lines after the header") {
  TempDir dir;
  const std::string path =
      dir.write("t.jsonl", "\n" + kHeader + "\n \r\n" + R"({"op":"free","id":1})" + "\n" +
                               "not even json\n\t\n" + R"({"op":"free","id":2})");
  CHECK(memsim::count_trace_events(path) == 3);
}

TEST_CASE("A JSON Lines header's value errors name its line, its syntax errors a byte") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"memsim_trace":1,"zone":{"memory":}})", ":2: invalid JSON"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":1,"order":0,"mt":0},{"pfn":"x"}]})",
       R"(:2: preallocated[1]: "pfn" must be an unsigned 64-bit integer)"},
      {R"({"memsim_trace":1} x)", ":2: invalid JSON: trailing data after the header object"},
      {R"({"memsim_trace":1,,"zone":{}})", ":byte 19: expected a key (a string), found ','"},
      {R"({"memsim_trace":1,"preallocated":[{"pfn":1,"order":0,"mt":0},]})",
       ":byte 62: invalid JSON: trailing ','"},
  };
  for (const auto& [header, message] : cases) {
    const std::string path =
        dir.write("bad.jsonl", "\n" + header + "\n{\"op\":\"free\",\"id\":1}\n");
    INFO(header);
    REQUIRE_THROWS_WITH(memsim::open_trace(path), Catch::StartsWith(path + message));
  }
}

TEST_CASE("A JSON Lines header of any length is read, its preallocated entries one by one") {
  TempDir dir;
  std::string header = R"({"memsim_trace":1,"preallocated":[)";
  const int entries = 750000; // a header line over 32 MiB, as a /proc import may write
  for (int i = 0; i < entries; ++i)
    header +=
        fmt::format(R"({}{{"pfn":{},"order":0,"mt":"movable","id":{}}})", i > 0 ? "," : "", i, i);
  header += "]}";
  REQUIRE(header.size() > (std::size_t{32} << 20));
  const std::string path = dir.write("big.jsonl", header + "\n" + R"({"op":"free","id":7})" + "\n");
  const auto reader = memsim::open_trace(path);
  REQUIRE(reader->header().preallocated.size() == static_cast<std::size_t>(entries));
  CHECK(reader->header().preallocated.back().id == std::optional<std::uint64_t>(entries - 1));
  CHECK(
      read_all(*reader) ==
      std::vector<std::string>{"free id=7 order=0(none) mt=2 cpu=0 t=- cold=false label='' pos=2"});
  CHECK(memsim::count_trace_events(path) == 1);
}

TEST_CASE("Counting lines agrees with a naive count over any window size and blank layout") {
  TempDir dir;
  std::mt19937 random(7);
  std::string content = kHeader;
  std::uint64_t expected = 0;
  for (int i = 0; i < 30000; ++i) {
    const auto kind = random() % 8;
    if (kind == 0) {
      content += "\n";
    } else if (kind == 1) {
      content += " \t\r\n";
    } else {
      content += kind == 2 ? "  {\"op\":\"free\",\"id\":1}\r\n" : "{\"op\":\"free\",\"id\":2}\n";
      ++expected;
    }
  }
  content += "{\"op\":\"free\",\"id\":3}"; // a last line without newline
  ++expected;
  const std::string path = dir.write("t.jsonl", content);
  CHECK(memsim::count_trace_events(path) == expected);
  for (const std::size_t window : {64, 1000, 4096}) {
    memsim::trace::InputBuffer buffer(memsim::trace::open_input(path), window);
    buffer.refill(0);
    CHECK(memsim::trace::count_jsonl_events(buffer, kHeader.size()) == expected);
  }
}
