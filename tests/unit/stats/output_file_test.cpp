// Unit tests of atomic output (src/report/output_file.cpp): a commit renames the temporary file
// over the path, no commit leaves nothing, write errors (/dev/full) and paths that cannot be
// created throw InputError naming the path, and the SIGINT clean-up removes temporaries.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "memsim/error.hpp"
#include "report/output_file.hpp"

namespace fs = std::filesystem;
using memsim::OutputFile;

namespace {

// A fresh directory under the system temporary directory, removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("memsim_output_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

// Points standard output (fd 1) at `path` for the lifetime of the object.
struct RedirectStdout {
  int saved;
  explicit RedirectStdout(const char* path) {
    std::cout.flush();
    saved = ::dup(STDOUT_FILENO);
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::close(fd);
  }
  ~RedirectStdout() {
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
  }
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("An output appears under its name only when committed") {
  ScratchDir dir;
  const fs::path target = dir.path / "stats.json";
  {
    OutputFile out(target.string());
    out.stream() << "{\"memsim_stats\": 1}\n";
    CHECK_FALSE(fs::exists(target));
    CHECK(dir.entries() == 1); // the temporary file
    out.commit();
    CHECK(fs::exists(target));
  }
  CHECK(read_all(target) == "{\"memsim_stats\": 1}\n");
  CHECK(dir.entries() == 1);
}

TEST_CASE("An output that is never committed leaves nothing behind") {
  ScratchDir dir;
  const fs::path target = dir.path / "stats.json";
  {
    OutputFile out(target.string());
    out.stream() << std::string(3 << 20, 'x'); // past the buffer: bytes reach the disk
  }
  CHECK(dir.entries() == 0);
}

TEST_CASE("An uncommitted output does not touch an existing file of the same name") {
  ScratchDir dir;
  const fs::path target = dir.path / "stats.json";
  std::ofstream(target) << "old";
  {
    OutputFile out(target.string());
    out.stream() << "new";
  }
  CHECK(read_all(target) == "old");
  {
    OutputFile out(target.string());
    out.stream() << "new";
    out.commit();
  }
  CHECK(read_all(target) == "new");
  CHECK(dir.entries() == 1);
}

TEST_CASE("A large output is written whole through the buffer") {
  ScratchDir dir;
  const fs::path target = dir.path / "big.jsonl";
  OutputFile out(target.string());
  for (int i = 0; i < 200000; ++i) out.stream() << "{\"i\":" << i << "}\n";
  out.commit();
  std::ifstream in(target);
  std::string line;
  std::string last;
  int lines = 0;
  for (; std::getline(in, line); ++lines) last = line;
  CHECK(lines == 200000);
  CHECK(last == "{\"i\":199999}");
}

TEST_CASE("A path in a missing directory cannot be written and says why") {
  CHECK_THROWS_WITH(OutputFile("/nonexistent-memsim-dir/stats.json"),
                    "/nonexistent-memsim-dir/stats.json: cannot write: No such file or directory");
}

TEST_CASE("A directory as output path is an error, not a rename over it") {
  ScratchDir dir;
  CHECK_THROWS_WITH(OutputFile(dir.path.string()),
                    dir.path.string() + ": cannot write: Is a directory");
}

TEST_CASE("A full disk is reported when the output is committed") {
  if (!fs::is_character_file("/dev/full")) return;
  OutputFile out("/dev/full"); // a device is written in place, never renamed over
  out.stream() << "{\"memsim_stats\": 1}\n";
  CHECK_THROWS_AS(out.commit(), memsim::InputError);
  CHECK_THROWS_WITH(out.commit(), "/dev/full: cannot write: No space left on device");
  CHECK(fs::is_character_file("/dev/full"));
}

TEST_CASE("A device such as /dev/null is written in place") {
  OutputFile out("/dev/null");
  out.stream() << "discarded";
  CHECK_NOTHROW(out.commit());
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("The interrupt clean-up removes every uncommitted temporary file") {
  ScratchDir dir;
  OutputFile first((dir.path / "a.json").string());
  OutputFile second((dir.path / "b.json").string());
  first.stream() << "a";
  second.stream() << "b";
  CHECK(dir.entries() == 2);
  memsim::remove_uncommitted_outputs();
  CHECK(dir.entries() == 0);
}

TEST_CASE("A committed output is no longer removed by the interrupt clean-up") {
  ScratchDir dir;
  OutputFile out((dir.path / "a.json").string());
  out.stream() << "a";
  out.commit();
  memsim::remove_uncommitted_outputs();
  CHECK(read_all(dir.path / "a.json") == "a");
}

TEST_CASE("The path - writes to standard output when committed") {
  ScratchDir dir;
  const fs::path captured = dir.path / "stdout.txt";
  {
    RedirectStdout redirect(captured.c_str());
    OutputFile out("-");
    out.stream() << "{\"memsim_compare\": 1}\n";
    out.commit();
  }
  CHECK(read_all(captured) == "{\"memsim_compare\": 1}\n");
}

TEST_CASE("A full disk behind standard output is reported with its reason") {
  if (!fs::is_character_file("/dev/full")) return;
  std::string message;
  {
    RedirectStdout redirect("/dev/full");
    OutputFile out("-");
    out.stream() << "data";
    try {
      out.commit();
    } catch (const memsim::InputError& error) {
      message = error.what();
    }
  }
  CHECK(message == "standard output: cannot write: No space left on device");
}
