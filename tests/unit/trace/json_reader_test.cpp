// JSON document reader (docs/spec.md §4.1): the same events as JSON Lines, byte-offset positions,
// streaming through a window smaller than the events array, and the errors of a malformed,
// truncated or over-long document ("FILE:byte N: message").
#include <catch2/catch.hpp>

#include "trace/header.hpp"
#include "trace/input_buffer.hpp"
#include "trace/readers.hpp"
#include "trace_test_support.hpp"

using memsim::test::read_all;
using memsim::test::TempDir;

namespace {

const std::vector<std::string> kEvents = {
    R"({"op":"alloc","id":17,"order":0,"mt":"movable"})",
    R"({"op":"alloc","id":18,"order":3,"mt":1,"cpu":2,"t":12.345678,"cold":true})",
    R"({"op":"mark","label":"phase ] } \" [ {"})",
    R"({"op":"split","id":18})",
    R"({"op":"free","id":17,"order":0,"t":13})",
    R"({"op":"free","id":18,"cold":true,"unknown":[{"a":"}"}]})",
};

const std::string kHeaderKeys =
    R"("memsim_trace":1,"zone":{"memory":"16MiB","cpus":4},"meta":{"a":["]","}"]},)"
    R"("preallocated":[{"pfn":0,"order":1,"mt":"unmovable","id":5}])";

std::string jsonl_trace() {
  std::string out = "{" + kHeaderKeys + "}\n";
  for (const std::string& event : kEvents) out += event + "\n";
  return out;
}

std::string pretty_document() {
  std::string out = "\n{\n  " + kHeaderKeys + ",\n  \"events\" :\t[\r\n";
  for (std::size_t i = 0; i < kEvents.size(); ++i)
    out += "    " + kEvents[i] + (i + 1 < kEvents.size() ? ",\n" : "\n");
  return out + "  ]\n}\n";
}

std::string compact_document() {
  std::string out = "{" + kHeaderKeys + ",\"events\":[";
  for (std::size_t i = 0; i < kEvents.size(); ++i) out += (i > 0 ? "," : "") + kEvents[i];
  return out + "]}";
}

std::string document_with(const std::string& events, const std::string& after = "") {
  return R"({"memsim_trace":1,"events":[)" + events + "]" + after + "}";
}

} // namespace

TEST_CASE("The JSON document form gives the same header and events as JSON Lines") {
  TempDir dir;
  const std::string jsonl = dir.write("t.jsonl", jsonl_trace());
  const auto expected = read_all(jsonl, false);
  const auto jsonl_reader = memsim::open_trace(jsonl);
  REQUIRE(expected.size() == kEvents.size());
  for (const std::string& content : {pretty_document(), compact_document()}) {
    const std::string path = dir.write("t.json", content);
    INFO(content);
    CHECK(read_all(path, false) == expected);
    const auto reader = memsim::open_trace(path);
    CHECK(reader->header().zone == jsonl_reader->header().zone);
    CHECK(reader->header().meta == jsonl_reader->header().meta);
    REQUIRE(reader->header().preallocated.size() == 1);
    CHECK(reader->header().preallocated[0].id == std::optional<std::uint64_t>(5));
    CHECK(memsim::count_trace_events(path) == kEvents.size());
  }
}

TEST_CASE("Document positions are the byte offsets of each event's first byte") {
  TempDir dir;
  const std::string content =
      R"({"memsim_trace":1,"events":[{"op":"free","id":1}, {"op":"free","id":2}]})";
  const std::string path = dir.write("t.json", content);
  const auto reader = memsim::open_trace(path);
  memsim::Event event;
  REQUIRE(reader->next(event));
  CHECK(event.pos == content.find(R"({"op":"free","id":1})"));
  REQUIRE(reader->next(event));
  CHECK(event.pos == content.find(R"({"op":"free","id":2})"));
  CHECK(reader->where(event.pos) == fmt::format("{}:byte {}", path, event.pos));
  CHECK_FALSE(reader->next(event));
  CHECK_FALSE(reader->next(event));
}

TEST_CASE("An empty events array and unknown keys around it are accepted") {
  TempDir dir;
  CHECK(read_all(dir.write("a.json", document_with(""))).empty());
  CHECK(read_all(dir.write("b.json", R"({"x":{"events":[1]},"memsim_trace":1,"events":[],)"
                                     R"("after":[{"op":"bogus"}]} )"
                                     "\n\n"))
            .empty());
  CHECK(memsim::count_trace_events(dir.path("b.json")) == 0);
}

TEST_CASE("Malformed events of a document are reported at their byte offset") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"op":"foo","id":1})", R"(unknown op "foo")"},
      {R"({"op":"alloc","id":1,"order":0})", R"(alloc without "mt")"},
      {R"({"op":"free","id":-1})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"free","id":18446744073709551616})", R"("id" must be an unsigned 64-bit integer)"},
      {R"({"op":"alloc","id":1,"order":64,"mt":"movable"})", R"("order" out of range: 64 (0..63))"},
      {R"({"op":"alloc","id":1,"order":0,"mt":"huge"})", R"(unknown migratetype "huge")"},
      {R"({"op":"free","id":1,"cpu":-1})", R"("cpu" must be an integer in 0..4294967295)"},
      {R"({"op":"free","id":1,"t":true})", R"("t" must be a number)"},
      {R"({"op":"free","id":1,"cold":"yes"})", R"("cold" must be true or false)"},
      {R"({"op":"mark","label":null})", R"("label" must be a string)"},
      {R"({"op":"free","id":1,})", "invalid JSON"},
      {"{\"op\":\"free\",\"id\":1,\"x\":\"\xfe\"}", "invalid JSON: The input is not valid UTF-8"},
      {R"([{"op":"free","id":1}])", "event is not a JSON object (found an array)"},
      {R"(12)", "event is not a JSON object (found a number)"},
      {R"(nul)", "invalid JSON"},
  };
  TempDir dir;
  for (const auto& [event, message] : cases) {
    const std::string before = R"({"op":"free","id":5}, )";
    const std::string content = document_with(before + event);
    const std::string path = dir.write("bad.json", content);
    INFO(event);
    REQUIRE_THROWS_WITH(read_all(path), Catch::StartsWith(fmt::format(
                                            "{}:byte {}: {}", path,
                                            content.find(before) + before.size(), message)));
  }
}

