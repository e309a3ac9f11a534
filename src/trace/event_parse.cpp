// One JSON event object (a simdjson DOM value) -> Event (docs/spec.md §4.3, docs/semantics.md D16,
// D18): the DOM path of the JSON readers, which judges every line the fast path
// (plain_event_parse.cpp) leaves to it. Fields are found by one pass over the object with a switch
// on the key's length; known fields are type-checked wherever they appear, unknown ones are
// ignored, and the fields each op requires are checked at the end. Nothing is allocated but a
// mark's label.
#include "trace/event_parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "trace/event_fields.hpp"
#include "trace/gfp_parse.hpp"

namespace memsim::trace {
namespace {

namespace dom = simdjson::dom;
using simdjson::SUCCESS;

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

// JSON leaves duplicate keys to the reader; a trace event with two "id"s (or two of any key) is
// an error rather than a silent choice of one.
void check_unique_keys(dom::object object) {
  std::array<std::string_view, 16> few; // an event's usual keys, without allocating
  std::vector<std::string_view> many;
  std::size_t n = 0;
  for (const dom::key_value_pair field : object) {
    if (n == few.size()) many.assign(few.begin(), few.end());
    if (n < few.size())
      few[n] = field.key;
    else
      many.push_back(field.key);
    ++n;
  }
  std::string_view* begin = n <= few.size() ? few.data() : many.data();
  std::string_view* end = begin + n;
  std::sort(begin, end);
  const auto twice = std::adjacent_find(begin, end);
  if (twice != end) throw FieldError("duplicate key " + quoted(*twice) + " in the event");
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

} // namespace

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

void parse_event(dom::element element, Event& out) {
  dom::object object;
  if (element.get_object().get(object) != SUCCESS)
    throw FieldError(fmt::format("event is not a JSON object (found {})", type_name(element)));
  reset_event(out);
  Seen seen;
  for (const dom::key_value_pair field : object) apply_field(field.key, field.value, out, seen);
  check_unique_keys(object);
  check_required(seen, out);
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
