// Options shared by the replay-like commands: the config layers, the trace options, the
// timeline interval, the notice on an ftrace trace's geometry and the run's provenance.
#include <algorithm>
#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "memsim/error.hpp"
#include "memsim/power.hpp"
#include "policy/registry.hpp"
#include "report/text_format.hpp"
#include "trace/bundle.hpp"
#include "trace/input_stream.hpp"
#include "trace/kernel_generation.hpp"

namespace memsim::cli {

namespace {

constexpr std::uint64_t kGuidanceRegions = 8;

// A size as --set takes it: the largest binary unit that divides it.
std::string size_text(std::uint64_t bytes) {
  for (const auto& [shift, unit] : {std::pair{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}})
    if (bytes % (std::uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, unit);
  return fmt::format("{}B", bytes);
}

std::uint64_t preallocated_pages(const TraceHeader& header) {
  std::uint64_t pages = 0;
  for (const PreallocatedBlock& block : header.preallocated)
    pages += std::uint64_t{1} << block.order;
  return pages;
}

// Symbolic gfp_flags names that no kernel prints (meta.unknown_gfp): read as unmovable.
void print_unknown_gfp(const nlohmann::json& meta) {
  if (!meta.contains("unknown_gfp") || meta["unknown_gfp"].empty()) return;
  std::string names;
  std::uint64_t lines = 0;
  for (const auto& [name, count] : meta["unknown_gfp"].items()) {
    names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", name, count.get<std::uint64_t>());
    lines += count.get<std::uint64_t>();
  }
  print_stderr_line(fmt::format("  {} allocations with gfp_flags names no kernel prints, read as "
                                "unmovable (meta.unknown_gfp): {}",
                                lines, names));
}

// What --proc-in reconstructed (docs/spec.md §7.1): free blocks against buddyinfo, per-CPU pages,
// the evidence behind the pageblock types, an uninitialised tail.
void print_start_state_notice(const nlohmann::json& report) {
  const auto u64 = [&](const char* key) { return report.value(key, std::uint64_t{0}); };
  if (u64("uninitialised_pages") != 0)
    fmt::print(stderr,
               "  {} pages at the end of zone {} were never initialised (deferred_init=lazy): "
               "the zone ends at pfn {:#x}\n",
               u64("uninitialised_pages"), report.value("zone", ""), u64("end_pfn"));
  if (report.contains("buddyinfo_diff"))
    fmt::print(stderr, "  start state: {} free pages; free blocks minus buddyinfo per order {}\n",
               u64("free_pages"), report["buddyinfo_diff"].dump());
  const nlohmann::json& pcp = report["pcp_pages"];
  const nlohmann::json& by = report["pageblocks_by_evidence"];
  fmt::print(stderr,
             "  {} pages on per-CPU lists by the trace (zoneinfo: {}); pageblock types by trace "
             "{}, flags {}, default {}, pagetypeinfo counts {}: {}\n",
             pcp.value("trace", 0), pcp.value("zoneinfo", 0), by.value("trace", 0),
             by.value("flags", 0), by.value("default", 0), by.value("counts", 0),
             report["pageblocks"].dump());
}

// The zone parameters of --proc-in (docs/spec.md §7.1), at the trace header's layer.
void apply_start_state(ConfigBuilder& builder, const StartState& start) {
  constexpr std::string_view kOrigin = "--proc-in";
  if (start.managed_pages) builder.set("zone.managed_pages", *start.managed_pages, kOrigin);
  if (start.watermark_min) builder.set("watermark.min", *start.watermark_min, kOrigin);
  if (start.watermark_low) builder.set("watermark.low", *start.watermark_low, kOrigin);
  if (start.watermark_high) builder.set("watermark.high", *start.watermark_high, kOrigin);
  if (start.pagesets.empty() || start.pagesets.front().batch == 0) return;
  const StartState::CpuPageset& first = start.pagesets.front();
  builder.set("pcp.batch", first.batch, kOrigin);
  // 6.7+: high is tuned between high_min and high_max, 0 on a list not used yet.
  builder.set("pcp.high", first.high == 0 && first.high_min ? *first.high_min : first.high,
              kOrigin);
  if (first.high_min) builder.set("pcp.high_min", *first.high_min, kOrigin);
  if (first.high_max) builder.set("pcp.high_max", *first.high_max, kOrigin);
}

} // namespace

void add_config_options(CLI::App& command, ConfigOptions& options) {
  command
      .add_option("--config", options.config_file, "JSON file of config keys (nested or dotted)")
      ->type_name("FILE");
  command
      .add_option("--set", options.sets,
                  "override one config key: --set zone.memory=16GiB (sizes: 16G, 16GiB, pages)")
      ->type_name("KEY=VALUE")
      ->take_all();
  command
      .add_option("--power", options.power,
                  "price DRAM power segments: a preset (lpddr-pasr, ddr4-rank, ddr4-rank-pd) or a "
                  "power file (docs/power.md); adds the energy section")
      ->type_name("PRESET|FILE.json");
}

ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path) {
  ConfigBuilder builder;
  builder.apply_header_zone(header.zone, (trace_path == "-" ? "<stdin>" : trace_path) + ": header");
  if (header.start_state) apply_start_state(builder, *header.start_state);
  if (!options.config_file.empty()) builder.apply_file(options.config_file);
  for (const std::string& assignment : options.sets) builder.set_assignment(assignment, "--set");
  if (!options.power.empty()) {
    builder.set_power_model(load_power_model(options.power));
  } else if (builder.power_keys_set()) {
    throw InputError("power.* keys price segments: they need --power PRESET|FILE.json");
  }
  return builder;
}

namespace {

// Whether `key` (dotted) is set by the JSON object `object`, dotted or nested.
bool sets_key(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object()) return false;
  if (object.contains(key)) return true;
  const std::size_t dot = key.find('.');
  return dot != std::string::npos && object.contains(key.substr(0, dot)) &&
         sets_key(object[key.substr(0, dot)], key.substr(dot + 1));
}

// Where the value of `key` came from, as a message prefix: the last layer that set it; when no
// layer set it (a default that another key's value makes impossible), the last layer that set
// any key of its section.
std::string origin_of(const std::string& key, const ConfigOptions& options,
                      const TraceHeader& header, const std::string& trace_path) {
  const std::string section = key.substr(0, key.find('.') + 1);
  const auto set_key = [](const std::string& set) { return set.substr(0, set.find('=')); };
  std::ifstream in(options.config_file);
  const nlohmann::json file = options.config_file.empty()
                                  ? nlohmann::json::object()
                                  : nlohmann::json::parse(in, nullptr, false);
  const std::string name = trace_path == "-" ? "<stdin>" : trace_path;
  const std::string short_key = key.rfind("zone.", 0) == 0 ? key.substr(5) : key;
  const std::string trace_origin =
      header.ftrace ? name + ": geometry of the trace: " : name + ": header: ";
  for (auto it = options.sets.rbegin(); it != options.sets.rend(); ++it)
    if (set_key(*it) == key) return "--set ";
  if (sets_key(file, key)) return options.config_file + ": ";
  if (header.ftrace || sets_key(header.zone, short_key) || sets_key(header.zone, key))
    return trace_origin;
  for (auto it = options.sets.rbegin(); it != options.sets.rend(); ++it)
    if (set_key(*it).rfind(section, 0) == 0) return "--set " + *it + ": ";
  if (file.is_object() && file.contains(section.substr(0, section.size() - 1)))
    return options.config_file + ": ";
  if (section == "zone." && header.zone.is_object() && !header.zone.empty()) return trace_origin;
  return "";
}

} // namespace

