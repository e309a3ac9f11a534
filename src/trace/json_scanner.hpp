// The small streaming scanner under the header reader (both forms) and the JSON document reader
// (docs/spec.md §4.1): it walks the top-level object, "preallocated" and "events" byte by byte,
// tracking string/escape state and bracket nesting, and returns each value as a byte range inside
// the InputBuffer for simdjson to parse. It holds at most one value at a time, so memory does not
// grow with the number of events. Positions are 0-based byte offsets into the decompressed stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/input_buffer.hpp"

namespace memsim::trace {

class JsonScanner {
public:
  // One scanned value: its bytes (valid until the scanner's next call) and stream offset.
  struct Value {
    const char* data = nullptr;
    std::size_t size = 0;
    std::uint64_t offset = 0;
  };

  // Scans `buffer` from index `pos`; `name` prefixes messages ("NAME:byte N: ...").
  JsonScanner(InputBuffer& buffer, std::size_t pos, std::string name);

  // The next byte after whitespace, not consumed; -1 at the end of the input.
  int peek();
  // Consumes the byte that peek() returned.
  void advance() { ++pos_; }
  // Stream offset of the next unconsumed byte, and its index in the buffer.
  std::uint64_t offset() const { return buffer_.offset() + pos_; }
  std::size_t index() const { return pos_; }
  // Newlines passed so far outside strings (in whitespace and inside nested values).
  std::uint64_t newlines() const { return newlines_; }

  // Consumes `c` after whitespace, or fails with "expected <what>".
  void expect(char c, std::string_view what);
  // Reads an object key (a JSON string after whitespace), unescaped.
  std::string read_key();
  // Scans the value after whitespace (object, array, string or scalar) without parsing it.
  Value scan_value();
  // Consumes blanks up to and including the next newline (or the end of the input); false, with
  // nothing consumed beyond the blanks, when something else comes first.
  bool skip_rest_of_line();

  // Throws InputError("NAME:byte OFFSET: message").
  [[noreturn]] void fail(std::uint64_t offset, std::string_view message) const;
  // Fails at the next byte: "expected <what>, found 'c'" or "unexpected end of input".
  [[noreturn]] void fail_expected(std::string_view what);

private:
  bool more();
  char next_byte(std::uint64_t value_offset);
  void scan_nested(std::uint64_t value_offset);
  void scan_string(std::uint64_t value_offset);
  void scan_scalar();

  static constexpr std::size_t kNoMark = static_cast<std::size_t>(-1);

  InputBuffer& buffer_;
  std::size_t pos_;
  std::size_t mark_ = kNoMark; // start of the value being scanned: refills keep it
  std::string name_;
  std::string brackets_; // open brackets of the value being scanned
  std::uint64_t newlines_ = 0;
};

} // namespace memsim::trace
