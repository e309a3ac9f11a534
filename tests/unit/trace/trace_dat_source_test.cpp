// trace.dat files (trace_dat_source.hpp), on the real 6.18 recording of traces/kmem-6.18: the
// text memsim makes of them is `trace-cmd report`'s, field for field, for the v7 (zstd) file and
// its v6 conversion (itself xz-compressed, so spooled to a file libtracecmd can seek in); files
// that are not readable are one-line errors.
#include <catch2/catch.hpp>

#include <sstream>

#include "trace/input_stream.hpp"
#include "trace_test_support.hpp"

using memsim::test::TempDir;

namespace {

const std::string kFixtures = memsim::test::source_file("traces/kmem-6.18/");

std::string text_of(const std::string& path) {
  auto input = memsim::trace::open_input(path);
  std::string text;
  char buf[1 << 16];
  for (std::size_t n; (n = input->read(buf, sizeof buf)) > 0;) text.append(buf, n);
  return text;
}

// The lines after the first (trace-cmd report's "cpus=N", memsim's "# trace.dat ..."), each
// with its runs of blanks made one (trace-cmd pads the event name to a column).
std::vector<std::string> event_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::string squeezed;
    for (const char c : line)
      if (c != ' ' || (!squeezed.empty() && squeezed.back() != ' ')) squeezed += c;
    lines.push_back(squeezed);
  }
  return lines;
}

} // namespace

TEST_CASE("A trace.dat reads as the text trace-cmd report prints of it, field for field",
          "[trace][trace-dat]") {
  const std::string text = text_of(kFixtures + "trace.dat");
  CHECK_THAT(text, Catch::StartsWith("# trace.dat version 7, 2 CPUs\n"));
  const auto lines = event_lines(text);
  const auto report = event_lines(text_of(kFixtures + "trace-cmd-report.txt.xz"));
  REQUIRE(report.size() == 5507);
  REQUIRE(lines.size() == report.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("line " << i + 2);
    REQUIRE(lines[i] == report[i]);
  }
}

TEST_CASE("A version 6 trace.dat, compressed with xz, reads as its version 7 original",
          "[trace][trace-dat]") {
  const std::string v6 = text_of(kFixtures + "trace-v6.dat.xz");
  CHECK_THAT(v6, Catch::StartsWith("# trace.dat version 6, 2 CPUs\n"));
  CHECK(event_lines(v6) == event_lines(text_of(kFixtures + "trace.dat")));
}

TEST_CASE("A file with trace.dat's magic that libtracecmd cannot read is a one-line error",
          "[trace][trace-dat]") {
  TempDir dir;
  const std::string magic = "\x17\x08\x44tracing";
  for (const std::string& bytes : {magic, magic + "6\0garbage garbage garbage"}) {
    const std::string path = dir.write("bad.dat", bytes);
    CHECK_THROWS_WITH(text_of(path), path + ": not a readable trace.dat file (libtracecmd "
                                            "cannot open it)");
    CHECK_THROWS_AS(memsim::open_trace(path), memsim::InputError);
  }
  // Cut inside its data: an error or fewer events, never more, never a crash.
  std::ifstream in(kFixtures + "trace.dat", std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t full = event_lines(text_of(kFixtures + "trace.dat")).size();
  for (const std::size_t cut : {whole.size() / 4, whole.size() / 2, whole.size() - 100}) {
    const std::string path = dir.write("cut.dat", whole.substr(0, cut));
    std::size_t lines = 0;
    std::string error;
    try {
      lines = event_lines(text_of(path)).size();
    } catch (const memsim::InputError& e) {
      error = e.what();
    }
    if (error.empty())
      CHECK(lines <= full);
    else
      CHECK_THAT(error, Catch::StartsWith(path + ": "));
  }
}
