// memsim_bench: the benchmark behind docs/spec.md §6. Per zone size it generates a synthetic JSON
// Lines trace (bench/synthetic_trace.cpp), then measures zone initialisation and simulator bytes
// per page, parse-only, engine-only and end-to-end replay rates and peak RSS; then initialises a 1
// TiB zone alone. Prints a Markdown table; --json FILE writes the same numbers as JSON. Run through
// bench/run.sh (release build).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/config.hpp"
#include "memsim/error.hpp"
#include "memsim/power.hpp"
#include "memsim/trace.hpp"
#include "sim/simulator.hpp"
#include "synthetic_trace.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resident set size now, from /proc/self/statm (pages resident × page size).
std::uint64_t current_rss_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// The process's peak resident set size so far (getrusage ru_maxrss, KiB on Linux).
std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

struct Options {
  std::uint64_t events = 10'000'000;
  std::vector<std::string> zones{"16GiB", "256GiB"};
  std::string init_zone = "1TiB";
  std::string out_dir = MEMSIM_BENCH_DIR;
  std::string policy = "stock";
  std::string json_path;
  std::uint64_t seed = 1;
  double live_fraction = 0.5;
  unsigned cpus = 2;
  std::size_t chunk = std::size_t{1} << 20;
  std::optional<std::uint64_t> interval; // unset: the CLI default, max(1, E / 200)
  std::string power; // --power PRESET|FILE.json: the replays price segments (docs/power.md)
};

struct ZoneResult {
  std::string zone;
  std::uint64_t pages = 0;
  double init_seconds = 0;
  double bytes_per_page = 0;
  std::uint64_t init_peak_rss = 0;
  bool replayed = false; // false: initialisation only
  std::string trace_path;
  std::uint64_t trace_bytes = 0;
  double generate_seconds = 0;
  std::uint64_t events = 0;
  double parse_seconds = 0, engine_seconds = 0, end_to_end_seconds = 0;
  std::uint64_t peak_rss = 0; // ru_maxrss after the end-to-end replay (zones run smallest first)
  memsim::EventCounts counts;
};

double rate(std::uint64_t events, double seconds) {
  return seconds > 0 ? static_cast<double>(events) / seconds : 0.0;
}

memsim::Config zone_config(const std::string& memory, unsigned cpus,
                           const std::string& power = {}) {
  memsim::ConfigBuilder builder;
  builder.set("zone.memory", memory, "--zone");
  builder.set("zone.cpus", cpus, "--cpus");
  if (!power.empty()) { // no `t` in the generated traces: an event a microsecond
    builder.set_power_model(memsim::load_power_model(power));
    builder.set("power.events_per_second", 1e6, "--power");
  }
  return builder.config();
}

memsim::ReplayOptions replay_options(const Options& opt, std::uint64_t events) {
  memsim::ReplayOptions options;
  options.interval = opt.interval.value_or(std::max<std::uint64_t>(1, events / 200)); // D10
  return options;
}

// Simulator construction (zone boot included) and the RSS it adds.
void measure_init(const Options& opt, ZoneResult& r) {
  const memsim::Config config = zone_config(r.zone, opt.cpus, opt.power);
  auto reader = memsim::make_memory_reader({}, {}, "<init>");
  const std::uint64_t rss_before = current_rss_bytes();
  const auto start = Clock::now();
  {
    memsim::Simulator sim{config, opt.policy, opt.policy, *reader, "<init>", {}};
    r.init_seconds = seconds_since(start);
    const std::uint64_t rss_after = current_rss_bytes();
    r.bytes_per_page = rss_after > rss_before ? static_cast<double>(rss_after - rss_before) /
                                                    static_cast<double>(r.pages)
                                              : 0.0;
  }
  r.init_peak_rss = peak_rss_bytes();
}

// open_trace + next() loop: the reader alone.
void measure_parse(ZoneResult& r) {
  const auto start = Clock::now();
  auto reader = memsim::open_trace(r.trace_path);
  memsim::Event event;
  std::uint64_t n = 0;
  while (reader->next(event)) ++n;
  r.parse_seconds = seconds_since(start);
  r.events = n;
}

