// One JSON event object -> Event (docs/spec.md §4.3, docs/semantics.md D16, D18): the hot path of
// the JSON readers. Fields are found by one pass over the object with a switch on the key's length;
// known fields are type-checked wherever they appear, unknown ones are ignored, and the fields each
// op requires are checked at the end. Nothing is allocated but a mark's label.
#include "trace/event_parse.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "trace/gfp_parse.hpp"

namespace memsim::trace {
namespace {

namespace dom = simdjson::dom;
using simdjson::SUCCESS;

// Which required fields an event carried; the label stays a view into the parser until the op
// is known to be a mark.
struct Seen {
  bool op = false;
  bool id = false;
  bool order = false;
  bool mt = false;
  bool label = false;
  std::string_view label_text;
};

const char* type_name(dom::element element) {
  switch (element.type()) {
  case dom::element_type::ARRAY:
    return "an array";
  case dom::element_type::OBJECT:
    return "an object";
  case dom::element_type::STRING:
    return "a string";
  case dom::element_type::BOOL:
    return "a boolean";
  case dom::element_type::NULL_VALUE:
    return "null";
  default:
    return "a number";
  }
}

std::string integer_field_message(std::string_view field) {
  if (field == "order") return R"("order" must be an integer)";
  if (field == "cpu") return R"("cpu" must be an integer in 0..4294967295)";
  return fmt::format("\"{}\" must be an unsigned 64-bit integer", field);
}

const char* op_name(EventOp op) {
  static constexpr std::array<const char*, 5> names{"alloc", "free", "mark", "split", "probe"};
  return names[static_cast<std::size_t>(op)];
}

EventOp parse_op(dom::element value) {
  std::string_view op;
  if (value.get_string().get(op) != SUCCESS) throw FieldError(R"("op" must be a string)");
  if (op == "alloc") return EventOp::alloc;
  if (op == "free") return EventOp::free;
  if (op == "mark") return EventOp::mark;
  if (op == "split") return EventOp::split;
  if (op == "probe") return EventOp::probe;
  throw FieldError("unknown op " + quoted(op));
}

std::uint32_t parse_cpu(dom::element value) {
  std::uint64_t cpu = 0;
  if (value.get_uint64().get(cpu) != SUCCESS || cpu > std::numeric_limits<std::uint32_t>::max())
    throw FieldError(integer_field_message("cpu"));
  return static_cast<std::uint32_t>(cpu);
}

double parse_time(dom::element value) {
  double t = 0.0; // get_double() also takes integers
  if (value.get_double().get(t) != SUCCESS) throw FieldError(R"("t" must be a number)");
  return t;
}

bool parse_cold(dom::element value) {
  bool cold = false;
  if (value.get_bool().get(cold) != SUCCESS) throw FieldError(R"("cold" must be true or false)");
  return cold;
}

// "gfp": the kernel's symbolic text (6.1 meanings), a "0x..." string, or a number.
GfpMask parse_gfp_field(dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) == SUCCESS) {
    if (const auto mask = parse_gfp(text, GfpDialect{})) return *mask;
    throw FieldError("bad \"gfp\" " + quoted(text));
  }
  std::uint64_t number = 0;
  if (value.get_uint64().get(number) == SUCCESS && number <= 0xffffffffu)
    return static_cast<GfpMask>(number);
  throw FieldError(
      R"("gfp" must be gfp flags: symbolic text, a "0x..." string or a 32-bit number)");
}

std::string_view parse_label(dom::element value) {
  std::string_view label;
  if (value.get_string().get(label) != SUCCESS) throw FieldError(R"("label" must be a string)");
  return label;
}

