// Options shared by the replay-like commands: the config layers and the timeline interval.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "policy/registry.hpp"
#include "trace/bundle.hpp"
#include "trace/input_stream.hpp"

namespace memsim::cli {

namespace {

std::uint64_t preallocated_pages(const TraceHeader& header) {
  std::uint64_t pages = 0;
  for (const PreallocatedBlock& block : header.preallocated)
    pages += std::uint64_t{1} << block.order;
  return pages;
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
  if (!options.config_file.empty()) builder.apply_file(options.config_file);
  for (const std::string& assignment : options.sets) builder.set_assignment(assignment, "--set");
  return builder;
}

Config build_config(const ConfigOptions& options, const TraceHeader& header,
                    const std::string& trace_path, const std::string& policy) {
  find_policy(policy);
  const ConfigBuilder builder = config_layers(options, header, trace_path);
  check_key_owners(builder.touched_namespaces(), {policy});
  return builder.config();
}

void add_probe_option(CLI::App& command, std::string& orders) {
  command.add_option("--probe", orders,
                     "ask at every timeline sample whether a request of each ORDER (comma-"
                     "separated) could be served for each migratetype, without taking it");
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

void add_trace_options(CLI::App& command, TraceOptions& options) {
  command.add_option("--proc-in", options.proc_in,
                     "ftrace text: /proc snapshot DIR (zoneinfo, pagetypeinfo, kpageflags) taken "
                     "when tracing began, for the geometry and the pages then in use");
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
  }
  if (!skipped_lines) return;
  if (meta["failed_in_trace"].get<std::uint64_t>() != 0)
    fmt::print(stderr, "  {} failed allocations (pfn=0) not replayed (meta.failed_in_trace)\n",
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
}

} // namespace memsim::cli
