// Reading stats and compare documents for the report (report/report_input.hpp). Every value
// the page uses is checked for presence and type; an error names the document and the JSON
// path of the offending value, on one line.
#include "report/report_input.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "report/high_order_report.hpp"
#include "report/json_node.hpp"

namespace memsim {
namespace {

using nlohmann::ordered_json;
using Node = JsonNode;

void read_zone(const Node& doc, ReportRun& run) {
  const Node zone = doc.object("config").object("zone");
  run.memory = zone.u64("memory");
  run.start_pfn = zone.u64("start_pfn");
  run.page_size = zone.u64("page_size");
  run.region_size = zone.u64("region_size");
  run.cpus = zone.u64("cpus");
  run.max_order = static_cast<unsigned>(zone.u64("max_order"));
  run.pageblock_order = static_cast<unsigned>(zone.u64("pageblock_order"));
  if (run.max_order < 1 || run.max_order > 64) zone.fail("max_order", "out of range");
  if (run.pageblock_order > 40) zone.fail("pageblock_order", "out of range");
}

ReportRegion read_region(const Node& r) {
  ReportRegion region;
  region.index = r.u64("index");
  region.start_pfn = r.u64("start_pfn");
  region.pages = r.u64("pages");
  region.free_pages = r.u64("free_pages");
  region.pcp_pages = r.u64("pcp_pages");
  const Node allocated = r.object("allocated");
  region.allocated = {allocated.u64("unmovable"), allocated.u64("reclaimable"),
                      allocated.u64("movable")};
  region.homogeneity = r.number_or_null("homogeneity");
  region.mixed = r.boolean("mixed");
  region.in_region_allocator = r.boolean("in_region_allocator");
  region.mixed_pageblocks = r.u64("mixed_pageblocks");
  region.pageblock_map = r.string("pageblock_map");
  for (const char c : region.pageblock_map)
    if (std::string_view("urmvhURMVH").find(c) == std::string_view::npos)
      r.fail("pageblock_map", fmt::format("unknown pageblock letter '{}'", c));
  if (r.value().contains("pageblock_allocated")) {
    const ordered_json& blocks = r.array("pageblock_allocated");
    if (blocks.size() != region.pageblock_map.size())
      r.fail("pageblock_allocated", "expected one entry per pageblock of pageblock_map");
    for (const ordered_json& block : blocks) {
      if (!block.is_array() || block.size() != 3 ||
          !std::all_of(block.begin(), block.end(), [](const ordered_json& n) {
            return n.is_number_unsigned() && n.get<std::uint64_t>() <= UINT32_MAX;
          }))
        r.fail("pageblock_allocated", "expected [unmovable, reclaimable, movable] page counts");
      region.pageblock_allocated.push_back({block[0].get<std::uint32_t>(),
                                            block[1].get<std::uint32_t>(),
                                            block[2].get<std::uint32_t>()});
    }
  }
  return region;
}

void read_fragmentation(const Node& doc, ReportRun& run) {
  const Node f = doc.object("fragmentation");
  run.buddyinfo = f.u64_array("buddyinfo");
  const Node types = f.object("pagetypeinfo");
  for (const auto& [name, v] : types.value().items())
    run.pagetypeinfo.emplace_back(name, types.u64_array(name));
  run.unusable_index = f.number_array("unusable_index");
  run.fragmentation_index = f.number_array("fragmentation_index");
  if (!f.get("largest_free_order").is_null()) run.largest_free_order = f.u64("largest_free_order");
}

TimelineSample read_sample(const Node& s, unsigned max_order) {
  TimelineSample sample;
  sample.event = s.u64("event");
  sample.t = s.number_or_null("t");
  sample.free_regions = s.u64("free_regions");
  sample.mixed_regions = s.u64("mixed_regions");
  sample.homogeneity = s.number_or_null("homogeneity");
  sample.mixed_pageblocks = s.u64("mixed_pageblocks");
  sample.free_pages = s.u64("free_pages");
  sample.fallbacks = s.u64("fallbacks");
  sample.unusable_index_pageblock = s.number("unusable_index_pageblock");
  read_sample_high_order(s, max_order, sample);
  if (s.value().contains("segments_off")) {
    SegmentSample seg;
    seg.off = s.u64("segments_off");
    seg.off_drained = s.u64("segments_off_drained");
    seg.offlinable = s.u64("segments_offlinable");
    seg.map = s.string("segment_map");
    if (seg.map.find_first_not_of("odmn") != std::string::npos)
      s.fail("segment_map", "expected the letters o, d, m, n");
    sample.segments = std::move(seg);
  }
  if (s.value().contains("label")) sample.label = s.string("label");
  return sample;
}

// The energy section of --power (docs/power.md), when the document has one.
// validation.decision_agreement of --predict, when the document has one.
void read_agreement(const Node& doc, ReportRun& run) {
  if (!doc.value().contains("validation") ||
      !doc.value()["validation"].contains("decision_agreement"))
    return;
  const Node a = doc.object("validation").object("decision_agreement");
  ReportRun::AgreementView view;
  view.policy = a.string("policy");
  for (const auto& [key, level] : {std::pair{"buddy", &view.buddy}, std::pair{"pcp", &view.pcp}}) {
    const Node l = a.object(key);
    level->takes = l.u64("takes");
    level->hits = l.u64("hits");
    const Node orders = l.object("by_order");
    for (const auto& [order, c] : orders.value().items()) {
      level->order_takes.emplace_back(order, orders.object(order).u64("takes"));
      level->order_hits.emplace_back(order, orders.object(order).u64("hits"));
    }
  }
  if (doc.value().contains("recorded") && doc.value()["recorded"].contains("repairs"))
    view.repairs = doc.object("recorded").u64("repairs");
  run.agreement = std::move(view);
}

void read_energy(const Node& doc, ReportRun& run) {
  if (!doc.value().contains("energy")) return;
  const Node e = doc.object("energy");
  EnergyStats out;
  out.model = e.string("model");
  out.segment_size = e.u64("segment_size");
  out.segments = e.u64("segments");
  const std::string unit = e.string("unit");
  if (unit != "s" && unit != "events") e.fail("unit", "expected \"s\" or \"events\"");
  out.seconds = unit == "s";
  out.duration = e.number("duration");
  const Node residency = e.object("segment_seconds");
  out.on = residency.number("on");
  out.off = residency.number("off");
  out.offlinable = residency.number("offlinable");
  out.off_drained = residency.number("off_drained");
  out.energy_j = e.number("energy_j");
  out.baseline_energy_j = e.number("baseline_energy_j");
  out.saving_pct = e.number_or_null("saving_pct");
  out.mean_mw = e.number_or_null("mean_mw");
  out.end_mw = e.number("end_mw");
  run.energy = std::move(out);
  run.free_regions_drained = doc.object("summary").u64("free_regions_drained");
}

void read_provenance(const Node& doc, ReportRun& run) {
  run.reference = doc.value().contains("recorded");
  if (!doc.value().contains("provenance")) return;
  const Node p = doc.object("provenance");
  ReportProvenance out;
  out.revision = p.string("memsim_revision");
  for (const auto& arg : p.array("command_line")) {
    if (!arg.is_string()) p.fail("command_line", "expected an array of strings");
    out.command_line.push_back(arg.get<std::string>());
  }
  if (!p.get("label").is_null()) run.label = p.string("label");
  out.trace_meta = p.object("trace_meta").value();
  if (!p.get("proc_in").is_null()) out.proc_in = p.string("proc_in");
  run.t_start = p.number_or_null("t_start");
  run.t_end = p.number_or_null("t_end");
  run.provenance = std::move(out);
}

// The end state as the timeline's last point, unless the last sample is at the last event.
void add_end_sample(ReportRun& run) {
  if (run.trace_events == 0 ||
      (!run.timeline.empty() && run.timeline.back().event + 1 >= run.trace_events))
    return;
  TimelineSample s;
  s.event = run.trace_events - 1;
  s.t = run.t_end;
  s.free_regions = run.free_regions;
  s.mixed_regions = run.mixed_regions;
  s.homogeneity = run.homogeneity;
  s.mixed_pageblocks = run.mixed_pageblocks;
  s.free_pages = run.free_pages;
  s.fallbacks = run.fallbacks;
  if (run.pageblock_order < run.unusable_index.size())
    s.unusable_index_pageblock = run.unusable_index[run.pageblock_order];
  end_sample_high_order(run, s);
  run.timeline.push_back(s);
  run.timeline_end_added = true;
}

ReportRun read_run(const Node& doc) {
  const ordered_json& version = doc.get("memsim_stats");
  if (version != 1) {
    doc.fail("memsim_stats",
             fmt::format("schema version {} is not one this memsim reads (1)", version.dump()));
  }
  ReportRun run;
  run.memsim_version = doc.string("memsim_version");
  run.policy = doc.string("policy");
  for (const auto& note : doc.array("notes"))
    if (note.is_string()) run.notes.push_back(note.get<std::string>());
  read_zone(doc, run);
  const Node trace = doc.object("trace");
  run.trace_path = trace.string("path");
  run.trace_events = trace.u64("events");
  run.events = doc.counts("events");
  const Node fallbacks = doc.object("fallbacks");
  run.fallbacks = fallbacks.u64("total");
  run.fragmenting = fallbacks.u64("fragmenting");
  run.by_pair = fallbacks.counts("by_pair");
  run.retypes = fallbacks.counts("pageblock_retypes");
  const Node ra = doc.object("region_allocator");
  run.regions_granted = ra.u64("regions_granted");
  run.regions_returned = ra.u64("regions_returned");
  run.regions_held = ra.u64("regions_held");
  const Node summary = doc.object("summary");
  run.regions = summary.u64("regions");
  run.free_regions = summary.u64("free_regions");
  run.used_regions = summary.u64("used_regions");
  run.mixed_regions = summary.u64("mixed_regions");
  run.homogeneity = summary.number_or_null("homogeneity");
  run.mixed_pageblocks = summary.u64("mixed_pageblocks");
  run.free_pages = summary.u64("free_pages");
  run.pcp_pages = summary.u64("pcp_pages");
  for (std::size_t i = 0; i < doc.array("regions").size(); ++i)
    run.region_list.push_back(read_region(doc.element("regions", i)));
  read_fragmentation(doc, run);
  read_high_order(doc, run);
  for (std::size_t i = 0; i < doc.array("timeline").size(); ++i)
    run.timeline.push_back(read_sample(doc.element("timeline", i), run.max_order));
  read_provenance(doc, run);
  read_energy(doc, run);
  read_agreement(doc, run);
  add_end_sample(run);
  return run;
}

std::string zone_key(const ReportRun& r) {
  return fmt::format("{} bytes from pfn {:#x}, {}-byte pages, {}-byte regions, pageblock order "
                     "{}, MAX_ORDER {}",
                     r.memory, r.start_pfn, r.page_size, r.region_size, r.pageblock_order,
                     r.max_order);
}

std::string trace_key(const ReportRun& r) {
  return fmt::format("{} ({} events)", std::filesystem::path(r.trace_path).filename().string(),
                     r.trace_events);
}

} // namespace

std::optional<std::string> mixed_inputs(const std::vector<ReportRun>& runs) {
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const ReportRun& a = runs.front();
    const ReportRun& b = runs[i];
    if (a.document == b.document) continue;
    if (trace_key(a) != trace_key(b))
      return fmt::format("{} replays trace {}, but {} replays {}", b.source, trace_key(b), a.source,
                         trace_key(a));
    if (zone_key(a) != zone_key(b))
      return fmt::format("{} has another zone than {} ({} against {})", b.source, a.source,
                         zone_key(b), zone_key(a));
  }
  return std::nullopt;
}