// What `memsim replay` does, zone initialisation excepted: the counting pass for the default
// timeline interval, open_trace, Simulator::run and the final stats.
void measure_end_to_end(const Options& opt, ZoneResult& r) {
  const memsim::Config config = zone_config(r.zone, opt.cpus, opt.power);
  auto start = Clock::now();
  const std::uint64_t events = memsim::count_trace_events(r.trace_path);
  auto reader = memsim::open_trace(r.trace_path);
  double seconds = seconds_since(start);
  memsim::Simulator sim{config,  opt.policy,   opt.policy,
                        *reader, r.trace_path, replay_options(opt, events)};
  start = Clock::now();
  sim.run(*reader, [] {});
  const memsim::RunStats stats = sim.finish();
  r.end_to_end_seconds = seconds + seconds_since(start);
  r.counts = stats.events;
  r.peak_rss = peak_rss_bytes();
}

// Events read into memory a chunk at a time, then replayed from a memory reader by
// Simulator::run (as replay does, prefetching included); only that replay is timed.
void measure_engine(const Options& opt, ZoneResult& r) {
  const memsim::Config config = zone_config(r.zone, opt.cpus, opt.power);
  auto reader = memsim::open_trace(r.trace_path);
  memsim::Simulator sim{config,  opt.policy,   opt.policy,
                        *reader, r.trace_path, replay_options(opt, r.events)};
  double seconds = 0;
  for (;;) {
    std::vector<memsim::Event> chunk(opt.chunk);
    std::size_t n = 0;
    while (n < chunk.size() && reader->next(chunk[n])) ++n;
    if (n == 0) break;
    chunk.resize(n);
    auto memory = memsim::make_memory_reader(reader->header(), std::move(chunk), r.trace_path);
    const auto start = Clock::now();
    sim.run(*memory, [] {});
    seconds += seconds_since(start);
  }
  r.engine_seconds = seconds;
}

ZoneResult run_zone(const Options& opt, const std::string& zone, std::uint64_t pages) {
  ZoneResult r;
  r.zone = zone;
  r.pages = pages;
  r.replayed = true;
  memsim::bench::SyntheticParams params;
  params.events = opt.events;
  params.memory = zone;
  params.zone_pages = pages;
  params.cpus = opt.cpus;
  params.live_fraction = opt.live_fraction;
  params.seed = opt.seed;
  r.trace_path = (std::filesystem::path{opt.out_dir} /
                  fmt::format("synthetic-{}-{}-s{}.jsonl", zone, opt.events, opt.seed))
                     .string();
  std::cerr << "memsim_bench: " << zone << ": trace " << r.trace_path << '\n';
  const auto start = Clock::now();
  const bool written = memsim::bench::write_synthetic_trace(r.trace_path, params);
  r.generate_seconds = written ? seconds_since(start) : 0.0;
  r.trace_bytes = std::filesystem::file_size(r.trace_path);

  std::cerr << "memsim_bench: " << zone << ": init, parse, end-to-end, engine\n";
  measure_init(opt, r);
  measure_parse(r); // also warms the page cache for the runs after it
  measure_end_to_end(opt, r);
  measure_engine(opt, r);
  return r;
}

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20));
}
std::string mega(double per_second) {
  return fmt::format("{:.2f} M/s", per_second / 1e6);
}