TEST_CASE("A malformed document structure is reported at the offending byte") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"events":[]})", R"(:byte 0: not a memsim trace: the header has no "memsim_trace": 1)"},
      {R"({"memsim_trace":2,"events":[]})",
       R"(:byte 16: unsupported trace version 2 ("memsim_trace" must be 1))"},
      {"{\"memsim_trace\":1,\n\"zone\":{}}", R"(:byte 28: the trace has no "events")"},
      {R"({"memsim_trace":1,"events":{}})", R"(:byte 27: "events" must be an array)"},
      {R"({"memsim_trace":1,"events":[],"zone":{}})",
       R"(:byte 30: header key "zone" after "events" (header keys must come before the events))"},
      {R"({"memsim_trace":1,"events":[],"events":[]})", R"(:byte 30: a second "events")"},
      {R"({"memsim_trace":1,"events":[{"op":"free","id":1},]})",
       R"(:byte 49: invalid JSON: trailing ',')"},
      {R"({"memsim_trace":1,"events":[{"op":"free","id":1} {"op":"free","id":2}]})",
       R"(:byte 49: expected ',' or ']' after an event, found '{')"},
      {R"({"memsim_trace":1,"events":[{"op":"free","id":[1}]})",
       R"(:byte 48: invalid JSON: mismatched '}')"},
      {R"({"memsim_trace":1,"events":[]} x)", ":byte 31: trailing data after the JSON document"},
      {R"({"memsim_trace":1,"events":[]}{})", ":byte 30: trailing data after the JSON document"},
      {R"({"memsim_trace":1 "events":[]})", R"(:byte 18: expected ',' or '}', found '"')"},
      {R"({"memsim_trace":1,"zone":[],"events":[]})", R"(:byte 25: "zone" must be an object)"},
      {R"({"memsim_trace":1,"meta":{"a":1,},"events":[]})", ":byte 25: invalid JSON"},
      {R"({memsim_trace:1,"events":[]})", ":byte 1: expected a key (a string), found 'm'"},
      {R"([{"memsim_trace":1}])",
       ":byte 0: expected '{' (a memsim trace is a JSON object), found '['"},
      {"{\"memsim_trace\":1,\"events\":[\x01]}", ":byte 28: invalid JSON"},
  };
  TempDir dir;
  for (const auto& [content, message] : cases) {
    const std::string path = dir.write("bad.json", content);
    INFO(content);
    REQUIRE_THROWS_WITH(read_all(path), Catch::StartsWith(path + message));
  }
}

TEST_CASE("Every truncation of a document is an error naming a byte offset") {
  TempDir dir;
  const std::string content = compact_document();
  const std::string path = dir.path("cut.json");
  for (std::size_t len = 1; len < content.size(); ++len) {
    dir.write("cut.json", content.substr(0, len));
    INFO(content.substr(0, len));
    REQUIRE_THROWS_WITH(read_all(path), Catch::StartsWith(path + ":byte "));
  }
  dir.write("cut.json", content.substr(0, content.find("\"events\"") + 12));
  REQUIRE_THROWS_WITH(read_all(path), Catch::Contains("unexpected end of input"));
}

TEST_CASE("A document of 200,000 events streams through a window smaller than its events") {
  TempDir dir;
  const int events = 200000;
  std::string content = "{\"memsim_trace\": 1, \"meta\": {}, \"events\": [\n";
  for (int i = 0; i < events; ++i)
    content += fmt::format(R"(  {{"op": "alloc", "id": {}, "order": {}, "mt": "movable"}}{})", i,
                           i % 10, i + 1 < events ? ",\n" : "\n");
  content += "]}\n";
  const std::string path = dir.write("big.json", content);
  REQUIRE(content.size() > (std::size_t{8} << 20));

  // A 64 KiB window: were the reader to hold the events array, the window would have to grow.
  auto buffer = std::make_unique<memsim::trace::InputBuffer>(memsim::trace::open_input(path),
                                                             std::size_t{64} << 10);
  const memsim::trace::InputBuffer& window = *buffer;
  buffer->refill(0);
  memsim::trace::JsonScanner scanner(*buffer, 0, path);
  memsim::trace::HeaderScan scan = memsim::trace::scan_header(scanner, 1, path);
  REQUIRE(scan.document);
  const auto reader = memsim::trace::make_document_reader(std::move(buffer), std::move(scanner),
                                                          std::move(scan.header), path);
  memsim::Event event;
  std::uint64_t count = 0;
  std::uint64_t last_pos = 0;
  while (reader->next(event)) {
    REQUIRE(event.id == count);
    REQUIRE(event.pos > last_pos);
    last_pos = event.pos;
    ++count;
  }
  CHECK(count == static_cast<std::uint64_t>(events));
  CHECK(window.capacity() == (std::size_t{64} << 10));
  CHECK(memsim::count_trace_events(path) == static_cast<std::uint64_t>(events));
}
