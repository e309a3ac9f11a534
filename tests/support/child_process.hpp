// The memsim binary as a child process fed through a pipe, for tests that must act while it runs
// (signals) or measure it (peak RSS through wait4): a generated JSON Lines trace of any length
// streams into `memsim ... -` without ever being on disk.
#pragma once

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "rng.hpp"

namespace memsim::test {

// A deterministic JSON Lines trace of unbounded length whose live set never exceeds `slots`
// allocations: each step picks a slot, frees its allocation if it holds one (with the right
// order) or else allocates a new id into it. Orders 0..3, all three migratetypes, two CPUs.
class TraceStream {
public:
  explicit TraceStream(std::uint64_t slots, std::uint64_t seed = 1)
      : slots_(slots, Slot{}), rng_{seed} {}

  static std::string header(const std::string& memory) {
    return fmt::format(R"({{"memsim_trace":1,"zone":{{"memory":"{}","cpus":2}}}})"
                       "\n",
                       memory);
  }

  // Appends the next `n` events to `out`.
  void append(std::string& out, std::uint64_t n) {
    static constexpr const char* kTypes[] = {"unmovable", "reclaimable", "movable"};
    auto it = std::back_inserter(out);
    for (std::uint64_t k = 0; k < n; ++k) {
      Slot& slot = slots_[rng_.below(slots_.size())];
      const unsigned cpu = rng_.below(2);
      if (slot.id != 0) {
        fmt::format_to(it,
                       R"({{"op":"free","id":{},"order":{},"cpu":{}}})"
                       "\n",
                       slot.id, slot.order, cpu);
        slot.id = 0;
      } else {
        const unsigned r = rng_.below(16);
        slot.order = r < 12 ? 0 : std::min(r - 11, 3u);
        slot.id = ++last_id_;
        fmt::format_to(it,
                       R"({{"op":"alloc","id":{},"order":{},"mt":"{}","cpu":{}}})"
                       "\n",
                       slot.id, slot.order, kTypes[rng_.below(3)], cpu);
      }
      ++events_;
    }
  }
  std::uint64_t events() const { return events_; }

private:
  struct Slot {
    std::uint64_t id = 0;
    unsigned order = 0;
  };
  std::vector<Slot> slots_;
  TestRng rng_;
  std::uint64_t last_id_ = 0;
  std::uint64_t events_ = 0;
};

struct ChildResult {
  int status = -1;       // exit status, or -1 when killed by a signal
  long max_rss_kib = -1; // peak resident set size (ru_maxrss)
};

// MEMSIM_BINARY with `args`, standard input a pipe (write_input), standard output and error to
// files. SIGPIPE is ignored while the child lives so a write after its exit fails with EPIPE.
class MemsimChild {
public:
  MemsimChild(const std::vector<std::string>& args, const std::filesystem::path& out,
              const std::filesystem::path& err) {
    std::vector<std::string> all{MEMSIM_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_path = out.string(), err_path = err.string();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    previous_sigpipe_ = std::signal(SIGPIPE, SIG_IGN);
    pid_ = ::fork();
    if (pid_ == 0) { // only async-signal-safe calls until exec
      ::dup2(fds[0], STDIN_FILENO);
      const int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, STDOUT_FILENO);
      ::dup2(e, STDERR_FILENO);
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    in_ = fds[1];
  }
  ~MemsimChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  MemsimChild(const MemsimChild&) = delete;
  MemsimChild& operator=(const MemsimChild&) = delete;

  // Writes all of `data`; false once the child has closed its input (it exited).
  bool write_input(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(in_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void close_input() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  void signal(int sig) const { ::kill(pid_, sig); }

  // Reaps the child, closing its input first unless `keep_input` (then the child cannot see the
  // end of its input and must exit on its own). A child still running after `timeout_s` seconds
  // is killed and reported with status -2.
  ChildResult wait(bool keep_input = false, int timeout_s = 300) {
    if (!keep_input) close_input();
    ChildResult result;
    if (pid_ <= 0) return result;
    int raw = 0;
    struct rusage usage {};
    bool timed_out = false;
    for (int waited_ms = 0;; waited_ms += 10) {
      const pid_t done = ::wait4(pid_, &raw, WNOHANG, &usage);
      if (done == pid_) break;
      if (done < 0 && errno != EINTR) break;
      if (waited_ms >= timeout_s * 1000 && !timed_out) {
        timed_out = true;
        ::kill(pid_, SIGKILL);
      }
      ::usleep(10000);
    }
    close_input();
    pid_ = -1;
    std::signal(SIGPIPE, previous_sigpipe_);
    result.status = timed_out ? -2 : WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    result.max_rss_kib = usage.ru_maxrss;
    return result;
  }

private:
  pid_t pid_ = -1;
  int in_ = -1;
  void (*previous_sigpipe_)(int) = SIG_DFL;
};

} // namespace memsim::test
