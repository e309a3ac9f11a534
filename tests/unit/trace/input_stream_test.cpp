// Compressed traces (docs/spec.md §4, §6): gzip, zstd and xz are recognised by their magic bytes,
// read to the end across members, frames and streams, and a corrupt or truncated file is an error
// that names the format. Unopenable and empty files are errors naming the file.
#include <catch2/catch.hpp>

#include <functional>

#include "trace_test_support.hpp"

using memsim::test::read_all;
using memsim::test::TempDir;

namespace {

using Compressor = std::function<std::string(const std::string&)>;

struct Format {
  const char* name;
  Compressor compress;
};

const std::vector<Format>& formats() {
  static const std::vector<Format> all = {{"gzip", memsim::test::gzip_compress},
                                          {"zstd", memsim::test::zstd_compress},
                                          {"xz", memsim::test::xz_compress}};
  return all;
}

std::string jsonl_trace(int events) {
  std::string out = R"({"memsim_trace":1,"zone":{"memory":"64MiB"}})"
                    "\n";
  for (int i = 0; i < events; ++i)
    out += fmt::format(R"({{"op":"alloc","id":{},"order":{},"mt":"unmovable","cpu":{}}})"
                       "\n",
                       i, i % 4, i % 3);
  return out;
}

std::string document_trace(int events) {
  std::string out = R"({"memsim_trace":1,"zone":{"memory":"64MiB"},"events":[)";
  for (int i = 0; i < events; ++i)
    out += fmt::format(R"({}{{"op":"free","id":{},"t":{}.5}})", i > 0 ? "," : "", i, i);
  return out + "]}";
}

} // namespace

TEST_CASE("gzip, zstd and xz traces give the same events as the plain trace, in both forms") {
  TempDir dir;
  for (const std::string& content : {jsonl_trace(1000), document_trace(1000)}) {
    const auto expected = read_all(dir.write("plain", content));
    REQUIRE(expected.size() == 1000);
    for (const Format& format : formats()) {
      INFO(format.name);
      const std::string path = dir.write("packed.trace", format.compress(content));
      CHECK(read_all(path) == expected);
      CHECK(memsim::count_trace_events(path) == 1000);
    }
  }
}

TEST_CASE("Multi-member gzip, multi-frame zstd and concatenated xz streams are read to the end") {
  TempDir dir;
  const std::string content = jsonl_trace(500);
  const auto expected = read_all(dir.write("plain", content));
  const std::size_t cut = content.size() / 3 + 7; // inside a line
  for (const Format& format : formats()) {
    INFO(format.name);
    const std::string packed = format.compress(content.substr(0, cut)) +
                               format.compress(content.substr(cut, 1000)) +
                               format.compress(content.substr(cut + 1000));
    CHECK(read_all(dir.write("packed", packed)) == expected);
  }
}

TEST_CASE("A compressed trace larger than the decompression queue is read whole") {
  TempDir dir;
  const std::string content = jsonl_trace(450000); // about 28 MiB: many blocks and windows
  REQUIRE(content.size() > (std::size_t{26} << 20));
  const std::string path = dir.write("big.zst", memsim::test::zstd_compress(content));
  const auto reader = memsim::open_trace(path);
  memsim::Event event;
  std::uint64_t count = 0;
  while (reader->next(event)) {
    REQUIRE(event.id == count);
    REQUIRE(event.pos == count + 2);
    ++count;
  }
  CHECK(count == 450000);
}

TEST_CASE("Closing a reader early stops its decompression thread") {
  TempDir dir;
  const std::string path = dir.write("big.gz", memsim::test::gzip_compress(jsonl_trace(400000)));
  for (int i = 0; i < 3; ++i) {
    const auto reader = memsim::open_trace(path);
    memsim::Event event;
    REQUIRE(reader->next(event));
  } // the destructor must join the producer, not hang or crash
}

TEST_CASE("A truncated compressed trace is an error naming the format") {
  TempDir dir;
  const std::string content = jsonl_trace(2000);
  for (const Format& format : formats()) {
    INFO(format.name);
    const std::string packed = format.compress(content);
    const std::string path = dir.write("cut", packed.substr(0, packed.size() / 2));
    REQUIRE_THROWS_WITH(read_all(path),
                        Catch::StartsWith(path + ": corrupt " + format.name + " data: "));
    const std::string tiny = dir.write("tiny", packed.substr(0, 6));
    REQUIRE_THROWS_WITH(read_all(tiny),
                        Catch::StartsWith(tiny + ": corrupt " + format.name + " data: "));
  }
}

TEST_CASE("A corrupt compressed trace is an error naming the format") {
  TempDir dir;
  const std::string content = jsonl_trace(2000);
  for (const Format& format : formats()) {
    INFO(format.name);
    const std::string garbage_after = format.compress(content) + "garbage after the data";
    const std::string path = dir.write("bad", garbage_after);
    REQUIRE_THROWS_WITH(read_all(path),
                        Catch::StartsWith(path + ": corrupt " + format.name + " data: "));
  }
  std::string flipped = memsim::test::gzip_compress(content);
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x55);
  const std::string path = dir.write("flipped.gz", flipped);
  REQUIRE_THROWS_WITH(read_all(path), Catch::StartsWith(path + ": corrupt gzip data: "));
}

TEST_CASE("A file that cannot be opened or holds nothing is an error naming it") {
  TempDir dir;
  const std::string missing = dir.path("missing.jsonl");
  REQUIRE_THROWS_WITH(memsim::open_trace(missing),
                      Catch::Equals(missing + ": cannot open: No such file or directory"));
  REQUIRE_THROWS_WITH(memsim::count_trace_events(missing),
                      Catch::Equals(missing + ": cannot open: No such file or directory"));
  const std::string directory = dir.path("");
  REQUIRE_THROWS_WITH(memsim::open_trace(directory),
                      Catch::Equals(directory + ": cannot open: Is a directory"));
  for (const std::string content : {"", " \n\r\n\t"}) {
    const std::string empty = dir.write("empty", content);
    REQUIRE_THROWS_WITH(memsim::open_trace(empty),
                        Catch::Equals(empty + ": empty trace (no memsim header)"));
  }
  const std::string empty_gz = dir.write("empty.gz", memsim::test::gzip_compress(""));
  REQUIRE_THROWS_WITH(memsim::open_trace(empty_gz),
                      Catch::Equals(empty_gz + ": empty trace (no memsim header)"));
}
