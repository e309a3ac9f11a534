// record() (recorder.hpp) and the command it runs (fork, execvp, a polling waitpid so that SIGINT
// and --seconds are seen).
#include "record/recorder.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/error.hpp"
#include "record/proc_dump.hpp"
#include "record/trace_stream.hpp"
#include "record/tracefs.hpp"

namespace memsim::record {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kWaitStep = std::chrono::milliseconds(20);
constexpr auto kSettle = std::chrono::milliseconds(100); // commits in flight when tracing stops

[[noreturn]] void refuse(const std::string& why) {
  throw InputError("memsim record: " + why);
}

// Refuses unless tracefs is free for us: no tracer, no event enabled by someone else.
void check_tracefs(const Tracefs& tracefs, const std::vector<std::string>& events) {
  const std::string tracer = tracefs.read("current_tracer");
  if (tracer != "nop")
    refuse(fmt::format("tracer '{}' is active ({}); another tracing session is using tracefs",
                       tracer, tracefs.path("current_tracer")));
  std::string enabled = tracefs.read("set_event");
  if (!enabled.empty()) {
    for (char& c : enabled) c = c == '\n' ? ' ' : c;
    refuse(fmt::format("events already enabled ({}: {}); another tracing session is using "
                       "tracefs",
                       tracefs.path("set_event"), enabled));
  }
  for (const std::string& event : events)
    if (!tracefs.exists("events/" + event + "/enable"))
      refuse(fmt::format("this kernel has no event {} ({} is missing)", event,
                         tracefs.path("events/" + event)));
}

void prepare_out_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    refuse(fmt::format("{}: exists and is not an empty directory", dir));
  fs::create_directories(dir, ec);
  if (ec) refuse(fmt::format("{}: cannot create: {}", dir, ec.message()));
}

// The value buffer_size_kb takes back: "7 (expanded: 1408)" is a buffer not yet allocated, whose
// size once used is 1408.
std::string buffer_restore_value(const std::string& shown) {
  const std::size_t expanded = shown.find("expanded: ");
  if (expanded == std::string::npos) return shown.substr(0, shown.find(' '));
  return shown.substr(expanded + 10, shown.find(')', expanded) - expanded - 10);
}

pid_t start_command(const std::vector<std::string>& command) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) refuse(fmt::format("pipe: {}", std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) refuse(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(argv[0], argv.data());
    const int err = errno;
    [[maybe_unused]] const ssize_t n = ::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  const ssize_t n = ::read(report[0], &err, sizeof err); // EOF: exec succeeded (O_CLOEXEC)
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    ::waitpid(pid, nullptr, 0);
    refuse(fmt::format("cannot run '{}': {}", command[0], std::strerror(err)));
  }
  return pid;
}

// Waits for the command (none: for SIGINT or the time limit). Fills the result's ending.
void wait_for_end(const RecordOptions& options, const std::atomic<bool>& interrupt, pid_t pid,
                  RecordResult& result) {
  const Clock::time_point start = Clock::now();
  const auto limit = std::chrono::duration<double>(options.seconds);
  bool signalled = false;
  for (;;) {
    if (pid > 0) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        result.command_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return;
      }
    }
    const bool over = options.seconds > 0 && Clock::now() - start >= limit;
    if (!signalled && (interrupt || over)) {
      result.interrupted = interrupt;
      result.timed_out = over && !interrupt;
      if (pid <= 0) return;
      ::kill(pid, interrupt ? SIGINT : SIGTERM); // the command may not share our terminal
      signalled = true;
    }
    std::this_thread::sleep_for(kWaitStep);
  }
}

// trace_clock lists every clock with the current one in brackets.
std::string current_clock(const std::string& clocks) {
  const std::size_t open = clocks.find('[');
  const std::size_t close = clocks.find(']', open);
  return open == std::string::npos || close == std::string::npos
             ? clocks
             : clocks.substr(open + 1, close - open - 1);
}

