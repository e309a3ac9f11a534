// JSON Lines traces (SPEC §4.2): after the header line, one event object per line; blank lines,
// CRLF and a last line without newline are accepted. The window is cut after its last newline
// and the complete lines are parsed in one simdjson parse_many() stream (the fast path, about
// twice the speed of one parse per line). parse_many does not see lines, so each document is
// checked to start and end on a line of its own; on any doubt (a syntax error, a document split
// over lines or sharing one) the rest of the window is re-read one line at a time, which is the
// reference behaviour and names the exact line. Event::pos is the 1-based physical line.
#include <cstring>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/event_parse.hpp"
#include "trace/readers.hpp"

namespace memsim::trace {
namespace {

// parse_many's batch: large enough for any ordinary line, small enough to stay in cache.
constexpr std::size_t kBatchSize = std::size_t{1} << 20;

bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Counts non-blank lines over consecutive pieces of the input (SEMANTICS D10). A piece in which
// every line starts with a non-blank byte, as nearly all do, is counted by its newlines in one
// loop that the compiler vectorises; any other piece goes line by line.
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
        cursor_(pos), chunk_end_(pos), line_(line) {
    stream_parser_.threaded = false; // no stage-1 thread: decompression may own the other core
  }

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override;
  std::string where(std::uint64_t pos) const override { return fmt::format("{}:{}", name_, pos); }

private:
  enum class Mode { fast, by_line, chunk_done, finished };

  bool load_chunk();
  bool next_fast(Event& out);
  bool next_by_line(Event& out);
  bool place_document(std::size_t begin, std::size_t end, std::uint64_t& line);
  bool skip_blanks(std::size_t begin, std::size_t end);
  void parse_line(std::size_t begin, std::size_t end, std::uint64_t line, Event& out);
  void leave_fast_path(Mode mode);
  [[noreturn]] void fail(std::uint64_t line, std::string_view message) const {
    throw InputError(fmt::format("{}:{}: {}", name_, line, message));
  }

  std::unique_ptr<InputBuffer> buffer_;
  TraceHeader header_;
  std::string name_;
  simdjson::dom::parser line_parser_;
  simdjson::dom::parser stream_parser_;
  simdjson::dom::document_stream stream_; // after its parser: destroyed first
  simdjson::dom::document_stream::iterator document_;
  std::size_t stream_base_ = 0; // buffer index where the stream's input starts
  std::size_t cursor_;          // first byte of the next unread line
  std::size_t chunk_end_;       // end of the complete lines in the window
  std::uint64_t line_;          // the line number at cursor_
  Mode mode_ = Mode::chunk_done;
};

bool JsonlReader::next(Event& out) {
  for (;;) {
    switch (mode_) {
    case Mode::fast:
      if (next_fast(out)) return true;
      break;
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

// Refills the window keeping the unread tail and starts a parse_many stream over its complete
// lines (the last line too at the end of the input) and sets the mode. False at the end.
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
  stream_base_ = cursor_;
  const auto error =
      stream_parser_.parse_many(buffer_->data() + cursor_, chunk_end_ - cursor_, kBatchSize)
          .get(stream_);
  if (error != simdjson::SUCCESS) {
    mode_ = Mode::by_line;
    return true;
  }
  document_ = stream_.begin();
  mode_ = Mode::fast;
  return true;
}

bool JsonlReader::next_fast(Event& out) {
  if (!(document_ != stream_.end())) {
    // Whatever parse_many left (a truncated last document, say) must be blank.
    leave_fast_path(skip_blanks(cursor_, chunk_end_) ? Mode::chunk_done : Mode::by_line);
    return false;
  }
  simdjson::dom::element element;
  const std::size_t begin = stream_base_ + document_.current_index();
  std::uint64_t line = 0;
  if ((*document_).get(element) != simdjson::SUCCESS || buffer_->data()[begin] != '{' ||
      !place_document(begin, begin + document_.source().size(), line)) {
    leave_fast_path(Mode::by_line);
    return false;
  }
  try {
    parse_event(element, out);
  } catch (const FieldError& e) {
    fail(line, e.what());
  }
  out.pos = line;
  ++document_;
  return true;
}

// Checks what parse_many cannot: the document [begin, end) has only blanks before it since the
// last line read and only blanks after it on its line. Moves the cursor past its line.
bool JsonlReader::place_document(std::size_t begin, std::size_t end, std::uint64_t& line) {
  if (begin < cursor_ || !skip_blanks(cursor_, begin)) return false;
  const char* data = buffer_->data();
  const void* newline = std::memchr(data + begin, '\n', chunk_end_ - begin);
  const std::size_t line_end =
      newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - data)
                         : chunk_end_;
  if (end > line_end) return false;
  for (std::size_t i = end; i < line_end; ++i)
    if (!is_json_space(data[i])) return false;
  line = line_;
  cursor_ = newline != nullptr ? line_end + 1 : chunk_end_;
  ++line_;
  return true;
}

// True when [begin, end) is blank; then moves the cursor to `end`, counting its lines.
bool JsonlReader::skip_blanks(std::size_t begin, std::size_t end) {
  const char* data = buffer_->data();
  std::uint64_t lines = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (!is_json_space(data[i])) return false;
    lines += data[i] == '\n' ? 1 : 0;
  }
  cursor_ = end;
  line_ += lines;
  return true;
}

void JsonlReader::leave_fast_path(Mode mode) {
  stream_ = simdjson::dom::document_stream{}; // before the window moves under it
  mode_ = mode;
}

// The reference path: one simdjson parse per line from the cursor to the end of the chunk.
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
