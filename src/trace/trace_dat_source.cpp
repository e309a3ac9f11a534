// The trace.dat reader of trace_dat_source.hpp over libtracecmd's public API (Debian's
// libtracecmd-dev): tracecmd_read_cpu_first / tracecmd_read_data per CPU, merged here by
// timestamp, and tep_print_event with trace-cmd report's format for each record. libtracecmd
// trusts the sizes and strings of the file (a corrupt one makes it allocate absurd sizes or read
// past its buffers: libFuzzer finds both in seconds), so it runs in a child process (fork, no
// exec) that writes the text into a pipe: a file that breaks it ends as a one-line error of
// memsim's, never as a crash; the decoding also runs beside the parsing, on another core.
#include "trace/trace_dat_source.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sched.h> // cpu_set_t, used by trace-cmd.h
#include <sys/wait.h>
#include <unistd.h>

// tracefs.h, which trace-cmd.h includes, defines inline functions that C++ rejects (an int passed
// as an enum); nothing used here needs it, so its include guard is set first.
#define _TRACE_FS_H
#include <trace-cmd/trace-cmd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

// A sanitizer build's death callback (libFuzzer records a crash through it): set only when the
// sanitizer runtime is linked in.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace memsim::trace {
namespace {

constexpr char kMagic[] = "\x17\x08\x44tracing";
constexpr std::size_t kMagicLen = sizeof kMagic - 1;
constexpr std::size_t kFillBytes = std::size_t{64} << 10; // text formatted per refill

// The file version: the NUL-terminated decimal string after the magic.
std::string file_version(int fd) {
  char head[kMagicLen + 8] = {};
  const ssize_t n = ::pread(fd, head, sizeof head - 1, 0);
  if (n <= static_cast<ssize_t>(kMagicLen)) return "?";
  return std::string(head + kMagicLen, ::strnlen(head + kMagicLen, sizeof head - 1 - kMagicLen));
}

constexpr int kCannotOpen = 3; // the child's exit status when libtracecmd cannot open the file
constexpr int kPollMs = 100;

// The decoding, in the child: the records in time order, as text.
class TraceDatDecoder {
public:
  explicit TraceDatDecoder(int fd) {
    const std::string version = file_version(fd);
    tracecmd_set_loglevel(TEP_LOG_NONE);
    tep_set_loglevel(TEP_LOG_NONE);
    // No plugins: the text must not depend on what the machine has installed.
    if (::lseek(fd, 0, SEEK_SET) == 0)
      handle_ =
          tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
    if (handle_ == nullptr) return;
    tep_ = tracecmd_get_tep(handle_);
    const int cpus = tep_get_cpus(tep_);
    next_.assign(static_cast<std::size_t>(std::max(cpus, 0)), nullptr);
    for (std::size_t cpu = 0; cpu < next_.size(); ++cpu)
      next_[cpu] = tracecmd_read_cpu_first(handle_, static_cast<int>(cpu));
    trace_seq_init(&seq_);
    text_ = fmt::format("# trace.dat version {}, {} CPUs\n", version, next_.size());
  }
  bool opened() const { return handle_ != nullptr; }
  // The text so far; cleared by the caller.
  std::string& text() { return text_; }

