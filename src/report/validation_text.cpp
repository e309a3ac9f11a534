// Start-state and validation text (validation_text.hpp).
#include "report/validation_text.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

namespace memsim {
namespace {

constexpr int kLabel = 11;

std::string pct(const std::optional<double>& value, bool sign) {
  if (!value) return "n/a";
  return sign ? fmt::format("{:+.2f}%", *value) : fmt::format("{:.2f}%", *value);
}

// "unmovable 113/110 (-3), movable 375/380 (+5)": real/model (model - real).
std::string pageblock_line(const Validation& v) {
  std::string out;
  for (const auto& [mt, diff] : v.pageblocks_diff) {
    const auto real = v.pageblocks_real.find(mt);
    const auto model = v.pageblocks_model.find(mt);
    const std::uint64_t r = real == v.pageblocks_real.end() ? 0 : real->second;
    const std::uint64_t m = model == v.pageblocks_model.end() ? 0 : model->second;
    if (r == 0 && m == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}/{} ({:+})", to_string(mt), r, m, diff);
  }
  return out.empty() ? "none" : out;
}

std::string fallbacks_real(const Validation& v) {
  return v.fallbacks_real ? fmt::format("{}", *v.fallbacks_real) : std::string("n/a");
}

} // namespace

void write_start_state_text(std::ostream& out, const RunStats& stats) {
  const nlohmann::ordered_json& s = stats.start_state;
  if (s.is_null()) return;
  std::string line = fmt::format("{} zone {}, Linux {}", s.value("snapshot", ""),
                                 s.value("zone", ""), s.value("kernel", ""));
  if (s.contains("free_pages"))
    line += fmt::format(", {} free pages", s["free_pages"].get<std::uint64_t>());
  out << fmt::format("{:<{}}{}\n", "start", kLabel, line);
  if (s.contains("buddyinfo_diff"))
    out << fmt::format("{:<{}}buddyinfo diff {}\n", "", kLabel, s["buddyinfo_diff"].dump());
  const auto& e = s["pageblocks_by_evidence"];
  out << fmt::format("{:<{}}pageblocks by trace {}, flags {}, default {}, counts {}: {}\n", "",
                     kLabel, e.value("trace", 0), e.value("flags", 0), e.value("default", 0),
                     e.value("counts", 0), s["pageblocks"].dump());
}

void write_validation_text(std::ostream& out, const RunStats& stats) {
  if (!stats.validation) return;
  const Validation& v = *stats.validation;
  out << fmt::format("\nvalidation against {} (zone {})\n", v.snapshot, v.zone);
  std::string header = fmt::format("{:<{}}", "order", kLabel);
  for (std::size_t k = 0; k < v.buddy_real.size(); ++k) header += fmt::format("{:>8}", k);
  out << header << '\n';
  const auto row = [&](std::string_view name, const auto& values) {
    std::string line = fmt::format("{:<{}}", name, kLabel);
    for (const auto value : values) line += fmt::format("{:>8}", value);
    out << line << '\n';
  };
  row("real", v.buddy_real);
  row("model", v.buddy_model);
  row("diff", v.buddy_diff);
  out << fmt::format("{:<{}}real {}, model {} ({}); Σ 2^k·|Δk| {} of the real free pages\n",
                     "free pages", kLabel, v.free_real, v.free_model, pct(v.free_diff_pct, true),
                     pct(v.l1_pct, false));
  out << fmt::format("{:<{}}real {}, model {}\n", "pcp pages", kLabel, v.pcp_real, v.pcp_model);
  out << fmt::format("{:<{}}real/model: {}\n", "pageblocks", kLabel, pageblock_line(v));
  out << fmt::format("{:<{}}real {}, model {}\n", "fallbacks", kLabel, fallbacks_real(v),
                     v.fallbacks_model);
}

void write_compare_validation_text(std::ostream& out, const std::vector<RunStats>& runs) {
  if (runs.empty() || !runs.front().validation) return;
  out << fmt::format("\nvalidation against {} (zone {})\n", runs.front().validation->snapshot,
                     runs.front().validation->zone);
  std::size_t width = 14;
  for (const RunStats& run : runs) width = std::max(width, run.policy.size() + 2);
  std::string header = fmt::format("{:<22}", "");
  for (const RunStats& run : runs) header += fmt::format("{:>{}}", run.policy, width);
  out << header << '\n';
  const auto row = [&](std::string_view name, auto&& cell) {
    std::string line = fmt::format("{:<22}", name);
    for (const RunStats& run : runs)
      line += fmt::format("{:>{}}", run.validation ? cell(*run.validation) : "n/a", width);
    out << line << '\n';
  };
  row("free pages diff", [](const Validation& v) { return pct(v.free_diff_pct, true); });
  row("Σ 2^k·|Δk| / free", [](const Validation& v) { return pct(v.l1_pct, false); });
  row("pcp pages (real)",
      [](const Validation& v) { return fmt::format("{} ({})", v.pcp_model, v.pcp_real); });
  for (const auto& [mt, diff] : runs.front().validation->pageblocks_diff) {
    row(fmt::format("pageblocks {} diff", to_string(mt)), [mt = mt](const Validation& v) {
      const auto it = v.pageblocks_diff.find(mt);
      return fmt::format("{:+}", it == v.pageblocks_diff.end() ? 0 : it->second);
    });
  }
  row("fallbacks (real)", [](const Validation& v) {
    return fmt::format("{} ({})", v.fallbacks_model, fallbacks_real(v));
  });
}

void write_recorded_text(std::ostream& out, const RunStats& stats) {
  if (stats.recorded.is_null()) return;
  const auto& r = stats.recorded;
  std::string kinds;
  for (const auto& [kind, n] : r["inconsistent"].items())
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", kind, n.get<std::uint64_t>());
  out << fmt::format("{}: silent allocations {}, compaction targets {}, outside the "
                     "zone {}; inconsistent: {}\n",
                     stats.policy, r["silent_allocs"].get<std::uint64_t>(),
                     r["compaction_targets"].get<std::uint64_t>(),
                     r["outside_zone"].get<std::uint64_t>(), kinds.empty() ? "none" : kinds);
  write_agreement_text(out, stats);
}

// "buddy takes 4210, hits 4207 (99.93%); by order 0 99.95% of 3900, 3 99.0% of 100"
void write_agreement_text(std::ostream& out, const RunStats& stats) {
  const auto& a = stats.decision_agreement;
  if (a.is_null()) return;
  const auto share = [](std::uint64_t hits, std::uint64_t takes) {
    return takes == 0 ? std::string("n/a")
                      : fmt::format("{:.2f}%",
                                    100.0 * static_cast<double>(hits) / static_cast<double>(takes));
  };
  out << fmt::format("decision agreement of {} with the kernel (docs/spec.md §7.4), {} repairs\n",
                     a.value("policy", ""), stats.recorded.value("repairs", 0));
  for (const char* level : {"buddy", "pcp"}) {
    const auto& l = a[level];
    const auto takes = l["takes"].get<std::uint64_t>(), hits = l["hits"].get<std::uint64_t>();
    std::string orders;
    for (const auto& [order, c] : l["by_order"].items())
      orders += fmt::format("{}{} {} of {}", orders.empty() ? "" : ", ", order,
                            share(c["hits"].get<std::uint64_t>(), c["takes"].get<std::uint64_t>()),
                            c["takes"].get<std::uint64_t>());
    out << fmt::format("{:<{}}{} {}, hits {} ({}){}{}\n", level, kLabel,
                       level == std::string_view("buddy") ? "takes" : "pages", takes, hits,
                       share(hits, takes), orders.empty() ? "" : "; by order ", orders);
    if (!l["first_misses"].empty()) {
      const auto& m = l["first_misses"][0];
      out << fmt::format(
          "{:<{}}first miss: line {}, order {} {}, the kernel 0x{:x}, predicted {}\n", "", kLabel,
          m["line"].get<std::uint64_t>(), m["order"].get<unsigned>(), m["mt"].get<std::string>(),
          m["pfn"].get<std::uint64_t>(),
          m["predicted"].is_null() ? std::string("nothing")
                                   : fmt::format("0x{:x}", m["predicted"].get<std::uint64_t>()));
    }
  }
}

} // namespace memsim
