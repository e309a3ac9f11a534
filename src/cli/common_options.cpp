// Options shared by the replay-like commands: the config layers and the timeline interval.
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "trace/input_stream.hpp"
#include "trace/kernel_generation.hpp"

namespace memsim::cli {

namespace {

std::uint64_t preallocated_pages(const TraceHeader& header) {
  std::uint64_t pages = 0;
  for (const PreallocatedBlock& block : header.preallocated)
    pages += std::uint64_t{1} << block.order;
  return pages;
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
}

} // namespace

void add_config_options(CLI::App& command, ConfigOptions& options) {
  command.add_option("--config", options.config_file,
                     "JSON file of config keys (nested or dotted)");
  command.add_option("--set", options.sets, "override one config key: --set zone.memory=16GiB")
      ->take_all();
}

ConfigBuilder config_layers(const ConfigOptions& options, const TraceHeader& header,
                            const std::string& trace_path) {
  ConfigBuilder builder;
  builder.apply_header_zone(header.zone, (trace_path == "-" ? "<stdin>" : trace_path) + ": header");
  if (header.start_state) apply_start_state(builder, *header.start_state);
  if (!options.config_file.empty()) builder.apply_file(options.config_file);
  for (const std::string& assignment : options.sets) builder.set_assignment(assignment, "--set");
  return builder;
}

Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, bool region_aware_allowed) {
  const ConfigBuilder builder = config_layers(options, header, trace_path);
  if (builder.touched_region_aware() && !region_aware_allowed)
    throw InputError("region_aware.* keys need the region-aware policy, which no run here uses");
  return builder.config();
}

void add_proc_expect_option(CLI::App& command, std::string& dir) {
  command.add_option("--proc-expect", dir,
                     "/proc snapshot DIR (buddyinfo, pagetypeinfo, zoneinfo) taken when tracing "
                     "ended: adds a validation section, model against machine");
}

void add_trace_options(CLI::App& command, TraceOptions& options) {
  command.add_option("--proc-in", options.proc_in,
                     "ftrace text: /proc snapshot DIR (zoneinfo, pagetypeinfo, kpageflags) taken "
                     "when tracing began, for the geometry and the pages then in use");
  command.add_option("--zone", options.zone,
                     "the zone of the --proc-in / --proc-expect snapshots (default: where the "
                     "trace allocates most)");
  command.add_option("--kernel", options.kernel,
                     "ftrace text: the recording's kernel X.Y when --proc-in DIR has no version "
                     "file (default: 6.1 for hex pfns, 3.x for decimal)");
  command.add_option("--gfp-bits", options.gfp_bits,
                     "ftrace text: bit layout of hex gfp_flags, 4.4 (default) or pre-4.4");
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
  if (!options.kernel.empty()) {
    ftrace.kernel = trace::parse_kernel_version(options.kernel);
    if (!ftrace.kernel)
      throw InputError(fmt::format("--kernel: expected X.Y (e.g. 6.1), got '{}'", options.kernel));
  }
  return ftrace;
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
  if (meta.contains("proc_in")) {
    const nlohmann::json& proc = meta["proc_in"];
    fmt::print(stderr,
               "notice: geometry from {}: zone {} (pfn {:#x}-{:#x}), zone.start_pfn {}, "
               "zone.memory {} pages, zone.cpus {}; {} pages in use when tracing began "
               "declared preallocated ({} blocks{})\n",
               proc["dir"].get<std::string>(), proc["zone"].get<std::string>(),
               proc["start_pfn"].get<std::uint64_t>(), proc["end_pfn"].get<std::uint64_t>(),
               header.zone["start_pfn"].get<std::uint64_t>(),
               header.zone["memory"].get<std::uint64_t>(), header.zone["cpus"].get<std::uint64_t>(),
               preallocated_pages(header), header.preallocated.size(),
               proc["kpageflags"].get<bool>() ? "" : "; no kpageflags: only the zone's edges");
    fmt::print(
        stderr, "  frees of pages not allocated in the trace: {} without --proc-in, {} with it\n",
        meta["unmatched_frees"].get<std::uint64_t>(), proc["unmatched_frees"].get<std::uint64_t>());
    if (header.start_state) print_start_state_notice(header.start_state->report);
  } else {
    fmt::print(stderr,
               "notice: geometry from the trace: zone.memory {} (highest page allocated {:#x}, "
               "rounded up to a 512 MiB region), zone.start_pfn 0, zone.cpus {}; --proc-in DIR "
               "starts from the machine's real state\n",
               header.zone["memory"].get<std::string>(),
               meta["highest_page_end"].get<std::uint64_t>(),
               header.zone["cpus"].get<std::uint64_t>());
    fmt::print(stderr, "  frees of pages not allocated in the trace: {}\n",
               meta["unmatched_frees"].get<std::uint64_t>());
    const bool extfrag = meta.value("pageblock_order_from", "") == "mm_page_alloc_extfrag";
    fmt::print(stderr, "  zone.pageblock_order {} ({})\n",
               header.zone["pageblock_order"].get<unsigned>(),
               extfrag ? "the trace's mm_page_alloc_extfrag lines"
                       : "none printed by the trace: 9, x86-64 with huge pages");
  }
  if (meta.contains("kernel"))
    fmt::print(stderr, "  kernel Linux {} ({})\n", meta["kernel"].value("version", "?"),
               meta["kernel"].value("from", "?"));
  if (!skipped_lines) return;
  if (meta["failed_in_trace"].get<std::uint64_t>() != 0)
    fmt::print(stderr,
               "  {} failed allocations (pfn=0) written as probe events (meta.failed_in_trace)\n",
               meta["failed_in_trace"].get<std::uint64_t>());
  for (const auto& [kind, count] : meta["skipped"].items()) {
    const char* why = kind == "unparsed" ? "not a trace event line"
                      : kind == "mm_page_free_batched" || kind == "mm_pagevec_free"
                          ? "the page's mm_page_free is the free"
                          : "not a page allocation event";
    fmt::print(stderr, "  skipped {} {} lines: {}\n", count.get<std::uint64_t>(), kind, why);
  }
  if (meta["bad_lines"].get<std::uint64_t>() != 0)
    fmt::print(stderr, "  skipped {} malformed lines (--skip-bad-lines)\n",
               meta["bad_lines"].get<std::uint64_t>());
  if (meta.contains("buddy_events"))
    for (const auto& [kind, count] : meta["buddy_events"].items())
      fmt::print(stderr, "  read {} {} lines: buddy-level, not written (meta.buddy_events)\n",
                 count.get<std::uint64_t>(), kind);
}

} // namespace memsim::cli