std::vector<ReportRun> read_report_runs(const nlohmann::ordered_json& document,
                                        const std::string& origin) {
  if (!document.is_object() ||
      (!document.contains("memsim_stats") && !document.contains("memsim_compare"))) {
    throw InputError(fmt::format(
        "{}: not a memsim stats document (no \"memsim_stats\" or \"memsim_compare\" key)", origin));
  }
  const Node doc(document, origin, "");
  std::vector<ReportRun> runs;
  if (!document.contains("memsim_compare")) {
    runs.push_back(read_run(doc));
  } else {
    const ordered_json& version = doc.get("memsim_compare");
    if (version != 1) {
      doc.fail("memsim_compare",
               fmt::format("schema version {} is not one this memsim reads (1)", version.dump()));
    }
    for (std::size_t i = 0; i < doc.array("runs").size(); ++i)
      runs.push_back(read_run(doc.element("runs", i)));
    if (runs.empty()) doc.fail("runs", "no runs");
  }
  for (ReportRun& run : runs) run.source = origin;
  return runs;
}

std::vector<ReportRun> report_runs_as_written(const nlohmann::ordered_json& document,
                                              const std::string& origin) {
  const std::string text =
      document.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return read_report_runs(ordered_json::parse(text), origin);
}

std::vector<ReportRun> load_report_runs(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    if (std::filesystem::is_directory(path))
      throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(EISDIR)));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string origin = path == "-" ? "<stdin>" : path;
  ordered_json document;
  try {
    document = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (const auto end = what.find("] "); what.rfind("[json.exception", 0) == 0 && end != what.npos)
      what.erase(0, end + 2);
    throw InputError(fmt::format("{}: not JSON: {}", origin, what));
  }
  return read_report_runs(document, origin);
}

} // namespace memsim