void print_table(std::FILE* out, const Options& opt, const std::vector<ZoneResult>& results) {
  fmt::print(out,
             "memsim_bench: policy `{}`, {} events per trace (synthetic v1, seed {}), {} CPUs, "
             "live set ≤ {:.0f}% of the zone, timeline interval {}\n\n",
             opt.policy, opt.events, opt.seed, opt.cpus, opt.live_fraction * 100,
             opt.interval ? std::to_string(*opt.interval) : "events / 200");
  fmt::print(out, "| zone | pages | init | state/page | parse-only | engine-only | end-to-end | "
                  "parse/e2e | peak RSS |\n");
  fmt::print(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const ZoneResult& r : results) {
    const std::string none = "–";
    const double parse = rate(r.events, r.parse_seconds);
    const double e2e = rate(r.events, r.end_to_end_seconds);
    fmt::print(out, "| {} | {} | {:.3f} s | {:.1f} B | {} | {} | {} | {} | {} |\n", r.zone, r.pages,
               r.init_seconds, r.bytes_per_page,
               r.replayed ? fmt::format("{} ({:.2f} GB/s)", mega(parse),
                                        static_cast<double>(r.trace_bytes) / r.parse_seconds / 1e9)
                          : none,
               r.replayed ? mega(rate(r.events, r.engine_seconds)) : none,
               r.replayed ? mega(e2e) : none,
               r.replayed ? fmt::format("{:.2f}x", e2e > 0 ? parse / e2e : 0.0) : none,
               mib(r.replayed ? r.peak_rss : r.init_peak_rss));
  }
  fmt::print(out,
             "\nevents/s count trace events (marks included); engine-only times Simulator::run "
             "over events\nread ahead into memory in chunks of {}; end-to-end = counting pass + "
             "open_trace + run + finish\n(zone initialisation, the `init` column, excepted); "
             "peak RSS is getrusage ru_maxrss after that\nrow's run (rows run smallest first).\n",
             opt.chunk);
  for (const ZoneResult& r : results) {
    if (!r.replayed) continue;
    fmt::print(out, "{}: {} ({:.0f} MiB{}), failed {}, unmatched_free {}\n", r.zone, r.trace_path,
               static_cast<double>(r.trace_bytes) / (1 << 20),
               r.generate_seconds > 0 ? fmt::format(", generated in {:.1f} s", r.generate_seconds)
                                      : ", reused",
               r.counts.failed, r.counts.unmatched_free);
  }
}

nlohmann::ordered_json to_json(const Options& opt, const std::vector<ZoneResult>& results) {
  nlohmann::ordered_json doc;
  doc["memsim_bench"] = 1;
  doc["memsim_version"] = MEMSIM_VERSION;
  doc["policy"] = opt.policy;
  doc["events"] = opt.events;
  doc["seed"] = opt.seed;
  doc["cpus"] = opt.cpus;
  doc["live_fraction"] = opt.live_fraction;
  doc["interval"] = opt.interval ? nlohmann::ordered_json(*opt.interval) : nullptr;
  doc["zones"] = nlohmann::ordered_json::array();
  for (const ZoneResult& r : results) {
    nlohmann::ordered_json z;
    z["zone"] = r.zone;
    z["pages"] = r.pages;
    z["init_seconds"] = r.init_seconds;
    z["bytes_per_page"] = r.bytes_per_page;
    z["init_peak_rss_bytes"] = r.init_peak_rss;
    if (r.replayed) {
      z["trace"] = {{"path", r.trace_path}, {"bytes", r.trace_bytes}, {"events", r.events}};
      z["parse_events_per_second"] = rate(r.events, r.parse_seconds);
      z["parse_bytes_per_second"] = rate(r.trace_bytes, r.parse_seconds);
      z["engine_events_per_second"] = rate(r.events, r.engine_seconds);
      z["end_to_end_events_per_second"] = rate(r.events, r.end_to_end_seconds);
      z["peak_rss_bytes"] = r.peak_rss;
      z["failed"] = r.counts.failed;
      z["unmatched_free"] = r.counts.unmatched_free;
    }
    doc["zones"].push_back(std::move(z));
  }
  return doc;
}

std::uint64_t zone_pages(const std::string& zone, unsigned cpus) {
  return memsim::resolve_geometry(zone_config(zone, cpus)).pages;
}

int run(const Options& opt) {
  std::filesystem::create_directories(opt.out_dir);
  std::vector<std::pair<std::uint64_t, std::string>> zones;
  for (const std::string& zone : opt.zones) zones.emplace_back(zone_pages(zone, opt.cpus), zone);
  std::sort(zones.begin(), zones.end()); // smallest first, so ru_maxrss is each row's own peak

  std::vector<ZoneResult> results;
  for (const auto& [pages, zone] : zones) results.push_back(run_zone(opt, zone, pages));
  if (opt.init_zone != "none") {
    ZoneResult r;
    r.zone = opt.init_zone;
    r.pages = zone_pages(opt.init_zone, opt.cpus);
    std::cerr << "memsim_bench: " << r.zone << ": init only\n";
    measure_init(opt, r);
    results.push_back(r);
  }

  // With --json -, stdout carries the JSON alone and the table goes to stderr.
  print_table(opt.json_path == "-" ? stderr : stdout, opt, results);
  if (!opt.json_path.empty()) {
    const std::string text = to_json(opt, results).dump(2) + "\n";
    if (opt.json_path == "-") {
      std::cout << text;
    } else {
      std::ofstream out{opt.json_path, std::ios::trunc};
      out << text;
      if (!out.flush()) throw memsim::InputError(opt.json_path + ": cannot write");
    }
  }
  return 0;
}

