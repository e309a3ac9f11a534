// `memsim record` on the live kernel (src/record/): a known workload recorded into a bundle with
// no events lost, the bundle replayed and imported, tracefs left as it was found; the refusals
// (not root, tracefs in use, a bundle directory that is not empty, a command that cannot run) and
// the end by SIGINT. Needs root and tracefs: skipped (MEMSIM-SKIP) elsewhere. Each test holds
// /tmp/tracefs.lock (flock) while it uses tracefs, as everything on these machines does.
#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"
#include "../../support/skip.hpp"

namespace fs = std::filesystem;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::TempDir;

namespace {

constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kWorkload =
    "head -c 50M /dev/urandom > /dev/shm/memsim-record-test; rm /dev/shm/memsim-record-test";

// Why recording cannot run here ("" when it can).
std::string cannot_record() {
  if (::geteuid() != 0) return "memsim record needs root";
  if (!fs::exists(kTracefs)) return "no /sys/kernel/tracing (kernel without tracefs)";
  return "";
}

// Page allocations of the test's own while a recording without a command runs: an idle machine
// may allocate no page in a second. Maps, touches and unmaps 4 MiB until destroyed.
class PageChurn {
public:
  PageChurn()
      : thread_([this] {
          constexpr std::size_t kBytes = std::size_t{4} << 20;
          while (!stop_) {
            void* p =
                ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return;
            for (std::size_t i = 0; i < kBytes; i += 4096) static_cast<volatile char*>(p)[i] = 1;
            ::munmap(p, kBytes);
          }
        }) {}
  ~PageChurn() {
    stop_ = true;
    thread_.join();
  }
  PageChurn(const PageChurn&) = delete;
  PageChurn& operator=(const PageChurn&) = delete;

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class TracefsLock {
public:
  TracefsLock() : fd_(::open("/tmp/tracefs.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~TracefsLock() {
    if (fd_ >= 0) ::close(fd_); // releases the lock
  }
  TracefsLock(const TracefsLock&) = delete;
  TracefsLock& operator=(const TracefsLock&) = delete;

private:
  int fd_;
};

std::string tracefs_file(const std::string& name) {
  std::string text = slurp(std::string(kTracefs) + "/" + name);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// The settings memsim record changes, to compare before and after.
std::string tracefs_state() {
  if (!fs::exists(std::string(kTracefs) + "/tracing_on")) return "not mounted";
  std::string state;
  for (const char* file : {"current_tracer", "set_event", "tracing_on", "buffer_size_kb",
                           "trace_clock", "events/kmem/enable", "events/compaction/enable"})
    state += std::string(file) + "=" + tracefs_file(file) + "\n";
  return state;
}

// tracefs mounted for the test's own writes (memsim record mounts it itself), unmounted after if
// it was not mounted before.
class TracefsMount {
public:
  TracefsMount() {
    if (fs::exists(std::string(kTracefs) + "/tracing_on")) return;
    mounted_ = std::system("mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null") == 0;
  }
  ~TracefsMount() {
    if (mounted_) {
      [[maybe_unused]] const int rc = std::system("umount /sys/kernel/tracing");
    }
  }
  TracefsMount(const TracefsMount&) = delete;
  TracefsMount& operator=(const TracefsMount&) = delete;

private:
  bool mounted_ = false;
};

nlohmann::json meta_of(const fs::path& bundle) {
  return nlohmann::json::parse(slurp(bundle / "meta.json"));
}

} // namespace

TEST_CASE("memsim record of a known workload writes a bundle that replays, with nothing lost and "
          "tracefs restored",
          "[record][slow]") {
  if (const std::string why = cannot_record(); !why.empty()) return memsim::test::skip_test(why);
  TracefsLock lock;
  TempDir dir;
  const fs::path bundle = dir / "b";
  const std::string before = tracefs_state();
  const auto recorded = run_memsim({"record", "-o", bundle.string(), "--", "sh", "-c", kWorkload});
  INFO(recorded.err);
  REQUIRE(recorded.status == 0);
  CHECK(tracefs_state() == before);
  const nlohmann::json meta = meta_of(bundle);
  CHECK(meta["lost_events"] == 0);
  CHECK(meta["command_status"] == 0);
  CHECK(meta["stopped_by"] == "command");
  CHECK(meta["events"] == nlohmann::json({"kmem/mm_page_alloc", "kmem/mm_page_free"}));
  for (const char* part : {"begin", "end"})
    for (const char* file : {"buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat", "version",
                             "kpageflags", "kpagecount"}) {
      INFO(part << "/" << file);
      CHECK(fs::file_size(bundle / part / file) > 0);
    }
  CHECK_THAT(slurp(bundle / "begin" / "version"), Catch::StartsWith("Linux version "));

  // The trace holds the workload: 50 MiB of tmpfs pages are 12800 movable allocations at least.
  const auto imported =
      run_memsim({"import", "ftrace", bundle.string(), "-o", (dir / "b.jsonl").string()});
  REQUIRE(imported.status == 0);
  std::istringstream lines(slurp(dir / "b.jsonl"));
  std::string line;
  std::getline(lines, line);
  const auto header = nlohmann::json::parse(line);
  CHECK(header["meta"]["proc_in"]["dir"] == (bundle / "begin").string());
  std::uint64_t movable = 0;
  std::uint64_t events = 0;
  while (std::getline(lines, line)) {
    ++events;
    movable += line.find(R"("op":"alloc")") != std::string::npos &&
               line.find(R"("mt":"movable")") != std::string::npos;
  }
  CHECK(movable >= 12800);
  CHECK(events == header["meta"]["events"].get<std::uint64_t>());

  // `memsim replay DIR` reads the bundle's trace from its begin snapshot: every event counted.
  const auto replayed = run_memsim({"replay", bundle.string(), "--json", "-"});
  INFO(replayed.err);
  REQUIRE(replayed.status == 0);
  const auto stats = nlohmann::json::parse(replayed.out);
  CHECK(stats["trace"]["events"] == events);
  CHECK(stats["events"]["alloc"].get<std::uint64_t>() +
            stats["events"]["free"].get<std::uint64_t>() +
            stats["events"]["mark"].get<std::uint64_t>() +
            stats["events"]["split"].get<std::uint64_t>() ==
        events);
}

TEST_CASE("memsim record --events buddy --seconds records the buddy-level events for that long "
          "without a command",
          "[record][slow]") {
  if (const std::string why = cannot_record(); !why.empty()) return memsim::test::skip_test(why);
  TracefsLock lock;
  TempDir dir;
  const std::string before = tracefs_state();
  std::optional<memsim::test::CommandResult> result;
  {
    const PageChurn churn;
    result =
        run_memsim({"record", "-o", (dir / "b").string(), "--events", "buddy", "--seconds", "1"});
  }
  const auto& recorded = *result;
  INFO(recorded.err);
  REQUIRE(recorded.status == 0);
  CHECK(tracefs_state() == before);
  const nlohmann::json meta = meta_of(dir / "b");
  CHECK(meta["stopped_by"] == "seconds");
  CHECK(meta["command_status"].is_null());
  CHECK(meta["duration_s"].get<double>() >= 1.0);
  CHECK(meta["duration_s"].get<double>() < 3.0);
  CHECK(meta["events"].size() == 10);
  CHECK(meta["events"][9] == "migrate/mm_migrate_pages");

  // The bundle replays under the kernel's own placements (docs/spec.md §7.2), validated against
  // its own end snapshot: the kernel generation is the bundle's, every fallback is the trace's.
  const auto replayed = run_memsim({"replay", (dir / "b").string(), "--policy", "recorded",
                                    "--proc-expect", (dir / "b" / "end").string(), "--json", "-"});
  INFO(replayed.err);
  REQUIRE(replayed.status == 0);
  const auto stats = nlohmann::json::parse(replayed.out);
  CHECK(stats["policy"] == "recorded");
  CHECK(stats.contains("recorded"));
  CHECK(stats["config"]["recorded"]["kernel"].get<std::string>().starts_with("6."));
  CHECK(stats["validation"]["fallbacks"]["model"] == stats["validation"]["fallbacks"]["real"]);
  CHECK(stats["validation"]["free_pages"]["real"].get<std::uint64_t>() > 0);
}

TEST_CASE("memsim record stops at SIGINT, finishes the bundle and exits 0", "[record][slow]") {
  if (const std::string why = cannot_record(); !why.empty()) return memsim::test::skip_test(why);
  TracefsLock lock;
  TempDir dir;
  const std::string before = tracefs_state();
  const std::string bundle = (dir / "b").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(MEMSIM_BINARY, MEMSIM_BINARY, "record", "-o", bundle.c_str(), nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200 && !fs::exists(fs::path(bundle) / "begin" / "kpagecount"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(meta_of(bundle)["stopped_by"] == "signal");
  CHECK(fs::exists(fs::path(bundle) / "end" / "kpageflags"));
  CHECK(tracefs_state() == before);
}

TEST_CASE("memsim record refuses, in one line and leaving everything as it was, when it cannot "
          "record cleanly",
          "[record]") {
  if (const std::string why = cannot_record(); !why.empty()) return memsim::test::skip_test(why);
  TracefsLock lock;
  TempDir dir;
  const std::string before = tracefs_state();
  const auto one_line_error = [](const memsim::test::CommandResult& r, const std::string& text) {
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::Contains(text));
  };

  SECTION("another session's event is enabled") {
    const TracefsMount mount;
    REQUIRE(fs::exists(std::string(kTracefs) + "/events/kmem/mm_page_free/enable"));
    std::ofstream(std::string(kTracefs) + "/events/kmem/mm_page_free/enable") << "1\n";
    const auto r = run_memsim({"record", "-o", (dir / "b").string(), "--", "true"});
    std::ofstream(std::string(kTracefs) + "/events/kmem/mm_page_free/enable") << "0\n";
    one_line_error(r, "events already enabled");
    CHECK_THAT(r.err, Catch::Contains("kmem:mm_page_free"));
    CHECK(!fs::exists(dir / "b"));
  }
  SECTION("the bundle directory holds files") {
    std::ofstream(dir / "keep") << "mine\n";
    const auto r = run_memsim({"record", "-o", dir.path.string(), "--", "true"});
    one_line_error(r, "exists and is not an empty directory");
    CHECK(slurp(dir / "keep") == "mine\n");
  }
  SECTION("the command cannot run") {
    const auto r = run_memsim({"record", "-o", (dir / "b").string(), "--", "no-such-command-x"});
    one_line_error(r, "cannot run 'no-such-command-x': No such file or directory");
    CHECK(!fs::exists(dir / "b"));
  }
  SECTION("not root") {
    if (!fs::exists("/usr/bin/setpriv")) return memsim::test::skip_test("no setpriv");
    fs::permissions(dir.path, fs::perms::all);
    const std::string command = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " +
                                memsim::test::shell_quote(MEMSIM_BINARY) + " record -o " +
                                memsim::test::shell_quote((dir / "b").string()) + " -- true 2>" +
                                memsim::test::shell_quote((dir / "err").string());
    const int raw = std::system(command.c_str());
    CHECK(WEXITSTATUS(raw) == 1);
    CHECK(slurp(dir / "err") == "memsim record: needs root (tracefs, /proc/kpageflags)\n");
  }
  CHECK(tracefs_state() == before);
}

TEST_CASE("perf record of the kmem events on the live kernel, printed by perf script, imports "
          "the workload's allocations",
          "[record][slow]") {
  if (const std::string why = cannot_record(); !why.empty()) return memsim::test::skip_test(why);
  if (std::system("perf --version >/dev/null 2>&1") != 0)
    return memsim::test::skip_test("no perf (Debian's linux-perf)");
  TracefsLock lock;
  TempDir dir;
  const std::string data = (dir / "perf.data").string();
  const std::string text = (dir / "perf.txt").string();
  const std::string record = "perf record -q -e kmem:mm_page_alloc -e kmem:mm_page_free -a -o " +
                             memsim::test::shell_quote(data) + " -- sh -c " +
                             memsim::test::shell_quote(kWorkload) + " >/dev/null 2>&1";
  REQUIRE(std::system(record.c_str()) == 0);
  const std::string script = "perf script -i " + memsim::test::shell_quote(data) + " > " +
                             memsim::test::shell_quote(text) + " 2>/dev/null";
  REQUIRE(std::system(script.c_str()) == 0);
  const auto imported = run_memsim({"import", "ftrace", text, "-o", (dir / "p.jsonl").string()});
  INFO(imported.err);
  REQUIRE(imported.status == 0);
  std::istringstream lines(slurp(dir / "p.jsonl"));
  std::string line;
  std::getline(lines, line);
  CHECK(nlohmann::json::parse(line)["meta"]["bad_lines"] == 0);
  std::uint64_t movable = 0;
  while (std::getline(lines, line))
    movable += line.find(R"("op":"alloc")") != std::string::npos &&
               line.find(R"("mt":"movable")") != std::string::npos;
  CHECK(movable >= 12800);
}
