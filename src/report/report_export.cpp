// The files of report/report_export.hpp. A standalone SVG carries the page's SVG styles in a
// <style> element of its own and an XML declaration; everything is drawn by the same functions
// as the page, so the files and the page show the same numbers.
#include "report/report_export.hpp"

#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "report/memory_map.hpp"
#include "report/output_file.hpp"
#include "report/report_tables.hpp"
#include "report/timeline_charts.hpp"
#include "report/timeline_csv.hpp"

namespace memsim {
namespace {

constexpr const char* kSvgStyle =
    "<style>text{font:11px system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;fill:#444}"
    ".chart-title{font-size:13px;font-weight:600;fill:#222}.mark-label{font-size:10.5px;"
    "fill:#333}.mark-number{font-size:9px;fill:#777}.row-label{font-size:10px}.pfn{fill:#888}"
    ".axis{fill:#555}</style>";

// The SVG with a white background and its styles, as a file of its own.
std::string standalone(const std::string& svg) {
  const std::size_t open_end = svg.find('>');
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg.substr(0, open_end + 1) + kSvgStyle +
         R"(<rect width="100%" height="100%" fill="#fff"/>)" + svg.substr(open_end + 1) + "\n";
}

struct ExportFile {
  std::string name;
  std::string text;
};

std::vector<ExportFile> export_files(const std::vector<ReportRun>& runs) {
  std::vector<ExportFile> files;
  const std::string strip = marks_strip_svg(runs);
  if (!strip.empty()) files.push_back({"marks.svg", standalone(strip)});
  for (const ChartSpec& spec : timeline_chart_specs(runs))
    files.push_back({spec.id + ".svg", standalone(line_chart_svg(spec))});
  const MapLayout layout = memory_map_layout(runs);
  for (std::size_t i = 0; i < runs.size(); ++i)
    files.push_back({fmt::format("memory-map-{}.svg", i + 1),
                     standalone(memory_map_svg(runs[i], i, layout, true))});
  for (const ReportTable& table : report_tables(runs)) {
    std::ostringstream csv;
    write_table_csv(csv, table);
    files.push_back({"table-" + table.name + ".csv", csv.str()});
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::ostringstream csv;
    write_timeline_csv(csv, runs[i].timeline);
    files.push_back({fmt::format("timeline-{}.csv", i + 1), csv.str()});
  }
  return files;
}

} // namespace

std::vector<std::string> export_file_names(const std::vector<ReportRun>& runs) {
  std::vector<std::string> names;
  for (const ExportFile& file : export_files(runs)) names.push_back(file.name);
  return names;
}

void export_report(const std::string& dir, const std::vector<ReportRun>& runs) {
  const std::vector<ExportFile> files = export_files(runs);
  OutputDir folder(dir);
  std::vector<std::unique_ptr<OutputFile>> outputs;
  for (const ExportFile& file : files) {
    outputs.push_back(std::make_unique<OutputFile>(dir + "/" + file.name));
    outputs.back()->stream() << file.text;
  }
  for (const auto& output : outputs) output->finish();
  for (const auto& output : outputs) output->commit();
  folder.commit();
}

} // namespace memsim
