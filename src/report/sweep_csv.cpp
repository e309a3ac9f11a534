// The merged table of a sweep as CSV (report/sweep_csv.hpp): a header line, then one line per
// run of the SweepTable.
#include "report/sweep_csv.hpp"

namespace memsim {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_sweep_csv(std::ostream& out, const SweepTable& table) {
  out << "run";
  for (const SweepParameter& p : table.parameters) out << ',' << csv_field(p.name);
  for (const std::string& m : table.metrics) out << ',' << csv_field(m);
  out << '\n';
  for (const SweepRow& row : table.rows) {
    out << row.run;
    for (std::size_t p = 0; p < table.parameters.size(); ++p)
      out << ',' << csv_field(table.parameters[p].values[row.levels[p]]);
    for (const nlohmann::json& cell : row.cells) out << ',' << (cell.is_null() ? "" : cell.dump());
    out << '\n';
  }
}

} // namespace memsim
