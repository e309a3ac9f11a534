// The JSON Lines fast path (event_parse.hpp parse_plain_event): a byte-for-byte match of the
// layout memsim writes (event_template.cpp), else a scanner of a plain subset of JSON
// (PlainScanner); anything else is left to the DOM path, so both always agree
// (tests/unit/trace/plain_event_test.cpp checks it on random lines).
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "trace/event_fields.hpp"
#include "trace/event_parse.hpp"
#include "trace/gfp_parse.hpp"

namespace memsim::trace {
namespace {

// A cursor over one line for parse_plain_event; every read fails on what it does not know.
class PlainScanner {
public:
  explicit PlainScanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool at_end() {
    skip_space();
    return p_ == end_;
  }
  bool take(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    skip_space();
    return p_ != end_ && *p_ == c;
  }
  // A string of printable ASCII without escapes.
  bool string(std::string_view& out) {
    if (!take('"')) return false;
    const char* begin = p_;
    while (p_ != end_ && *p_ != '"') {
      if (*p_ < 0x20 || *p_ > 0x7e || *p_ == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
    ++p_;
    return true;
  }
  // A number in JSON's grammar: its text, and whether it has no fraction nor exponent.
  bool number(std::string_view& out, bool& integer) {
    skip_space();
    const char* begin = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0')
      ++p_;
    else
      skip_digits();
    integer = true;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      skip_digits();
      integer = false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      skip_digits();
      integer = false;
    }
    if (p_ != end_ && !separator(*p_)) return false;
    out = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
    return true;
  }
  // A non-negative integer of at most 19 digits (below 10^19: any simdjson reads).
  bool unsigned_integer(std::uint64_t& out) {
    std::string_view text;
    bool integer = false;
    if (!number(text, integer) || !integer || text[0] == '-' || text.size() > 19) return false;
    std::uint64_t value = 0;
    for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    out = value;
    return true;
  }
  bool boolean(bool& out) {
    skip_space();
    const auto rest = static_cast<std::size_t>(end_ - p_);
    std::size_t length = 0;
    if (rest >= 4 && std::string_view(p_, 4) == "true") {
      length = 4;
      out = true;
    } else if (rest >= 5 && std::string_view(p_, 5) == "false") {
      length = 5;
      out = false;
    } else {
      return false;
    }
    p_ += length;
    return p_ == end_ || separator(*p_);
  }

private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool separator(char c) {
    return c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }
  void skip_digits() {
    while (p_ != end_ && digit(*p_)) ++p_;
  }

  const char* p_;
  const char* end_;
};

// simdjson reads a number as the nearest double, as from_chars does; an integer (of at most 18
// digits here) becomes a double as simdjson's int64 does.
bool plain_time(PlainScanner& scan, double& t) {
  std::string_view text;
  bool integer = false;
  if (!scan.number(text, integer)) return false;
  if (integer) { // not negative: simdjson reads -0 as a double
    if (text[0] == '-' || text.size() > 18) return false;
    std::int64_t value = 0;
    for (const char c : text) value = value * 10 + (c - '0');
    t = static_cast<double>(value);
    return true;
  }
  // Clinger's fast path, exact as both operands are: digits.digits, at most 15 digits.
  const std::size_t point = text.find('.');
  if (text[0] != '-' && point != std::string_view::npos && text.size() <= 16 &&
      text.find_first_of("eE") == std::string_view::npos) {
    static constexpr std::array<double, 16> kPowers{1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    std::uint64_t mantissa = 0;
    for (const char c : text)
      if (c != '.') mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
    t = static_cast<double>(mantissa) / kPowers[text.size() - point - 1];
    return true;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), t);
  return error == std::errc() && end == text.data() + text.size() && std::isfinite(t);
}

bool plain_migratetype(PlainScanner& scan, Migratetype& mt) {
  if (scan.peek('"')) {
    std::string_view name;
    if (!scan.string(name)) return false;
    if (is(name, "movable")) {
      mt = Migratetype::movable;
      return true;
    }
    const auto found = parse_requestable_migratetype(name);
    if (!found) return false;
    mt = *found;
    return true;
  }
  std::uint64_t number = 0;
  if (!scan.unsigned_integer(number) || number >= static_cast<std::uint64_t>(kRequestableTypes))
    return false;
  mt = migratetype_at(static_cast<int>(number));
  return true;
}

bool plain_gfp(PlainScanner& scan, GfpMask& out) {
  if (scan.peek('"')) {
    std::string_view text;
    if (!scan.string(text)) return false;
    const auto mask = parse_gfp(text, GfpDialect{});
    if (!mask) return false;
    out = *mask;
    return true;
  }
  std::uint64_t number = 0;
  if (!scan.unsigned_integer(number) || number > 0xffffffffu) return false;
  out = static_cast<GfpMask>(number);
  return true;
}

// Like apply_field for the plain subset; false where apply_field would throw, on an unknown key
// (whose value the DOM must validate) and on anything unusual.
bool plain_field(std::string_view key, PlainScanner& scan, Event& out, Seen& seen) {
  std::uint64_t number = 0;
  std::string_view text;
  switch (key.size()) {
  case 1:
    if (key[0] != 't' || again(seen.t)) return false;
    out.has_t = true;
    return plain_time(scan, out.t);
  case 2:
    if (is(key, "op")) {
      if (again(seen.op) || !scan.string(text)) return false;
      if (is(text, "alloc"))
        out.op = EventOp::alloc;
      else if (is(text, "free"))
        out.op = EventOp::free;
      else if (is(text, "mark"))
        out.op = EventOp::mark;
      else if (is(text, "split"))
        out.op = EventOp::split;
      else if (is(text, "probe"))
        out.op = EventOp::probe;
      else
        return false;
      return true;
    }
    if (is(key, "id")) return !again(seen.id) && scan.unsigned_integer(out.id);
    if (is(key, "mt")) return !again(seen.mt) && plain_migratetype(scan, out.mt);
    return false;
  case 3:
    if (is(key, "pfn")) {
      if (again(seen.pfn)) return false;
      out.has_pfn = true;
      return scan.unsigned_integer(out.pfn);
    }
    if (is(key, "gfp")) {
      if (again(seen.gfp)) return false;
      out.has_gfp = true;
      return plain_gfp(scan, out.gfp);
    }
    if (!is(key, "cpu") || again(seen.cpu) || !scan.unsigned_integer(number) ||
        number > std::numeric_limits<std::uint32_t>::max())
      return false;
    out.cpu = static_cast<std::uint32_t>(number);
    return true;
  case 4:
    return is(key, "cold") && !again(seen.cold) && scan.boolean(out.cold);
  case 5:
    if (is(key, "order")) {
      if (again(seen.order) || !scan.unsigned_integer(number) ||
          number > static_cast<std::uint64_t>(kMaxReaderOrder))
        return false;
      out.order = static_cast<std::uint8_t>(number);
      return true;
    }
    if (is(key, "label")) return !again(seen.label) && scan.string(seen.label_text);
    return false;
  default:
    return false;
  }
}

bool has_required(const Seen& seen, EventOp op) {
  if (!seen.op) return false;
  switch (op) {
  case EventOp::alloc:
    return seen.id && seen.order && seen.mt;
  case EventOp::probe:
    return seen.order && seen.mt;
  case EventOp::free:
  case EventOp::split:
    return seen.id;
  case EventOp::mark:
    return seen.label;
  default:
    return false;
  }
}

} // namespace

bool parse_plain_event(std::string_view text, Event& out) noexcept {
  reset_event(out);
  if (match_event_template(text, out)) return true;
  PlainScanner scan(text);
  if (!scan.take('{')) return false;
  reset_event(out);
  Seen seen;
  if (!scan.take('}')) {
    do {
      std::string_view key;
      if (!scan.string(key) || !scan.take(':') || !plain_field(key, scan, out, seen)) return false;
    } while (scan.take(','));
    if (!scan.take('}')) return false;
  }
  if (!scan.at_end() || !has_required(seen, out.op)) return false;
  out.has_order = seen.order;
  if (out.op == EventOp::mark) {
    try {
      out.label.assign(seen.label_text);
    } catch (...) {
      return false;
    }
  }
  return true;
}

} // namespace memsim::trace
