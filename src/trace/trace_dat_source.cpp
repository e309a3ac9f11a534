// The trace.dat reader of trace_dat_source.hpp over libtracecmd's public API (Debian's
// libtracecmd-dev): tracecmd_read_cpu_first / tracecmd_read_data per CPU, merged here by
// timestamp, and tep_print_event with trace-cmd report's format for each record.
#include "trace/trace_dat_source.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <sched.h> // cpu_set_t, used by trace-cmd.h
#include <unistd.h>

// tracefs.h, which trace-cmd.h includes, defines inline functions that C++ rejects (an int passed
// as an enum); nothing used here needs it, so its include guard is set first.
#define _TRACE_FS_H
#include <trace-cmd/trace-cmd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

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

class TraceDatStream final : public InputStream {
public:
  TraceDatStream(int fd, const std::string& name, const std::atomic<bool>* stop) : stop_(stop) {
    const std::string version = file_version(fd);
    tracecmd_set_loglevel(TEP_LOG_NONE);
    tep_set_loglevel(TEP_LOG_NONE);
    // No plugins: the text must not depend on what the machine has installed.
    if (::lseek(fd, 0, SEEK_SET) == 0)
      handle_ =
          tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
    if (handle_ == nullptr) {
      ::close(fd);
      throw InputError(name + ": not a readable trace.dat file (libtracecmd cannot open it)");
    }
    tep_ = tracecmd_get_tep(handle_);
    const int cpus = tep_get_cpus(tep_);
    next_.assign(static_cast<std::size_t>(std::max(cpus, 0)), nullptr);
    for (std::size_t cpu = 0; cpu < next_.size(); ++cpu)
      next_[cpu] = tracecmd_read_cpu_first(handle_, static_cast<int>(cpu));
    trace_seq_init(&seq_);
    text_ = fmt::format("# trace.dat version {}, {} CPUs\n", version, next_.size());
  }
  ~TraceDatStream() override {
    for (tep_record* record : next_)
      if (record != nullptr) tracecmd_free_record(record);
    trace_seq_destroy(&seq_);
    tracecmd_close(handle_); // closes the descriptor
  }
  TraceDatStream(const TraceDatStream&) = delete;
  TraceDatStream& operator=(const TraceDatStream&) = delete;

  std::size_t read(char* dst, std::size_t max) override {
    std::size_t done = 0;
    while (done < max) {
      if (pos_ == text_.size() && (stopped() || !refill())) break;
      const std::size_t n = std::min(max - done, text_.size() - pos_);
      std::memcpy(dst + done, text_.data() + pos_, n);
      pos_ += n;
      done += n;
    }
    return done;
  }

private:
  bool stopped() const { return stop_ != nullptr && stop_->load(std::memory_order_relaxed); }
  // Formats the next records, in time order, into text_; false at the end.
  bool refill() {
    text_.clear();
    pos_ = 0;
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

  const std::atomic<bool>* stop_;
  tracecmd_input* handle_ = nullptr;
  tep_handle* tep_ = nullptr;
  std::vector<tep_record*> next_; // per CPU: the next record, null once the CPU is done
  trace_seq seq_{};
  std::string text_;
  std::size_t pos_ = 0;
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
