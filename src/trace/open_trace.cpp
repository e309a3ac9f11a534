// open_trace(), count_trace_events() and make_memory_reader() (include/memsim/trace.hpp): the
// entry to the readers. The format is told by content, never by the file name: the header
// object is read by the streaming scanner (header.cpp); an "events" key inside it makes the
// trace a JSON document (json_reader.cpp), an object that closes on its first line a JSON Lines
// header (jsonl_reader.cpp); text that starts like a kernel trace is ftrace kmem text
// (ftrace_reader.cpp). Compression is told by magic bytes (input_stream.cpp).
#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/header.hpp"
#include "trace/input_stream.hpp"
#include "trace/readers.hpp"
#include "trace/spool.hpp"

namespace memsim {
namespace {

using trace::InputBuffer;
using trace::JsonScanner;

constexpr std::size_t kSniffBytes = std::size_t{1} << 16; // enough for 32 lines of ftrace text

// A trace opened up to the end of its header.
struct OpenedTrace {
  std::unique_ptr<InputBuffer> buffer;
  JsonScanner scanner; // over *buffer, after the header
  trace::HeaderScan scan;
  std::uint64_t header_line = 1;
};

OpenedTrace open_header(std::unique_ptr<trace::InputStream> input, const std::string& name) {
  auto buffer = std::make_unique<InputBuffer>(std::move(input));
  buffer->refill(0);
  JsonScanner scanner(*buffer, 0, name);
  if (scanner.peek() < 0) throw InputError(name + ": empty trace (no memsim header)");
  const std::uint64_t header_line = 1 + scanner.newlines();
  trace::HeaderScan scan = trace::scan_header(scanner, header_line, name);
  return OpenedTrace{std::move(buffer), std::move(scanner), std::move(scan), header_line};
}

// Ftrace kmem text rather than a memsim trace, told by the first bytes (decompressed); a
// trace.dat or Perfetto trace is ftrace text once converted (and is told without converting).
bool is_ftrace(const std::string& path) {
  if (trace::is_binary_kernel_trace(path)) return true;
  InputBuffer buffer(trace::open_input(path), kSniffBytes);
  buffer.refill(0);
  return looks_like_ftrace(std::string_view(buffer.data(), buffer.size()));
}

// Standard input whose first bytes were read to tell the format: gives them back first.
class PrefixedStream final : public trace::InputStream {
public:
  PrefixedStream(std::string prefix, std::unique_ptr<trace::InputStream> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  std::size_t read(char* dst, std::size_t max) override {
    std::size_t got = std::min(max, prefix_.size() - used_);
    std::memcpy(dst, prefix_.data() + used_, got);
    used_ += got;
    if (got < max) got += rest_->read(dst + got, max - got);
    return got;
  }

private:
  std::string prefix_;
  std::size_t used_ = 0;
  std::unique_ptr<trace::InputStream> rest_;
};

std::string read_head(trace::InputStream& input) {
  std::string head(kSniffBytes, '\0');
  head.resize(input.read(head.data(), head.size()));
  return head;
}

// Ftrace text is read in two passes, so standard input is first copied (decompressed) to an
// unnamed temporary file (spool.hpp), which the reader opens twice through /proc/self/fd.
std::unique_ptr<TraceReader> open_spooled_ftrace(const std::string& head, trace::InputStream& rest,
                                                 FtraceOptions options) {
  const int fd = trace::spool_to_tmpfile(head, rest, "<stdin>", "ftrace text");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  options.name = "<stdin>";
  return open_ftrace(fmt::format("/proc/self/fd/{}", fd), options);
}

class MemoryReader final : public TraceReader {
public:
  MemoryReader(TraceHeader header, std::vector<Event> events, std::string name)
      : header_(std::move(header)), events_(std::move(events)), name_(std::move(name)) {}

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override {
    if (next_ == events_.size()) return false;
    out = events_[next_++];
    return true;
  }
  std::string where(std::uint64_t pos) const override { return fmt::format("{}:{}", name_, pos); }

private:
  TraceHeader header_;
  std::vector<Event> events_;
  std::string name_;
  std::size_t next_ = 0;
};

} // namespace

std::unique_ptr<TraceReader> open_trace(const std::string& path, const FtraceOptions& ftrace) {
  std::string name = trace::display_name(path);
  std::unique_ptr<trace::InputStream> input;
  if (path == "-") {
    auto stdin_stream = trace::open_input(path);
    std::string head = read_head(*stdin_stream);
    if (looks_like_ftrace(head)) return open_spooled_ftrace(head, *stdin_stream, ftrace);
    input = std::make_unique<PrefixedStream>(std::move(head), std::move(stdin_stream));
  } else {
    if (is_ftrace(path)) return open_ftrace(path, ftrace);
    input = trace::open_input(path);
  }
  OpenedTrace opened = open_header(std::move(input), name);
  if (opened.scan.document)
    return trace::make_document_reader(std::move(opened.buffer), std::move(opened.scanner),
                                       std::move(opened.scan.header), std::move(name));
  return trace::make_jsonl_reader(std::move(opened.buffer), opened.scan.next_index,
                                  opened.header_line + 1, std::move(opened.scan.header),
                                  std::move(name));
}

std::unique_ptr<TraceReader> open_trace(const std::string& path) {
  return open_trace(path, FtraceOptions{});
}

std::uint64_t count_trace_events(const std::string& path) {
  if (path == "-") throw InternalError("count_trace_events() cannot read standard input twice");
  if (is_ftrace(path)) return *open_ftrace(path)->header().events;
  OpenedTrace opened = open_header(trace::open_input(path), trace::display_name(path));
  if (opened.scan.document) return trace::count_document_events(opened.scanner);
  return trace::count_jsonl_events(*opened.buffer, opened.scan.next_index);
}

std::unique_ptr<TraceReader> make_memory_reader(TraceHeader header, std::vector<Event> events,
                                                std::string name) {
  return std::make_unique<MemoryReader>(std::move(header), std::move(events), std::move(name));
}

} // namespace memsim