void name_config_origin(const InputError& error, const ConfigOptions& options,
                        const TraceHeader& header, const std::string& trace_path) {
  const std::string what = error.what();
  const std::size_t colon = what.find(':');
  const std::string key = what.substr(0, colon);
  for (const char* section : {"zone.", "pcp.", "reserve.", "region_aware.", "power."}) {
    if (colon != std::string::npos && key.rfind(section, 0) == 0 &&
        key.find(' ') == std::string::npos &&
        (std::string_view(section) != "power." ||
         std::find(config_keys().begin(), config_keys().end(), key) != config_keys().end()))
      throw InputError(origin_of(key, options, header, trace_path) + what);
  }
  throw error;
}

Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, const std::string& policy) {
  find_policy(policy);
  const ConfigBuilder builder = config_layers(options, header, trace_path);
  check_key_owners(builder.touched_namespaces(), {policy});
  return policy_config(builder, policy);
}

void add_probe_option(CLI::App& command, std::string& orders) {
  command
      .add_option("--probe", orders,
                  "ask at every timeline sample whether a request of each ORDER (comma-"
                  "separated) could be served for each migratetype, without taking it")
      ->type_name("ORDER[,ORDER...]");
}

std::vector<unsigned> parse_probe_orders(const std::string& orders) {
  std::vector<unsigned> out;
  if (orders.empty()) return out;
  std::string_view rest = orders;
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    unsigned order = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), order);
    if (ec != std::errc{} || end != item.data() + item.size() || order > 63)
      throw InputError(
          fmt::format("--probe: \"{}\" is not an order (expected ORDER[,ORDER...])", item));
    if (std::find(out.begin(), out.end(), order) == out.end()) out.push_back(order);
    if (comma == std::string_view::npos) return out;
    rest = rest.substr(comma + 1);
  }
}

