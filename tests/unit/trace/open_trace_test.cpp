// open_trace() and friends: the format is told by content, count_trace_events() counts what
// the readers deliver, the memory reader replays a vector, and no input makes a reader crash.
#include <catch2/catch.hpp>

#include <random>

#include "trace_test_support.hpp"

using memsim::test::read_all;
using memsim::test::TempDir;

TEST_CASE("The format is told by content, not by the file name") {
  TempDir dir;
  const std::string one_line_document =
      R"({"memsim_trace":1,"events":[{"op":"free","id":1},{"op":"free","id":2}]})";
  const std::string jsonl =
      "{\"memsim_trace\":1}\n{\"op\":\"free\",\"id\":1}\n{\"op\":\"free\",\"id\":2}\n";
  const auto from_document = read_all(dir.write("trace.jsonl", one_line_document));
  const auto from_jsonl = read_all(dir.write("trace.json", jsonl));
  REQUIRE(from_document.size() == 2);
  CHECK(from_document[0].ends_with("pos=28")); // a byte offset: the document form
  CHECK(from_jsonl[0].ends_with("pos=2"));     // a line: JSON Lines
  CHECK(memsim::open_trace(dir.path("trace.jsonl"))->where(28) ==
        dir.path("trace.jsonl") + ":byte 28");
  CHECK(memsim::open_trace(dir.path("trace.json"))->where(2) == dir.path("trace.json") + ":2");
}

TEST_CASE("Counting events agrees with reading them, in both forms") {
  TempDir dir;
  std::string jsonl = "{\"memsim_trace\":1}\n";
  std::string document = R"({"memsim_trace":1,"events":[)";
  for (int i = 0; i < 12345; ++i) {
    const std::string event = fmt::format(R"({{"op":"free","id":{}}})", i);
    jsonl += event + (i % 100 == 0 ? "\n\n" : "\n");
    document += (i > 0 ? ",\n" : "") + event;
  }
  document += "]}";
  for (const std::string& content : {jsonl, document}) {
    const std::string path = dir.write("t", content);
    CHECK(memsim::count_trace_events(path) == read_all(path).size());
    CHECK(memsim::count_trace_events(path) == 12345);
  }
}

TEST_CASE("Counting the events of standard input is refused") {
  REQUIRE_THROWS_AS(memsim::count_trace_events("-"), memsim::InternalError);
}

TEST_CASE("The memory reader replays its events and names positions after its name") {
  memsim::TraceHeader header;
  header.meta = {{"source", "test"}};
  memsim::Event alloc;
  alloc.id = 3;
  alloc.pos = 1;
  memsim::Event mark;
  mark.op = memsim::EventOp::mark;
  mark.label = "here";
  mark.pos = 2;
  const auto reader = memsim::make_memory_reader(header, {alloc, mark}, "gen");
  CHECK(reader->header().meta["source"] == "test");
  memsim::Event event;
  REQUIRE(reader->next(event));
  CHECK(event.id == 3);
  REQUIRE(reader->next(event));
  CHECK(event.label == "here");
  CHECK_FALSE(reader->next(event));
  CHECK(reader->where(2) == "gen:2");
  CHECK(memsim::make_memory_reader({}, {})->where(7) == "<memory>:7");
}

TEST_CASE("Random damage to a trace gives an InputError or events, never a crash") {
  TempDir dir;
  const std::string jsonl =
      "{\"memsim_trace\":1,\"zone\":{\"memory\":\"16MiB\"},\"preallocated\":[{\"pfn\":0,"
      "\"order\":1,\"mt\":0}]}\n{\"op\":\"alloc\",\"id\":1,\"order\":0,\"mt\":\"movable\","
      "\"cpu\":1,\"t\":1.5,\"cold\":true}\n\n{\"op\":\"mark\",\"label\":\"\\u00e9\\\"x\"}\r\n"
      "{\"op\":\"split\",\"id\":1}\n{\"op\":\"free\",\"id\":1,\"order\":0}\n";
  const std::string document =
      "{\"memsim_trace\":1,\"meta\":{\"a\":[1,{\"b\":\"]\"}]},\"events\":[{\"op\":\"alloc\","
      "\"id\":1,\"order\":0,\"mt\":2},{\"op\":\"mark\",\"label\":\"}\\\\\"},{\"op\":\"free\","
      "\"id\":1}],\"tail\":null}";
  static constexpr char kBytes[] = "{}[]\",:\\\n\r 0123456789.-eE\0\x80\xff\xc3 truefalsnul";
  const std::string bytes(kBytes, sizeof kBytes - 1); // the NUL inside included
  std::mt19937 random(12345);
  const std::string path = dir.path("fuzz");
  for (int round = 0; round < 3000; ++round) {
    std::string content = round % 2 == 0 ? jsonl : document;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % (content.size() + 1);
      const char byte = bytes[random() % bytes.size()];
      switch (random() % 3) {
      case 0:
        content.insert(at, 1, byte);
        break;
      case 1:
        if (at < content.size()) content.erase(at, 1);
        break;
      default:
        if (at < content.size()) content[at] = byte;
        break;
      }
    }
    if (round % 10 == 0) content = memsim::test::gzip_compress(content).substr(0, random() % 200);
    dir.write("fuzz", content);
    INFO(content);
    try {
      read_all(path);
      memsim::count_trace_events(path);
    } catch (const memsim::InputError& e) {
      const std::string message = e.what();
      REQUIRE(message.starts_with(path + ":"));
      REQUIRE(message.find('\n') == std::string::npos);
    }
  }
}
