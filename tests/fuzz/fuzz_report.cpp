// libFuzzer target: what `memsim report` reads and draws (src/report/report_input.cpp and the
// page's writers). The input is a stats or compare document; every document that reads without
// an InputError is drawn: the page, the standalone figures and tables of --export (in memory)
// and the mixed-input check. A crash, a hang or a sanitizer report is a finding. Seeds:
// corpus/fuzz_report (stats and compare documents of the golden traces, cut down; one with the
// docs/spec.md §9 sections and --probe answers in its timeline).
#include <nlohmann/json.hpp>
#include <sstream>

#include "memsim/error.hpp"
#include "report/html_report.hpp"
#include "report/report_export.hpp"
#include "report/report_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::ordered_json document =
      nlohmann::ordered_json::parse(data, data + size, nullptr, false);
  if (document.is_discarded()) return 0;
  std::vector<memsim::ReportRun> runs;
  try {
    runs = memsim::read_report_runs(document, "fuzz.json");
  } catch (const memsim::InputError&) {
    return 0;
  }
  std::ostringstream page;
  memsim::write_html_report(page, runs);
  if (page.str().rfind("<!DOCTYPE html>", 0) != 0) std::abort();
  (void)memsim::export_file_names(runs);
  (void)memsim::mixed_inputs(runs);
  return 0;
}