void add_proc_expect_option(CLI::App& command, std::string& dir) {
  command
      .add_option("--proc-expect", dir,
                  "/proc snapshot DIR (buddyinfo, pagetypeinfo, zoneinfo) taken when tracing "
                  "ended: adds a validation section, model against machine")
      ->type_name("DIR");
}

void add_trace_options(CLI::App& command, TraceOptions& options) {
  command
      .add_option("--proc-in", options.proc_in,
                  "ftrace text: /proc snapshot DIR (zoneinfo, pagetypeinfo, kpageflags) taken "
                  "when tracing began, for the geometry and the pages then in use")
      ->type_name("DIR");
  command
      .add_option("--zone", options.zone,
                  "the zone of the --proc-in / --proc-expect snapshots (default: where the "
                  "trace allocates most)")
      ->type_name("NAME");
  command
      .add_option("--kernel", options.kernel,
                  "ftrace text: the recording's kernel X.Y when --proc-in DIR has no version "
                  "file (default: 6.1 for hex pfns, 3.x for decimal)")
      ->type_name("X.Y");
  command
      .add_option("--gfp-bits", options.gfp_bits,
                  "ftrace text: bit layout of hex gfp_flags, 4.4 (default) or pre-4.4")
      ->type_name("4.4|pre-4.4");
  command.add_flag("--skip-bad-lines", options.skip_bad_lines,
                   "ftrace text: count malformed known events in meta.bad_lines, do not fail");
}

FtraceOptions ftrace_options(const TraceOptions& options) {
  if (options.gfp_bits != "4.4" && options.gfp_bits != "pre-4.4")
    throw InputError(
        fmt::format("--gfp-bits: expected 4.4 or pre-4.4, got '{}'", options.gfp_bits));
  FtraceOptions ftrace;
  ftrace.skip_bad_lines = options.skip_bad_lines;
  ftrace.gfp_pre_4_4 = options.gfp_bits == "pre-4.4";
  ftrace.proc_in = options.proc_in;
  ftrace.zone = options.zone;
  ftrace.free_hints = options.free_hints;
  if (!options.kernel.empty()) {
    ftrace.kernel = trace::parse_kernel_version(options.kernel);
    if (!ftrace.kernel)
      throw InputError(fmt::format("--kernel: expected X.Y (e.g. 6.1), got '{}'", options.kernel));
  }
  return ftrace;
}

void use_recording_bundle(std::string& trace_path, TraceOptions& options) {
  const auto bundle = trace::find_recording_bundle(trace_path);
  if (!bundle) return;
  trace_path = bundle->trace;
  if (options.proc_in.empty()) options.proc_in = bundle->begin;
}

std::unique_ptr<TraceReader> open_replay_trace(const std::string& trace_path,
                                               const TraceOptions& options, std::uint64_t requested,
                                               std::uint64_t& interval, std::uint64_t& events) {
  std::unique_ptr<TraceReader> reader = open_trace(trace_path, ftrace_options(options));
  const TraceHeader& header = reader->header();
  const bool ftrace = header.ftrace;
  if (ftrace) print_ftrace_notice(header, false);
  if (!options.proc_in.empty() && !ftrace)
    throw InputError(fmt::format("--proc-in: {} is a memsim trace, not ftrace text (its header "
                                 "holds the geometry)",
                                 trace::display_name(trace_path)));
  if (header.events) {
    events = *header.events;
  } else if (requested == 0 && trace_path != "-") {
    events = count_trace_events(trace_path);
  }
  interval = requested != 0                       ? requested
             : header.events || trace_path != "-" ? std::max<std::uint64_t>(1, events / 200)
                                                  : 100000;
  return reader;
}

