// Reading the CSV memsim writes (RFC 4180: quoted fields, doubled quotes), one line at a time,
// for the tests that compare exported tables and timelines with the stats document.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace memsim::test {

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// Every line of `text` split into fields: the header row first.
inline std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(split_csv_line(line));
  return rows;
}

} // namespace memsim::test