void apply_field(std::string_view key, dom::element value, Event& out, Seen& seen) {
  switch (key.size()) {
  case 1:
    if (key[0] == 't') {
      out.t = parse_time(value);
      out.has_t = true;
    }
    return;
  case 2:
    if (key == "op") {
      out.op = parse_op(value);
      seen.op = true;
    } else if (key == "id") {
      out.id = parse_u64_field(value, "id");
      seen.id = true;
    } else if (key == "mt") {
      out.mt = parse_migratetype(value);
      seen.mt = true;
    }
    return;
  case 3:
    if (key == "cpu") {
      out.cpu = parse_cpu(value);
    } else if (key == "pfn") {
      out.pfn = parse_u64_field(value, "pfn");
      out.has_pfn = true;
    } else if (key == "gfp") {
      out.gfp = parse_gfp_field(value);
      out.has_gfp = true;
    }
    return;
  case 4:
    if (key == "cold") out.cold = parse_cold(value);
    return;
  case 5:
    if (key == "order") {
      out.order = static_cast<std::uint8_t>(parse_order_field(value));
      seen.order = true;
    } else if (key == "label") {
      seen.label_text = parse_label(value);
      seen.label = true;
    }
    return;
  default:
    return;
  }
}

FieldError missing(EventOp op, std::string_view field) {
  return FieldError(fmt::format("{} without \"{}\"", op_name(op), field));
}

void check_required(const Seen& seen, Event& out) {
  if (!seen.op) throw FieldError(R"(event without "op")");
  out.has_order = seen.order;
  switch (out.op) {
  case EventOp::alloc:
    if (!seen.id) throw missing(out.op, "id");
    [[fallthrough]];
  case EventOp::probe:
    if (!seen.order) throw missing(out.op, "order");
    if (!seen.mt) throw missing(out.op, "mt");
    return;
  case EventOp::free:
  case EventOp::split:
    if (!seen.id) throw missing(out.op, "id");
    return;
  case EventOp::mark:
    if (!seen.label) throw missing(out.op, "label");
    out.label.assign(seen.label_text);
    return;
  default: // the buddy-level events are not read from JSON
    return;
  }
}

void reset_event(Event& out) {
  out.op = EventOp::alloc;
  out.order = 0;
  out.has_order = false;
  out.cold = false;
  out.has_t = false;
  out.has_pfn = false;
  out.has_gfp = false;
  out.mt = Migratetype::movable;
  out.cpu = 0;
  out.gfp = 0;
  out.id = 0;
  out.pfn = 0;
  out.t = 0.0;
  out.label.clear(); // keeps its capacity: no allocation per event
}

// `text` == `literal`, inlined (std::string_view's == calls memcmp, slow on a few bytes).
template <std::size_t N> bool is(std::string_view text, const char (&literal)[N]) {
  if (text.size() != N - 1) return false;
  for (std::size_t i = 0; i + 1 < N; ++i)
    if (text[i] != literal[i]) return false;
  return true;
}

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
    if (key[0] != 't') return false;
    out.has_t = true;
    return plain_time(scan, out.t);
  case 2:
    if (is(key, "op")) {
      seen.op = true;
      if (!scan.string(text)) return false;
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
    if (is(key, "id")) {
      seen.id = true;
      return scan.unsigned_integer(out.id);
    }
    if (is(key, "mt")) {
      seen.mt = true;
      return plain_migratetype(scan, out.mt);
    }
    return false;
  case 3:
    if (is(key, "pfn")) {
      out.has_pfn = true;
      return scan.unsigned_integer(out.pfn);
    }
    if (is(key, "gfp")) {
      out.has_gfp = true;
      return plain_gfp(scan, out.gfp);
    }
    if (!is(key, "cpu") || !scan.unsigned_integer(number) ||
        number > std::numeric_limits<std::uint32_t>::max())
      return false;
    out.cpu = static_cast<std::uint32_t>(number);
    return true;
  case 4:
    return is(key, "cold") && scan.boolean(out.cold);
  case 5:
    if (is(key, "order")) {
      if (!scan.unsigned_integer(number) || number > static_cast<std::uint64_t>(kMaxReaderOrder))
        return false;
      out.order = static_cast<std::uint8_t>(number);
      seen.order = true;
      return true;
    }
    if (is(key, "label")) {
      seen.label = true;
      return scan.string(seen.label_text);
    }
    return false;
  default:
    return false;
  }
}