void print_ftrace_notice(const TraceHeader& header, bool skipped_lines) {
  const nlohmann::json& meta = header.meta;
  const auto u64 = [](const nlohmann::json& v) { return v.get<std::uint64_t>(); };
  if (meta.contains("proc_in")) {
    const nlohmann::json& proc = meta["proc_in"];
    print_stderr_line(fmt::format(
        "notice: geometry from {}: zone {} (pfn {:#x}-{:#x}), zone.start_pfn {:#x}, zone.memory "
        "{} pages, zone.cpus {}; {} pages in use when tracing began declared preallocated ({} "
        "blocks{})",
        proc["dir"].get<std::string>(), proc["zone"].get<std::string>(), u64(proc["start_pfn"]),
        u64(proc["end_pfn"]), u64(header.zone["start_pfn"]), u64(header.zone["memory"]),
        u64(header.zone["cpus"]), preallocated_pages(header), header.preallocated.size(),
        proc["kpageflags"].get<bool>() ? "" : "; no kpageflags: only the zone's edges"));
    print_stderr_line(
        fmt::format("  frees of pages not allocated in the trace: {} without --proc-in, {} with it",
                    u64(meta["unmatched_frees"]), u64(proc["unmatched_frees"])));
    if (header.start_state) print_start_state_notice(header.start_state->report);
  } else {
    print_stderr_line(fmt::format(
        "notice: geometry from the trace: zone.memory {} (highest page allocated {:#x}, rounded "
        "up to a 512 MiB region), zone.start_pfn 0, zone.cpus {}; --proc-in DIR starts from the "
        "machine's real state",
        header.zone["memory"].get<std::string>(), u64(meta["highest_page_end"]),
        u64(header.zone["cpus"])));
    print_stderr_line(fmt::format("  frees of pages not allocated in the trace: {}",
                                  u64(meta["unmatched_frees"])));
    const bool extfrag = meta.value("pageblock_order_from", "") == "mm_page_alloc_extfrag";
    print_stderr_line(fmt::format(
        "  zone.pageblock_order {} ({})", header.zone["pageblock_order"].get<unsigned>(),
        extfrag ? "the trace's mm_page_alloc_extfrag lines"
                : "none printed by the trace: 9, x86-64 with huge pages"));
  }
  if (meta.contains("kernel"))
    print_stderr_line(fmt::format("  kernel Linux {} ({})", meta["kernel"].value("version", "?"),
                                  meta["kernel"].value("from", "?")));
  print_unknown_gfp(meta);
  if (!skipped_lines) return;
  if (u64(meta["failed_in_trace"]) != 0)
    print_stderr_line(fmt::format("  {} failed allocations (pfn=0) written as "
                                  "probe events (meta.failed_in_trace)",
                                  u64(meta["failed_in_trace"])));
  for (const auto& [kind, count] : meta["skipped"].items()) {
    const char* why = kind == "unparsed" ? "not a trace event line"
                      : kind == "mm_page_free_batched" || kind == "mm_pagevec_free"
                          ? "the page's mm_page_free is the free"
                          : "not a page allocation event";
    print_stderr_line(fmt::format("  skipped {} {} lines: {}", u64(count), kind, why));
  }
  if (u64(meta["bad_lines"]) != 0)
    print_stderr_line(
        fmt::format("  skipped {} malformed lines (--skip-bad-lines)", u64(meta["bad_lines"])));
  if (meta.contains("buddy_events"))
    for (const auto& [kind, count] : meta["buddy_events"].items())
      print_stderr_line(
          fmt::format("  read {} {} lines: buddy-level, not written (meta.buddy_events)",
                      count.get<std::uint64_t>(), kind));
}

void print_region_guidance(const Config& config) {
  const Geometry g = resolve_geometry(config);
  if (g.regions >= kGuidanceRegions) return;
  const std::uint64_t max_block = std::uint64_t{1} << (config.zone.max_order - 1);
  std::uint64_t size = g.region_pages;
  std::uint64_t regions = g.regions;
  while (regions < kGuidanceRegions && size / 2 >= max_block && (size / 2) % max_block == 0) {
    size /= 2;
    const std::uint64_t offset =
        config.zone.region_origin == RegionOrigin::physical ? config.zone.start_pfn % size : 0;
    regions = (offset + g.pages + size - 1) / size;
  }
  if (regions < kGuidanceRegions || regions > 64) return; // no region size can give 8 to 64
  print_stderr_line(fmt::format(
      "notice: the zone has {} region{} of {} (fewer than {}: free and mixed region counts say "
      "little); --set zone.region_size={} gives {}",
      g.regions, g.regions == 1 ? "" : "s", format_bytes(g.region_pages * config.zone.page_size),
      kGuidanceRegions, size_text(size * config.zone.page_size), regions));
}

Provenance make_provenance(const TraceHeader& header, const TraceOptions& options,
                           std::optional<std::string> label) {
  Provenance p;
  p.command_line = command_line();
  p.label = std::move(label);
  p.trace_meta = header.meta;
  if (!options.proc_in.empty()) p.proc_in = options.proc_in;
  return p;
}

} // namespace memsim::cli