  // Formats the next records, in time order, into text(); false at the end.
  bool refill() {
    while (text_.size() < kFillBytes) {
      const int cpu = earliest_cpu();
      if (cpu < 0) break;
      tep_record*& record = next_[static_cast<std::size_t>(cpu)];
      append(*record);
      tracecmd_free_record(record);
      record = tracecmd_read_data(handle_, cpu);
    }
    return !text_.empty();
  }

private:
  // The CPU whose next record is the earliest (the lowest CPU on a tie); -1 when all are done.
  int earliest_cpu() const {
    int best = -1;
    for (std::size_t cpu = 0; cpu < next_.size(); ++cpu) {
      const tep_record* r = next_[cpu];
      if (r != nullptr && (best < 0 || r->ts < next_[static_cast<std::size_t>(best)]->ts))
        best = static_cast<int>(cpu);
    }
    return best;
  }
  // One record as `trace-cmd report` prints it (lost events first, as it reports them).
  void append(tep_record& record) {
    if (record.missed_events > 0)
      text_ += fmt::format("CPU:{} [{} EVENTS DROPPED]\n", record.cpu, record.missed_events);
    else if (record.missed_events < 0)
      text_ += fmt::format("CPU:{} [EVENTS DROPPED]\n", record.cpu);
    trace_seq_reset(&seq_);
    tep_print_event(tep_, &seq_, &record, "%16s-%-5d [%03d] %6.1000d: %s: %s", TEP_PRINT_COMM,
                    TEP_PRINT_PID, TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
    std::size_t len = seq_.len;
    // A print event's buffer ends with the marker's newline; a record stays one line.
    while (len > 0 && (seq_.buffer[len - 1] == '\n' || seq_.buffer[len - 1] == ' ')) --len;
    const std::size_t start = text_.size();
    text_.append(seq_.buffer, len);
    std::replace(text_.begin() + static_cast<std::ptrdiff_t>(start), text_.end(), '\n', ' ');
    text_ += '\n';
  }

  tracecmd_input* handle_ = nullptr;
  tep_handle* tep_ = nullptr;
  std::vector<tep_record*> next_; // per CPU: the next record, null once the CPU is done
  trace_seq seq_{};
  std::string text_;
};

bool write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The child's whole life: decode `fd` into `out`, then _exit (no atexit handlers, no stdio
// flush, no leak check of the parent's heap).
[[noreturn]] void run_decoder(int fd, int out) {
  ::signal(SIGPIPE, SIG_DFL); // the reader gone: end at once
  // Not the parent's handlers: memsim's remove its outputs, a fuzzer's would record libtracecmd's
  // failures as its own crashes. The parent reports how the child ended.
  for (const int signal : {SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE})
    ::signal(signal, SIG_DFL);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(nullptr);
  TraceDatDecoder decoder(fd);
  if (!decoder.opened()) ::_exit(kCannotOpen);
  for (;;) {
    if (!write_all(out, decoder.text())) ::_exit(1);
    decoder.text().clear();
    if (!decoder.refill()) ::_exit(0);
  }
}

// The parent's side: the child's text, read from the pipe.
class TraceDatStream final : public InputStream {
public:
  TraceDatStream(int fd, const std::string& name, const std::atomic<bool>* stop)
      : name_(name), stop_(stop) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      ::close(fd);
      throw InputError(fmt::format("{}: cannot decode: pipe: {}", name, std::strerror(errno)));
    }
    child_ = ::fork();
    if (child_ == 0) {
      ::close(pipe_fds[0]);
      run_decoder(fd, pipe_fds[1]);
    }
    ::close(fd);
    ::close(pipe_fds[1]);
    pipe_ = pipe_fds[0];
    if (child_ < 0) {
      ::close(pipe_);
      throw InputError(fmt::format("{}: cannot decode: fork: {}", name, std::strerror(errno)));
    }
  }
  ~TraceDatStream() override {
    ::close(pipe_); // a child still writing gets SIGPIPE
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
  }
  TraceDatStream(const TraceDatStream&) = delete;
  TraceDatStream& operator=(const TraceDatStream&) = delete;

  std::size_t read(char* dst, std::size_t max) override {
    std::size_t done = 0;
    while (done < max && child_ > 0) {
      if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) break;
      pollfd pfd{pipe_, POLLIN, 0};
      if (::poll(&pfd, 1, kPollMs) == 0) continue;
      const ssize_t n = ::read(pipe_, dst + done, max - done);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      finish(); // end of the text: how did the child end?
    }
    return done;
  }

private:
  void finish() {
    int status = 0;
    ::waitpid(child_, &status, 0);
    child_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotOpen)
      throw InputError(name_ + ": not a readable trace.dat file (libtracecmd cannot open it)");
    throw InputError(fmt::format("{}: corrupt trace.dat: libtracecmd failed reading it ({})", name_,
                                 WIFSIGNALED(status)
                                     ? fmt::format("signal {}", WTERMSIG(status))
                                     : fmt::format("status {}", WEXITSTATUS(status))));
  }

  std::string name_;
  const std::atomic<bool>* stop_;
  pid_t child_ = -1;
  int pipe_ = -1;
};

} // namespace

bool is_trace_dat(const unsigned char* head, std::size_t len) {
  return len >= kMagicLen && std::memcmp(head, kMagic, kMagicLen) == 0;
}

std::unique_ptr<InputStream> make_trace_dat_stream(int fd, const std::string& name,
                                                   const std::atomic<bool>* stop) {
  return std::make_unique<TraceDatStream>(fd, name, stop);
}

} // namespace memsim::trace
