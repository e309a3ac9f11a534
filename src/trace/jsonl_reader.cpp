// JSON Lines traces (docs/spec.md §4.2): after the header line, one event object per line; blank
// lines, CRLF and a last line without newline are accepted. The window is cut after its last
// newline and read one line at a time. Each line is first read by parse_plain_event(), a direct
// scan of the plain JSON that memsim traces hold (about twice the speed of a simdjson DOM parse,
// which had to build a tape); a line it does not vouch for (an unknown or escaped key, an
// unusual value, any error) is parsed by simdjson's DOM, the reference behaviour, which accepts
// it or names the error and its line. Event::pos is the 1-based physical line.
#include <cstring>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/event_parse.hpp"
#include "trace/readers.hpp"

namespace memsim::trace {
namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Counts non-blank lines over consecutive pieces of the input (docs/semantics.md D10). A piece in
// which every line starts with a non-blank byte, as nearly all do, is counted by its newlines in
// one loop that the compiler vectorises; any other piece goes line by line.
class LineCounter {
public:
  void count(const char* begin, const char* end) {
    if (begin == end) return;
    if (!count_fast(begin, end)) count_by_line(begin, end);
  }
  std::uint64_t lines() const { return lines_; }

private:
  bool count_fast(const char* begin, const char* end) {
    if (!in_line_ && is_json_space(*begin)) return false;
    // Branch-free, so that it vectorises (at -O3): a newline followed by a byte <= ' ' is a line
    // that may start blank; JSON whitespace is such a byte and so is no other valid first byte.
    std::uint64_t newlines = 0;
    unsigned blank_start = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(begin);
    const auto n = static_cast<std::size_t>(end - begin) - 1;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned newline = bytes[i] == '\n' ? 1 : 0;
      newlines += newline;
      blank_start |= newline & (bytes[i + 1] <= ' ' ? 1U : 0U);
    }
    if (blank_start != 0) return false;
    lines_ += newlines + (in_line_ ? 0 : 1);
    in_line_ = end[-1] != '\n';
    return true;
  }
  void count_by_line(const char* p, const char* end) {
    while (p < end) {
      if (!in_line_) {
        if (is_json_space(*p)) {
          ++p;
          continue;
        }
        in_line_ = true;
        ++lines_;
      }
      const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      if (newline == nullptr) return;
      p = static_cast<const char*>(newline) + 1;
      in_line_ = false;
    }
  }

  std::uint64_t lines_ = 0;
  bool in_line_ = false; // the current line has a non-blank byte, already counted
};

class JsonlReader final : public TraceReader {
public:
  JsonlReader(std::unique_ptr<InputBuffer> buffer, std::size_t pos, std::uint64_t line,
              TraceHeader header, std::string name)
      : buffer_(std::move(buffer)), header_(std::move(header)), name_(std::move(name)),
        cursor_(pos), chunk_end_(pos), line_(line) {}

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override;
  std::string where(std::uint64_t pos) const override { return fmt::format("{}:{}", name_, pos); }

private:
  enum class Mode { by_line, chunk_done, finished };

  bool load_chunk();
  bool next_by_line(Event& out);
  void parse_line(std::size_t begin, std::size_t end, std::uint64_t line, Event& out);
  [[noreturn]] void fail(std::uint64_t line, std::string_view message) const {
    throw InputError(fmt::format("{}:{}: {}", name_, line, message));
  }

  std::unique_ptr<InputBuffer> buffer_;
  TraceHeader header_;
  std::string name_;
  simdjson::dom::parser line_parser_;
  std::size_t cursor_;    // first byte of the next unread line
  std::size_t chunk_end_; // end of the complete lines in the window
  std::uint64_t line_;    // the line number at cursor_
  Mode mode_ = Mode::chunk_done;
};

bool JsonlReader::next(Event& out) {
  for (;;) {
    switch (mode_) {
    case Mode::by_line:
      if (next_by_line(out)) return true;
      break;
    case Mode::chunk_done:
      if (!load_chunk()) mode_ = Mode::finished;
      break;
    case Mode::finished:
      return false;
    }
  }
}

// Refills the window keeping the unread tail, up to the end of its complete lines (the last line
// too at the end of the input). False at the end.
bool JsonlReader::load_chunk() {
  for (;;) {
    if (!buffer_->at_end()) {
      buffer_->refill(cursor_); // grows the window when one line fills it
      cursor_ = 0;
    }
    const std::size_t size = buffer_->size();
    if (buffer_->at_end()) {
      chunk_end_ = size;
      break;
    }
    const void* last = ::memrchr(buffer_->data(), '\n', size);
    if (last != nullptr) {
      chunk_end_ = static_cast<std::size_t>(static_cast<const char*>(last) - buffer_->data()) + 1;
      break;
    }
  }
  if (cursor_ == chunk_end_) return false;
  mode_ = Mode::by_line;
  return true;
}

// One line at a time from the cursor to the end of the chunk, skipping blank lines.
bool JsonlReader::next_by_line(Event& out) {
  const char* data = buffer_->data();
  while (cursor_ < chunk_end_) {
    const void* newline = std::memchr(data + cursor_, '\n', chunk_end_ - cursor_);
    const std::size_t begin = cursor_;
    const std::size_t end = newline != nullptr
                                ? static_cast<std::size_t>(static_cast<const char*>(newline) - data)
                                : chunk_end_;
    const std::uint64_t line = line_++;
    cursor_ = newline != nullptr ? end + 1 : chunk_end_;
    bool blank = true;
    for (std::size_t i = begin; i < end && blank; ++i) blank = is_json_space(data[i]);
    if (blank) continue;
    parse_line(begin, end, line, out);
    return true;
  }
  mode_ = Mode::chunk_done;
  return false;
}

void JsonlReader::parse_line(std::size_t begin, std::size_t end, std::uint64_t line, Event& out) {
  const char* text = buffer_->data() + begin; // padded: the window keeps bytes after its data
  if (parse_plain_event({text, end - begin}, out)) {
    out.pos = line;
    return;
  }
  simdjson::dom::element element;
  const auto error = line_parser_.parse(text, end - begin, false).get(element);
  if (error != simdjson::SUCCESS) fail(line, describe_json_error(error, {text, end - begin}));
  try {
    parse_event(element, out);
  } catch (const FieldError& e) {
    fail(line, e.what());
  }
  out.pos = line;
}

} // namespace

std::unique_ptr<TraceReader> make_jsonl_reader(std::unique_ptr<InputBuffer> buffer, std::size_t pos,
                                               std::uint64_t line, TraceHeader header,
                                               std::string name) {
  return std::make_unique<JsonlReader>(std::move(buffer), pos, line, std::move(header),
                                       std::move(name));
}

std::uint64_t count_jsonl_events(InputBuffer& buffer, std::size_t pos) {
  LineCounter counter;
  for (;;) {
    counter.count(buffer.data() + pos, buffer.data() + buffer.size());
    if (!buffer.refill(buffer.size())) return counter.lines();
    pos = 0;
  }
}

} // namespace memsim::trace