// The layout memsim's own traces use, matched byte for byte (about twice the speed of
// PlainScanner): {"op":"alloc","id":N,"order":N,"mt":"movable","pfn":N,"gfp":"0xH","cpu":N,
// "t":T} and {"op":"free","id":N,"order":N,"cpu":N,"t":T}, "pfn", "gfp", "cpu" and "t"
// optional, T a plain decimal. False on any other text, which PlainScanner then reads.
class TemplateMatcher {
public:
  explicit TemplateMatcher(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool match(Event& out) {
    if (literal(R"({"op":"alloc","id":)"))
      out.op = EventOp::alloc;
    else if (literal(R"({"op":"free","id":)"))
      out.op = EventOp::free;
    else
      return false;
    std::uint64_t number = 0;
    if (!integer(out.id) || !literal(R"(,"order":)") || !integer(number) ||
        number > static_cast<std::uint64_t>(kMaxReaderOrder))
      return false;
    out.order = static_cast<std::uint8_t>(number);
    out.has_order = true;
    if (out.op == EventOp::alloc) {
      if (!literal(R"(,"mt":"movable")")) return false;
      out.mt = Migratetype::movable;
      if (literal(R"(,"pfn":)")) {
        if (!integer(out.pfn)) return false;
        out.has_pfn = true;
      }
      if (literal(R"(,"gfp":"0x)")) {
        if (!hex(out.gfp) || !literal("\"")) return false;
        out.has_gfp = true;
      }
    }
    if (literal(R"(,"cpu":)")) {
      if (!integer(number) || number > std::numeric_limits<std::uint32_t>::max()) return false;
      out.cpu = static_cast<std::uint32_t>(number);
    }
    if (literal(R"(,"t":)")) {
      if (!decimal(out.t)) return false;
      out.has_t = true;
    }
    if (!literal("}")) return false;
    for (; p_ != end_; ++p_)
      if (*p_ != ' ' && *p_ != '\t' && *p_ != '\r' && *p_ != '\n') return false;
    return true;
  }

private:
  template <std::size_t N> bool literal(const char (&text)[N]) {
    if (static_cast<std::size_t>(end_ - p_) < N - 1 || std::memcmp(p_, text, N - 1) != 0)
      return false;
    p_ += N - 1;
    return true;
  }
  // 1 to 19 digits, no leading zero.
  std::size_t digits(std::uint64_t& value) {
    const char* begin = p_;
    value = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9' && p_ - begin < 19) {
      value = value * 10 + static_cast<std::uint64_t>(*p_ - '0');
      ++p_;
    }
    const auto count = static_cast<std::size_t>(p_ - begin);
    if (count == 0 || (p_ != end_ && *p_ >= '0' && *p_ <= '9')) return 0;
    return count;
  }
  bool integer(std::uint64_t& value) {
    const char* begin = p_;
    const std::size_t count = digits(value);
    return count != 0 && (count == 1 || *begin != '0');
  }
  // 1 to 8 lower-case hex digits, as the writer prints a gfp mask.
  bool hex(GfpMask& value) {
    const char* begin = p_;
    value = 0;
    for (; p_ != end_ && p_ - begin < 8; ++p_) {
      const char c = *p_;
      const bool digit = c >= '0' && c <= '9';
      if (!digit && !(c >= 'a' && c <= 'f')) break;
      value = value * 16 + static_cast<GfpMask>(digit ? c - '0' : c - 'a' + 10);
    }
    return p_ != begin && p_ != end_ && *p_ == '"';
  }
  // I.F with at most 15 digits in all: Clinger's fast path, exact as both operands are.
  bool decimal(double& t) {
    static constexpr std::array<double, 16> kPowers{1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    std::uint64_t whole = 0;
    std::uint64_t fraction = 0;
    if (!integer(whole) || !literal(".")) return false;
    const std::size_t count = digits(fraction);
    if (count == 0 || (p_ != end_ && (*p_ == 'e' || *p_ == 'E'))) return false;
    std::uint64_t scale = 1;
    for (std::size_t i = 0; i < count; ++i) scale *= 10;
    if (count > 15 || whole >= (std::uint64_t{1} << 53) / scale) return false;
    t = static_cast<double>(whole * scale + fraction) / kPowers[count];
    return true;
  }

  const char* p_;
  const char* end_;
};

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

void parse_event(dom::element element, Event& out) {
  dom::object object;
  if (element.get_object().get(object) != SUCCESS)
    throw FieldError(fmt::format("event is not a JSON object (found {})", type_name(element)));
  reset_event(out);
  Seen seen;
  for (const dom::key_value_pair field : object) apply_field(field.key, field.value, out, seen);
  check_required(seen, out);
}

bool parse_plain_event(std::string_view text, Event& out) noexcept {
  reset_event(out);
  if (TemplateMatcher(text).match(out)) return true;
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

Migratetype parse_migratetype(dom::element value) {
  std::string_view name;
  if (value.get_string().get(name) == SUCCESS) {
    if (name == "movable") return Migratetype::movable; // the common case, without a loop
    if (const auto mt = parse_requestable_migratetype(name)) return *mt;
    throw FieldError("unknown migratetype " + quoted(name));
  }
  std::int64_t number = 0;
  if (value.get_int64().get(number) == SUCCESS) {
    if (number >= 0 && number < kRequestableTypes) return migratetype_at(static_cast<int>(number));
    throw FieldError(fmt::format("unknown migratetype {}", number));
  }
  std::uint64_t big = 0;
  if (value.get_uint64().get(big) == SUCCESS)
    throw FieldError(fmt::format("unknown migratetype {}", big));
  throw FieldError(R"("mt" must be a migratetype name or number (0, 1, 2))");
}

std::uint64_t parse_u64_field(dom::element value, std::string_view field) {
  std::uint64_t number = 0;
  if (value.get_uint64().get(number) != SUCCESS) throw FieldError(integer_field_message(field));
  return number;
}

unsigned parse_order_field(dom::element value) {
  std::int64_t order = 0;
  std::uint64_t big = 0;
  if (value.get_int64().get(order) == SUCCESS) {
    if (order >= 0 && order <= kMaxReaderOrder) return static_cast<unsigned>(order);
    throw FieldError(fmt::format("\"order\" out of range: {} (0..{})", order, kMaxReaderOrder));
  }
  if (value.get_uint64().get(big) == SUCCESS)
    throw FieldError(fmt::format("\"order\" out of range: {} (0..{})", big, kMaxReaderOrder));
  throw FieldError(integer_field_message("order"));
}

std::string describe_json_error(simdjson::error_code error, std::string_view text) {
  if (error == simdjson::NUMBER_ERROR) {
    // simdjson rejects integers above 2^64-1; nlohmann reads them as doubles, which names the
    // field.
    const auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (json.is_object()) {
      for (const char* field : {"id", "pfn", "order", "cpu"}) {
        const auto it = json.find(field);
        if (it != json.end() && it->is_number_float()) return integer_field_message(field);
      }
    }
  }
  return std::string("invalid JSON: ") + simdjson::error_message(error);
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out = nlohmann::json(std::string(text.substr(0, kMax)))
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

nlohmann::json to_nlohmann(dom::element element) {
  switch (element.type()) {
  case dom::element_type::OBJECT: {
    const dom::object source = element.get_object().value_unsafe();
    nlohmann::json object = nlohmann::json::object();
    for (const dom::key_value_pair field : source)
      object[std::string(field.key)] = to_nlohmann(field.value);
    return object;
  }
  case dom::element_type::ARRAY: {
    const dom::array source = element.get_array().value_unsafe();
    nlohmann::json array = nlohmann::json::array();
    for (const dom::element item : source) array.push_back(to_nlohmann(item));
    return array;
  }
  case dom::element_type::INT64:
    return element.get_int64().value_unsafe();
  case dom::element_type::UINT64:
    return element.get_uint64().value_unsafe();
  case dom::element_type::DOUBLE:
    return element.get_double().value_unsafe();
  case dom::element_type::STRING:
    return std::string(element.get_string().value_unsafe());
  case dom::element_type::BOOL:
    return element.get_bool().value_unsafe();
  case dom::element_type::NULL_VALUE:
    break;
  }
  return nullptr;
}

} // namespace memsim::trace
