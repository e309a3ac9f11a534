// Runs the memsim binary for end-to-end tests: arguments are quoted for the shell, stdout and
// stderr are captured through temporary files, and the exit status is decoded.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace memsim::test {

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (const char c : arg) {
    if (c == '\'') {
      quoted.append("'\\''");
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

// A fresh directory under the system temp dir, removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "memsim-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
  // Writes `text` to a file of the directory; its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
};

// Writes `text` to `path` (created or replaced).
inline void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// One line of text ending in a newline: the shape of memsim's error messages.
inline bool one_line(const std::string& text) {
  return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

// Runs MEMSIM_BINARY with `args`; `stdin_file` (if any) is its standard input.
inline CommandResult run_memsim(const std::vector<std::string>& args,
                                const std::string& stdin_file = "/dev/null") {
  TempDir dir;
  std::ostringstream command;
  command << shell_quote(MEMSIM_BINARY);
  for (const std::string& arg : args) command << ' ' << shell_quote(arg);
  command << " <" << shell_quote(stdin_file) << " >" << shell_quote((dir / "out").string()) << " 2>"
          << shell_quote((dir / "err").string());
  const int raw = std::system(command.str().c_str());
  CommandResult result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.out = slurp(dir / "out");
  result.err = slurp(dir / "err");
  return result;
}

// MEMSIM_SOURCE_DIR/relative, appended in place: GCC 12 -O2 misreports a chain of std::string
// operator+ on a temporary as overflowing (GCC bug 105651).
inline std::string source_path(const std::string& relative) {
  std::string path = MEMSIM_SOURCE_DIR;
  path += '/';
  path += relative;
  return path;
}

} // namespace memsim::test
