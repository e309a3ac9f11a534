// The high-order and pollution part of the report (report/high_order_report.hpp). Pair keys are
// "A<-B" with glossary names (memsim/types.hpp); a pollution matrix has a row per requested type
// and a column per pageblock type, every type that occurs and the three requestable ones, in
// glossary order, the diagonal empty (a page in its own type's pageblock pollutes nothing).
#include "report/high_order_report.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/text_format.hpp"

namespace memsim {
namespace {

std::size_t type_index(const JsonNode& node, const std::string& key, std::string_view name) {
  for (int t = 0; t < kMigratetypes; ++t)
    if (to_string(migratetype_at(t)) == name) return static_cast<std::size_t>(t);
  node.fail(key, fmt::format("unknown migratetype \"{}\"", name));
}

// A key that is an order: the decimal digits of a number below `max_order`, no leading zero.
unsigned order_key(const JsonNode& node, const std::string& key, unsigned max_order) {
  for (unsigned o = 0; o < max_order; ++o)
    if (std::to_string(o) == key) return o;
  node.fail(key, fmt::format("not an order below max_order {}", max_order));
}

// {"A<-B": N, ...} into [A][B].
void read_pairs(const JsonNode& node, const std::string& key, TypeMatrix& out) {
  const JsonNode pairs = node.object(key);
  for (const auto& [pair, n] : node.counts(key)) {
    const std::size_t arrow = pair.find("<-");
    if (arrow == std::string::npos) pairs.fail(pair, "expected a pair \"A<-B\"");
    out[type_index(pairs, pair, pair.substr(0, arrow))]
       [type_index(pairs, pair, pair.substr(arrow + 2))] = n;
  }
}

HighOrderCounts read_order(const JsonNode& o) {
  HighOrderCounts c;
  c.allocs = o.u64("allocs");
  c.satisfied = o.u64("satisfied");
  c.by_fallback = o.u64("by_fallback");
  c.failed = o.u64("failed");
  const JsonNode probes = o.object("probes");
  for (std::size_t a = 0; a < c.probes.size(); ++a)
    c.probes[a] = probes.u64(probe_answer_name(static_cast<ProbeAnswer>(a)));
  c.occurred = true;
  return c;
}

ProbeAnswer answer_of(const JsonNode& node, const std::string& key) {
  const std::string answer = node.string(key);
  for (int a = 0; a < kProbeAnswers; ++a)
    if (answer == probe_answer_name(static_cast<ProbeAnswer>(a)))
      return static_cast<ProbeAnswer>(a);
  node.fail(key, "expected \"own\", \"fallback\" or \"none\"");
}

// The requestable types and every type with a non-zero count in a row (`rows`) or a column of
// `table`, in glossary order.
std::vector<int> types_of(const TypeMatrix& table, bool rows) {
  std::vector<int> types;
  for (int t = 0; t < kMigratetypes; ++t) {
    bool used = t < kRequestableTypes;
    for (int u = 0; u < kMigratetypes; ++u) {
      const auto [a, b] = rows ? std::pair(t, u) : std::pair(u, t);
      used = used || table[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)] != 0;
    }
    if (used) types.push_back(t);
  }
  return types;
}

std::uint64_t at(const TypeMatrix& table, int a, int b) {
  return table[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
}

} // namespace

void read_high_order(const JsonNode& doc, ReportRun& run) {
  if (!doc.value().contains("high_order")) return;
  run.has_high_order = true;
  const JsonNode orders = doc.object("high_order");
  for (const auto& [key, value] : orders.value().items()) {
    const unsigned order = order_key(orders, key, run.max_order);
    run.high_order.emplace_back(order, read_order(orders.object(key)));
  }
  std::sort(run.high_order.begin(), run.high_order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const JsonNode pollution = doc.object("pollution");
  const JsonNode claims = pollution.object("claims");
  for (const auto& [name, n] : pollution.counts("claims"))
    run.claims[type_index(claims, name, name)] = n;
  read_pairs(pollution, "steals", run.steals);
  read_pairs(pollution, "pages", run.pollution);
}

void read_sample_high_order(const JsonNode& sample, unsigned max_order, TimelineSample& out) {
  if (!sample.value().contains("free_pageblocks_whole")) return;
  out.free_pageblocks_whole = sample.u64("free_pageblocks_whole");
  const JsonNode largest = sample.object("largest_free_order");
  for (int t = 0; t < kRequestableTypes; ++t) {
    const auto& v = largest.get(migratetype_name(t));
    if (!v.is_number_integer() || v.get<std::int64_t>() < -1 || v.get<std::int64_t>() > 64)
      largest.fail(migratetype_name(t), "expected an order or -1");
    out.largest_free_order[static_cast<std::size_t>(t)] = v.get<int>();
  }
  if (!sample.value().contains("probes")) return;
  const JsonNode probes = sample.object("probes");
  for (const auto& [key, value] : probes.value().items()) {
    const JsonNode per_type = probes.object(key);
    std::array<ProbeAnswer, kRequestableTypes> answers{};
    for (int t = 0; t < kRequestableTypes; ++t)
      answers[static_cast<std::size_t>(t)] = answer_of(per_type, migratetype_name(t));
    out.probes.emplace_back(order_key(probes, key, max_order), answers);
  }
}

void end_sample_high_order(const ReportRun& run, TimelineSample& out) {
  // A document's buddyinfo may be longer than an order can be: no shift of 64 or more.
  for (std::size_t o = run.pageblock_order;
       o < run.buddyinfo.size() && o - run.pageblock_order < 64; ++o)
    out.free_pageblocks_whole += run.buddyinfo[o] << (o - run.pageblock_order);
  for (int t = 0; t < kRequestableTypes; ++t) {
    int& largest = out.largest_free_order[static_cast<std::size_t>(t)];
    largest = -1;
    for (const auto& [name, counts] : run.pagetypeinfo) {
      if (name != migratetype_name(t)) continue;
      for (std::size_t o = 0; o < counts.size(); ++o)
        if (counts[o] != 0) largest = static_cast<int>(o);
    }
  }
}

ReportTable high_order_table(const ReportRun& run, std::size_t index) {
  ReportTable table{fmt::format("high-order-{}", index + 1),
                    "high-order",
                    "Allocations and probes per order",
                    {},
                    {}};
  for (const char* h : {"order", "allocs", "satisfied", "success", "by fallback", "failed",
                        "probes: own lists", "probes: only by fallback", "probes: none"})
    table.header.push_back(text_cell(h));
  for (const auto& [order, c] : run.high_order) {
    const std::optional<double> success =
        c.allocs == 0 ? std::nullopt
                      : std::optional<double>(static_cast<double>(c.satisfied) /
                                              static_cast<double>(c.allocs));
    table.rows.push_back({text_cell(std::to_string(order)), count_cell(c.allocs),
                          count_cell(c.satisfied), percent_cell(success), count_cell(c.by_fallback),
                          count_cell(c.failed), count_cell(c.probes[0]), count_cell(c.probes[1]),
                          count_cell(c.probes[2])});
  }
  return table;
}

ReportTable pollution_table(const ReportRun& run, std::size_t index) {
  ReportTable table{fmt::format("pollution-{}", index + 1),
                    "pollution",
                    "Pages of the requested type (row) in pageblocks of another type (column)",
                    {text_cell("requested")},
                    {}};
  const std::vector<int> types = types_of(run.pollution, false);
  for (const int b : types) table.header.push_back(text_cell("in " + migratetype_name(b)));
  table.header.push_back(text_cell("all other types"));
  for (const int a : types_of(run.pollution, true)) {
    std::vector<TableCell> row{text_cell(migratetype_name(a))};
    std::uint64_t total = 0;
    for (const int b : types) {
      row.push_back(a == b ? empty_cell() : count_cell(at(run.pollution, a, b)));
      total += a == b ? 0 : at(run.pollution, a, b);
    }
    row.push_back(count_cell(total));
    table.rows.push_back(std::move(row));
  }
  return table;
}

ReportTable claims_table(const ReportRun& run, std::size_t index) {
  ReportTable table{fmt::format("claims-{}", index + 1),
                    "claims",
                    "Fallbacks by requested type: pageblocks claimed, steals without a claim",
                    {text_cell("requested"), text_cell("pageblocks claimed")},
                    {}};
  const std::vector<int> types = types_of(run.steals, false);
  const std::vector<int> requested = types_of(run.steals, true);
  for (const int b : types) table.header.push_back(text_cell("steals from " + migratetype_name(b)));
  for (int a = 0; a < kMigratetypes; ++a) {
    const auto ua = static_cast<std::size_t>(a);
    if (std::find(requested.begin(), requested.end(), a) == requested.end() && run.claims[ua] == 0)
      continue;
    std::vector<TableCell> row{text_cell(migratetype_name(a)), count_cell(run.claims[ua])};
    for (const int b : types)
      row.push_back(a == b ? empty_cell() : count_cell(at(run.steals, a, b)));
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string high_order_section_html(const std::vector<ReportRun>& runs) {
  std::string out = R"(<section id="high-order"><h2>High-order allocations and pollution</h2>)";
  out += "<p>Per order, the trace's allocations and what the policy made of them: satisfied "
         "(the share in <i>success</i>), of those satisfied only by taking from another type's "
         "free lists (<i>by fallback</i>), and failed. The <i>probes</i> are the allocations the "
         "recorded kernel failed (<code>pfn=0</code>): for each, whether this policy could have "
         "served it at that moment from the requested type's lists, only by a fallback, or not "
         "at all; nothing is taken.</p><div class=\"tables\">";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const bool known = runs[i].has_high_order;
    out += run_figure(runs, i,
                      known ? table_html(high_order_table(runs[i], i))
                            : "<p>Not in these stats (written before memsim counted it).</p>");
  }
  out += "</div><h3>Pollution, claims and steals</h3><p class=\"note\">Pollution: pages "
         "handed out for a request of one type that lie, right after the allocation, in a "
         "pageblock of another type (pages served from per-CPU lists included). A claim: a "
         "fallback re-typed a pageblock to the requested type; a steal: a fallback that "
         "re-typed nothing.</p><div class=\"tables\">";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].has_high_order) continue;
    out += run_figure(
        runs, i, table_html(pollution_table(runs[i], i)) + table_html(claims_table(runs[i], i)));
  }
  return out + "</div></section>";
}

} // namespace memsim
