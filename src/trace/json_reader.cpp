// The JSON document form (docs/spec.md §4.1): {"memsim_trace":1, "zone":{...}, ...,
// "events":[...]}. Read streaming: JsonScanner finds each element of "events" as a byte range of
// the input window and simdjson parses that range alone, so the reader never holds the events array
// (memory stays flat however many events there are). The header, read before (header.cpp), must
// precede "events"; after the array only unknown keys may follow, then the end of the input.
// Positions (Event::pos, where()) are 0-based byte offsets of a value's first byte in the
// decompressed stream: "FILE:byte N".
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/event_parse.hpp"
#include "trace/header.hpp"
#include "trace/readers.hpp"

namespace memsim::trace {
namespace {

class DocumentReader final : public TraceReader {
public:
  DocumentReader(std::unique_ptr<InputBuffer> buffer, JsonScanner scanner, TraceHeader header,
                 std::string name)
      : buffer_(std::move(buffer)), scanner_(std::move(scanner)), header_(std::move(header)),
        name_(std::move(name)) {}

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override;
  std::string where(std::uint64_t pos) const override {
    return fmt::format("{}:byte {}", name_, pos);
  }

private:
  enum class State { first_event, more_events, finished };

  bool end_of_events();
  void read_trailing_keys();
  simdjson::dom::element parse_value(const JsonScanner::Value& value);

  std::unique_ptr<InputBuffer> buffer_; // the scanner's window: owned here, never moved
  JsonScanner scanner_;
  TraceHeader header_;
  std::string name_;
  simdjson::dom::parser parser_;
  State state_ = State::first_event;
};

bool DocumentReader::next(Event& out) {
  if (state_ == State::finished) return false;
  if (state_ == State::more_events) {
    if (end_of_events()) return false;
    scanner_.expect(',', "',' or ']' after an event");
    if (scanner_.peek() == ']') scanner_.fail(scanner_.offset(), "invalid JSON: trailing ','");
  } else if (end_of_events()) {
    return false;
  }
  state_ = State::more_events;
  const JsonScanner::Value value = scanner_.scan_value();
  try {
    parse_event(parse_value(value), out);
  } catch (const FieldError& e) {
    scanner_.fail(value.offset, e.what());
  }
  out.pos = value.offset;
  return true;
}

// At the ']' of "events": checks the rest of the document and returns true; else false.
bool DocumentReader::end_of_events() {
  if (scanner_.peek() != ']') return false;
  scanner_.advance();
  read_trailing_keys();
  if (scanner_.peek() >= 0)
    scanner_.fail(scanner_.offset(), "trailing data after the JSON document");
  state_ = State::finished;
  return true;
}

// Keys after "events": unknown ones are validated and ignored; header keys come too late.
void DocumentReader::read_trailing_keys() {
  for (;;) {
    if (scanner_.peek() == '}') {
      scanner_.advance();
      return;
    }
    scanner_.expect(',', "',' or '}'");
    scanner_.peek(); // the key's own offset, after any whitespace
    const std::uint64_t key_offset = scanner_.offset();
    const std::string key = scanner_.read_key();
    if (key == "events") scanner_.fail(key_offset, R"(a second "events")");
    if (HeaderBuilder::is_header_key(key))
      scanner_.fail(key_offset, fmt::format("header key \"{}\" after \"events\" (header keys "
                                            "must come before the events)",
                                            key));
    scanner_.expect(':', "':' after a key");
    parse_value(scanner_.scan_value());
  }
}

simdjson::dom::element DocumentReader::parse_value(const JsonScanner::Value& value) {
  // The value lies inside the InputBuffer, which keeps SIMDJSON_PADDING bytes after its data.
  simdjson::dom::element element;
  const auto error = parser_.parse(value.data, value.size, false).get(element);
  if (error != simdjson::SUCCESS)
    scanner_.fail(value.offset, describe_json_error(error, {value.data, value.size}));
  return element;
}

} // namespace

std::unique_ptr<TraceReader> make_document_reader(std::unique_ptr<InputBuffer> buffer,
                                                  JsonScanner scanner, TraceHeader header,
                                                  std::string name) {
  return std::make_unique<DocumentReader>(std::move(buffer), std::move(scanner), std::move(header),
                                          std::move(name));
}

std::uint64_t count_document_events(JsonScanner& scanner) {
  std::uint64_t count = 0;
  if (scanner.peek() == ']') return count;
  for (;;) {
    scanner.scan_value();
    ++count;
    if (scanner.peek() == ']') return count;
    scanner.expect(',', "',' or ']' after an event");
  }
}

} // namespace memsim::trace