void write_meta(const RecordOptions& options, const RecordResult& result, const Tracefs& tracefs,
                const LostCounters& lost) {
  utsname uts{};
  ::uname(&uts);
  nlohmann::ordered_json meta = {
      {"memsim_record", 1},
      {"memsim_version", MEMSIM_VERSION},
      {"trace", "trace.txt.zst"},
      {"begin", "begin"},
      {"end", "end"},
      {"kernel", uts.release},
      {"command", options.command},
      {"command_status", result.command_status < 0 ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(result.command_status)},
      {"events", recorded_events(options.buddy_events)},
      {"trace_clock", current_clock(tracefs.read("trace_clock"))},
      {"buffer_size_kb", options.buffer_kb},
      {"duration_s", result.duration_s},
      {"stopped_by", result.interrupted ? "signal"
                     : result.timed_out ? "seconds"
                                        : "command"},
      {"trace_bytes", result.trace_bytes},
      {"lost_events", result.lost_events},
      {"lost",
       {{"overrun", lost.overrun},
        {"commit_overrun", lost.commit_overrun},
        {"dropped", lost.dropped}}},
  };
  const std::string path = options.out_dir + "/meta.json";
  {
    std::ofstream out(path + ".tmp");
    out << meta.dump(2) << '\n';
    if (!out.flush()) refuse(fmt::format("{}: write error", path));
  }
  fs::rename(path + ".tmp", path);
}

// `prepared`: the bundle directory is ours to remove on failure.
RecordResult record_into(const RecordOptions& options, const std::atomic<bool>& interrupt,
                         bool& prepared) {
  const std::vector<std::string> events = recorded_events(options.buddy_events);
  Tracefs tracefs;
  check_tracefs(tracefs, events);
  prepare_out_dir(options.out_dir);
  prepared = true;
  tracefs.set("tracing_on", "0");
  tracefs.write("trace", "");
  tracefs.set("buffer_size_kb", std::to_string(options.buffer_kb),
              buffer_restore_value(tracefs.read("buffer_size_kb")));
  for (const std::string& event : events) tracefs.set("events/" + event + "/enable", "1", "0");
  const LostCounters before = read_lost_counters(tracefs);
  TraceStreamer streamer(tracefs.path("trace_pipe"), options.out_dir + "/trace.txt.zst");
  take_proc_snapshot(options.out_dir + "/begin");
  RecordResult result;
  const Clock::time_point start = Clock::now();
  tracefs.write("tracing_on", "1");
  const pid_t pid = options.command.empty() ? -1 : start_command(options.command);
  wait_for_end(options, interrupt, pid, result);
  tracefs.write("tracing_on", "0");
  result.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(kSettle);
  const StreamTotals totals = streamer.stop();
  take_proc_snapshot(options.out_dir + "/end");
  LostCounters lost = read_lost_counters(tracefs);
  lost.overrun -= before.overrun;
  lost.commit_overrun -= before.commit_overrun;
  lost.dropped -= before.dropped;
  result.trace_bytes = totals.bytes;
  result.lost_events = std::max<std::uint64_t>(lost.total(), totals.lost_events);
  const std::string restore_error = tracefs.restore();
  if (!restore_error.empty()) refuse("could not restore tracefs: " + restore_error);
  if (result.lost_events != 0 && !options.allow_lost)
    refuse(fmt::format("{} events lost in the ring buffer (overrun {}, dropped {}): raise "
                       "--buffer-kb, or keep the bundle with --allow-lost",
                       result.lost_events, lost.overrun + lost.commit_overrun, lost.dropped));
  write_meta(options, result, tracefs, lost);
  return result;
}

} // namespace

std::vector<std::string> recorded_events(bool buddy_events) {
  std::vector<std::string> events = {"kmem/mm_page_alloc", "kmem/mm_page_free"};
  if (!buddy_events) return events;
  for (const char* e :
       {"kmem/mm_page_alloc_zone_locked", "kmem/mm_page_pcpu_drain", "kmem/mm_page_alloc_extfrag",
        "compaction/mm_compaction_begin", "compaction/mm_compaction_end",
        "compaction/mm_compaction_isolate_freepages",
        "compaction/mm_compaction_fast_isolate_freepages", "migrate/mm_migrate_pages"})
    events.emplace_back(e);
  return events;
}

RecordResult record(const RecordOptions& options, const std::atomic<bool>& interrupt) {
  if (::geteuid() != 0) refuse("needs root (tracefs, /proc/kpageflags)");
  std::error_code ec;
  const bool existed = fs::exists(options.out_dir, ec); // then empty (prepare_out_dir checks)
  bool prepared = false;
  try {
    return record_into(options, interrupt, prepared);
  } catch (...) {
    if (prepared && !existed) fs::remove_all(options.out_dir, ec);
    if (prepared && existed)
      for (const auto& entry : fs::directory_iterator(options.out_dir, ec))
        fs::remove_all(entry.path(), ec);
    throw;
  }
}

} // namespace memsim::record