// --ftrace FILE: kmem ftrace text, in trace lines per second (docs/spec.md §6, issue 4's 5 M
// lines/s): the reader alone (both its passes), then what `memsim replay FILE` does (both passes,
// the zone from the trace's geometry, Simulator::run with the default interval, the final stats).
int bench_ftrace(const std::string& path, const std::string& policy) {
  auto start = Clock::now();
  auto reader = memsim::open_trace(path);
  const double header_seconds = seconds_since(start);
  memsim::Event event;
  std::uint64_t n = 0;
  while (reader->next(event)) ++n;
  const double read_seconds = seconds_since(start);
  const auto lines = reader->header().meta.value("lines", std::uint64_t{0});
  const auto per_second = [&](double seconds) { return rate(lines, seconds) / 1e6; };
  std::cout << fmt::format("{}: {} lines, {} events\n", path, lines, n);
  std::cout << fmt::format(
      "  reader (2 passes): {:.2f} s (first pass {:.2f} s): {:.1f} M lines/s\n", read_seconds,
      header_seconds, per_second(read_seconds));

  start = Clock::now();
  auto replayed = memsim::open_trace(path);
  memsim::ConfigBuilder builder;
  builder.apply_header_zone(replayed->header().zone, path + ": header");
  const std::uint64_t events = replayed->header().events.value_or(n);
  memsim::ReplayOptions options;
  options.interval = std::max<std::uint64_t>(1, events / 200);
  memsim::Simulator sim{builder.config(), policy, policy, *replayed, path, options};
  sim.run(*replayed, [] {});
  const memsim::RunStats stats = sim.finish();
  const double replay_seconds = seconds_since(start);
  std::cout << fmt::format("  replay ({}, end to end): {:.2f} s: {:.1f} M lines/s, {:.1f} M "
                           "events/s; peak RSS {} MiB\n",
                           policy, replay_seconds, per_second(replay_seconds),
                           rate(stats.events.alloc + stats.events.free, replay_seconds) / 1e6,
                           peak_rss_bytes() >> 20);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"memsim_bench: the performance numbers of docs/spec.md §6 (use a release build)"};
  app.add_option("--events", opt.events, "events per generated trace")->capture_default_str();
  app.add_option("--zone", opt.zones, "zone sizes to replay (repeat or comma-separate)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--init-zone", opt.init_zone, "zone to initialise only, or `none`")
      ->capture_default_str();
  app.add_option("--out-dir", opt.out_dir, "where the generated traces go (reused if present)")
      ->capture_default_str();
  app.add_option("--policy", opt.policy, "policy to replay under")->capture_default_str();
  app.add_option("--json", opt.json_path, "also write the results as JSON (`-`: stdout)");
  app.add_option("--seed", opt.seed, "generator seed")->capture_default_str();
  app.add_option("--live-fraction", opt.live_fraction, "bound of the live set (share of zone)")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  app.add_option("--cpus", opt.cpus, "zone.cpus (CPUs in the trace)")
      ->check(CLI::Range(1U, 1024U))
      ->capture_default_str();
  app.add_option("--interval", opt.interval,
                 "timeline interval of the replays (default: events / 200; 0: marks only)");
  app.add_option("--chunk", opt.chunk, "events held in memory at a time (engine-only)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--power", opt.power, "price power segments in the replays (a preset or file)");
  std::string ftrace;
  app.add_option(
      "--ftrace", ftrace,
      "instead: time open_trace + next() over this ftrace text (lines/s, docs/spec.md §6)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!ftrace.empty()) return bench_ftrace(ftrace, opt.policy);
    return run(opt);
  } catch (const memsim::InputError& e) {
    std::cerr << "memsim_bench: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "memsim_bench: internal error: " << e.what() << '\n';
    return 2;
  }
}
