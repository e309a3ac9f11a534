// open_trace(), count_trace_events() and make_memory_reader() (include/memsim/trace.hpp): the
// entry to the readers. The format is told by content: when the first non-blank line is a
// complete JSON object without an "events" key, it is a JSON Lines header; anything else is the
// JSON document form (streamed by json_reader.cpp). A JSON Lines header line longer than the
// first 32 MiB window is therefore taken for (and fails as) a document.
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/event_parse.hpp"
#include "trace/header.hpp"
#include "trace/input_stream.hpp"
#include "trace/readers.hpp"

namespace memsim {
namespace {

using trace::InputBuffer;

struct Sniffed {
  bool jsonl = false;
  std::size_t start = 0;   // buffer index of the first non-blank byte
  std::size_t next = 0;    // JSON Lines: buffer index after the header line
  std::uint64_t line = 1;  // JSON Lines: the header's line number
  TraceHeader header;      // JSON Lines only
};

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Fills the window and skips the blank bytes at its start, counting their lines.
std::size_t skip_leading_blanks(InputBuffer& buffer, std::uint64_t& line, const std::string& name) {
  buffer.refill(0);
  std::size_t pos = 0;
  for (;;) {
    for (; pos < buffer.size() && is_json_space(buffer.data()[pos]); ++pos)
      line += buffer.data()[pos] == '\n' ? 1 : 0;
    if (pos < buffer.size()) return pos;
    if (!buffer.refill(pos)) throw InputError(name + ": empty trace (no memsim header)");
    pos = 0;
  }
}

// The end of the line starting at `pos` if it ends inside one window (moving it to the window's
// start if need be); the end of the input counts as a line end.
std::optional<std::size_t> first_line_end(InputBuffer& buffer, std::size_t& pos) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const void* newline = std::memchr(buffer.data() + pos, '\n', buffer.size() - pos);
    if (newline != nullptr)
      return static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.data());
    if (buffer.at_end()) return buffer.size();
    if (pos == 0) break;
    buffer.refill(pos);
    pos = 0;
  }
  return std::nullopt;
}

TraceHeader build_header(simdjson::dom::object object, const std::string& name,
                         std::uint64_t line) {
  trace::HeaderBuilder builder;
  try {
    for (const simdjson::dom::key_value_pair field : object) builder.apply(field.key, field.value);
    return builder.finish();
  } catch (const trace::FieldError& e) {
    throw InputError(fmt::format("{}:{}: {}", name, line, e.what()));
  }
}

Sniffed sniff(InputBuffer& buffer, const std::string& name) {
  Sniffed sniffed;
  std::size_t pos = skip_leading_blanks(buffer, sniffed.line, name);
  const std::optional<std::size_t> end = first_line_end(buffer, pos);
  sniffed.start = pos;
  if (!end) return sniffed;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(buffer.data() + pos, *end - pos, false).get_object().get(object) !=
          simdjson::SUCCESS ||
      object.at_key("events").error() == simdjson::SUCCESS)
    return sniffed;
  sniffed.jsonl = true;
  sniffed.next = *end < buffer.size() ? *end + 1 : *end;
  sniffed.header = build_header(object, name, sniffed.line);
  return sniffed;
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

}  // namespace

std::unique_ptr<TraceReader> open_trace(const std::string& path) {
  std::string name = trace::display_name(path);
  auto buffer = std::make_unique<InputBuffer>(trace::open_input(path));
  Sniffed sniffed = sniff(*buffer, name);
  if (sniffed.jsonl)
    return trace::make_jsonl_reader(std::move(buffer), sniffed.next, sniffed.line + 1,
                                    std::move(sniffed.header), std::move(name));
  return trace::make_document_reader(std::move(buffer), sniffed.start, std::move(name));
}

std::uint64_t count_trace_events(const std::string& path) {
  if (path == "-") throw InternalError("count_trace_events() cannot read standard input twice");
  const std::string name = trace::display_name(path);
  InputBuffer buffer(trace::open_input(path));
  const Sniffed sniffed = sniff(buffer, name);
  if (sniffed.jsonl) return trace::count_jsonl_events(buffer, sniffed.next);
  return trace::count_document_events(buffer, sniffed.start, name);
}

std::unique_ptr<TraceReader> make_memory_reader(TraceHeader header, std::vector<Event> events,
                                                std::string name) {
  return std::make_unique<MemoryReader>(std::move(header), std::move(events), std::move(name));
}

}  // namespace memsim
