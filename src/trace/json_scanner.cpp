// The byte scanner of the header and of the document form (see json_scanner.hpp). It only finds
// where values begin and end; simdjson validates each value afterwards. Bracket kinds are matched
// here so that a malformed event fails at once instead of swallowing the rest of the file.
#include "trace/json_scanner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/error.hpp"

namespace memsim::trace {
namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Keys with escapes or non-ASCII bytes go through a real JSON parser (rare; validates UTF-8).
bool needs_unescaping(std::string_view raw) {
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || byte < 0x20 || byte >= 0x80) return true;
  }
  return false;
}

std::string describe_byte(int c) {
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02x}", c);
}

} // namespace

JsonScanner::JsonScanner(InputBuffer& buffer, std::size_t pos, std::string name)
    : buffer_(buffer), pos_(pos), name_(std::move(name)) {}

// Reads more input, keeping the value being scanned (or the next byte) in the window.
bool JsonScanner::more() {
  const std::size_t keep = mark_ != kNoMark ? mark_ : pos_;
  const bool added = buffer_.refill(keep);
  pos_ -= keep;
  if (mark_ != kNoMark) mark_ = 0;
  return added;
}

int JsonScanner::peek() {
  for (;;) {
    for (; pos_ < buffer_.size() && is_json_space(buffer_.data()[pos_]); ++pos_)
      newlines_ += buffer_.data()[pos_] == '\n' ? 1 : 0;
    if (pos_ < buffer_.size()) return static_cast<unsigned char>(buffer_.data()[pos_]);
    if (!more()) return -1;
  }
}

void JsonScanner::expect(char c, std::string_view what) {
  if (peek() != static_cast<unsigned char>(c)) fail_expected(what);
  advance();
}

std::string JsonScanner::read_key() {
  if (peek() != '"') fail_expected("a key (a string)");
  const Value raw = scan_value();
  const std::string_view text(raw.data, raw.size);
  if (!needs_unescaping(text)) return std::string(text.substr(1, text.size() - 2));
  const auto key = nlohmann::json::parse(text, nullptr, false);
  if (!key.is_string()) fail(raw.offset, "invalid JSON: malformed key string");
  return key.get<std::string>();
}

JsonScanner::Value JsonScanner::scan_value() {
  const int first = peek();
  if (first < 0) fail_expected("a value");
  const std::uint64_t start = offset();
  mark_ = pos_;
  if (first == '{' || first == '[') {
    scan_nested(start);
  } else if (first == '"') {
    ++pos_;
    scan_string(start);
  } else {
    scan_scalar();
    if (pos_ == mark_) fail_expected("a value");
  }
  const Value value{buffer_.data() + mark_, pos_ - mark_, start};
  mark_ = kNoMark;
  return value;
}

bool JsonScanner::skip_rest_of_line() {
  for (;;) {
    for (; pos_ < buffer_.size(); ++pos_) {
      const char c = buffer_.data()[pos_];
      if (!is_json_space(c)) return false;
      if (c == '\n') {
        ++newlines_;
        ++pos_;
        return true;
      }
    }
    if (!more()) return true;
  }
}

char JsonScanner::next_byte(std::uint64_t value_offset) {
  if (pos_ == buffer_.size() && !more())
    fail(value_offset, "unexpected end of input inside this value (truncated document?)");
  return buffer_.data()[pos_++];
}

void JsonScanner::scan_nested(std::uint64_t value_offset) {
  brackets_.clear();
  for (;;) {
    const char c = next_byte(value_offset);
    if (c == '"') {
      scan_string(value_offset);
    } else if (c == '\n') {
      ++newlines_;
    } else if (c == '{' || c == '[') {
      brackets_.push_back(c);
    } else if (c == '}' || c == ']') {
      if (brackets_.back() != (c == '}' ? '{' : '['))
        fail(offset() - 1, fmt::format("invalid JSON: mismatched '{}'", c));
      brackets_.pop_back();
      if (brackets_.empty()) return;
    }
  }
}

// From after the opening quote to after the closing one.
void JsonScanner::scan_string(std::uint64_t value_offset) {
  for (;;) {
    const char c = next_byte(value_offset);
    if (c == '"') return;
    if (c == '\\') next_byte(value_offset);
  }
}

// Numbers, true, false, null: up to the next delimiter; simdjson checks the text.
void JsonScanner::scan_scalar() {
  for (;;) {
    if (pos_ == buffer_.size() && !more()) return;
    const char c = buffer_.data()[pos_];
    if (is_json_space(c) || c == ',' || c == ']' || c == '}' || c == '{' || c == '[' || c == '"')
      return;
    ++pos_;
  }
}

void JsonScanner::fail(std::uint64_t offset, std::string_view message) const {
  throw InputError(fmt::format("{}:byte {}: {}", name_, offset, message));
}

void JsonScanner::fail_expected(std::string_view what) {
  const int c = peek();
  if (c < 0)
    fail(offset(), fmt::format("unexpected end of input, expected {} (truncated document?)", what));
  fail(offset(), fmt::format("expected {}, found {}", what, describe_byte(c)));
}

} // namespace memsim::trace
