// The provenance block of report/report_provenance.hpp. The runs of one compare document share
// their provenance and are listed together; the trace's meta is shown as its key figures and in
// full (JSON) below them.
#include "report/report_provenance.hpp"

#include <fmt/format.h>

#include "report/html_text.hpp"

namespace memsim {
namespace {

using nlohmann::ordered_json;

std::string item(const std::string& term, const std::string& html) {
  return fmt::format("<dt>{}</dt><dd>{}</dd>", html_escape(term), html);
}

std::string count_of(const ordered_json& meta, const char* key) {
  const auto it = meta.find(key);
  return it != meta.end() && it->is_number_unsigned() ? format_count(it->get<std::uint64_t>())
                                                      : std::string();
}

// "unparsed 12, mm_page_free_batched 3" from {"name": count}.
std::string counts_of(const ordered_json& object) {
  std::string out;
  for (const auto& [name, n] : object.items()) {
    if (!n.is_number_unsigned()) continue;
    out +=
        fmt::format("{}{} {}", out.empty() ? "" : ", ", name, format_count(n.get<std::uint64_t>()));
  }
  return out.empty() ? "none" : out;
}

// The figures of an ftrace reader's meta (docs/spec.md §4.5) that say what was read and skipped.
std::string meta_items(const ordered_json& meta) {
  std::string out;
  const bool snapshot = meta.contains("proc_in");
  for (const auto& [key, term] :
       {std::pair<const char*, const char*>{"lines", "trace lines"},
        {"events", "events converted"},
        {"failed_in_trace", "failed allocations (pfn=0, not replayed)"},
        {"bad_lines", "malformed lines skipped (--skip-bad-lines)"},
        {"unmatched_frees", "frees of pages not allocated in the trace"}}) {
    const std::string n = count_of(meta, key);
    const bool unmatched = std::string_view(key) == "unmatched_frees";
    if (!n.empty())
      out += item(std::string(term) + (unmatched && snapshot ? " (without the snapshot)" : ""), n);
  }
  if (meta.contains("skipped") && meta["skipped"].is_object())
    out += item("lines skipped, by kind", html_escape(counts_of(meta["skipped"])));
  if (meta.contains("unknown_gfp") && meta["unknown_gfp"].is_object())
    out += item("unknown gfp_flags names (read as unmovable)",
                html_escape(counts_of(meta["unknown_gfp"])));
  if (meta.contains("proc_in") && meta["proc_in"].is_object()) {
    const ordered_json& p = meta["proc_in"];
    std::string text;
    if (p.contains("zone") && p["zone"].is_string())
      text += fmt::format("zone {}", p["zone"].get<std::string>());
    if (p.contains("start_pfn") && p["start_pfn"].is_number_unsigned() && p.contains("end_pfn") &&
        p["end_pfn"].is_number_unsigned())
      text += fmt::format(" (pfn {}–{})", format_pfn(p["start_pfn"].get<std::uint64_t>()),
                          format_pfn(p["end_pfn"].get<std::uint64_t>()));
    const std::string blocks = count_of(p, "preallocated_blocks");
    if (!blocks.empty()) text += ", " + blocks + " blocks in use when tracing began";
    const std::string unmatched = count_of(p, "unmatched_frees");
    if (!unmatched.empty()) text += ", " + unmatched + " frees still unmatched with it";
    out += item("snapshot", html_escape(text));
  }
  return out;
}

std::string group_html(const std::vector<const ReportRun*>& group) {
  const ReportRun& run = *group.front();
  std::string names;
  for (const ReportRun* r : group)
    names += (names.empty() ? "" : ", ") + html_escape(display_name(*r));
  std::string out = fmt::format("<h3>{}</h3><dl class=\"provenance\">", names);
  if (!run.provenance) {
    out += item("memsim", html_escape(run.memsim_version));
    out += item("provenance", "not recorded (stats written before memsim recorded it)");
    return out + "</dl>";
  }
  const ReportProvenance& p = *run.provenance;
  out += item("memsim", html_escape(fmt::format("{} (git {})", run.memsim_version, p.revision)));
  out += item("command line", "<code>" + html_escape(shell_command(p.command_line)) + "</code>");
  out += item("trace", fmt::format("<code>{}</code>, {} events", html_escape(run.trace_path),
                                   format_count(run.trace_events)));
  if (run.t_start && run.t_end)
    out += item("trace time",
                html_escape(fmt::format("t = {:.6f} s to {:.6f} s ({:.3f} s)", *run.t_start,
                                        *run.t_end, *run.t_end - *run.t_start)));
  out += item("snapshot directory (--proc-in)",
              p.proc_in ? "<code>" + html_escape(*p.proc_in) + "</code>" : "none");
  out += meta_items(p.trace_meta);
  out += "</dl>";
  const std::string meta = p.trace_meta.dump(1, ' ', false, ordered_json::error_handler_t::replace);
  return out + fmt::format("<details><summary>the trace's meta (JSON)</summary><pre>{}</pre>"
                           "</details>",
                           html_escape(meta));
}

} // namespace

std::string shell_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    const bool plain =
        !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./:=+,@%") == std::string::npos;
    std::string quoted = "'";
    for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += (out.empty() ? "" : " ") + (plain ? arg : quoted + "'");
  }
  return out;
}

std::string provenance_section_html(const std::vector<ReportRun>& runs) {
  std::vector<std::vector<const ReportRun*>> groups;
  for (const ReportRun& run : runs) {
    const auto same = [&](const std::vector<const ReportRun*>& g) {
      const ReportRun& other = *g.front();
      return other.document == run.document &&
             other.provenance.has_value() == run.provenance.has_value() &&
             (!run.provenance || other.provenance->command_line == run.provenance->command_line);
    };
    auto it = std::find_if(groups.begin(), groups.end(), same);
    if (it == groups.end())
      groups.push_back({&run});
    else
      it->push_back(&run);
  }
  std::string out = R"(<section id="provenance"><h2>Provenance</h2>)";
  for (const auto& group : groups) out += group_html(group);
  return out + "</section>";
}

} // namespace memsim
