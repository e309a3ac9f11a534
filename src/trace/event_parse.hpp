// From a parsed JSON value (simdjson DOM) to memsim's types: one event object to an Event
// (docs/spec.md §4.3), a migratetype name or 3.11 number, and raw header objects to nlohmann::json.
// Shared by the JSON Lines and JSON document readers; errors are FieldError carrying the message
// alone, to which the reader adds "FILE:LINE: " (or "FILE:byte N: ").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "memsim/event.hpp"

namespace memsim::trace {

struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Orders the readers accept; the simulator checks the zone's max_order later.
inline constexpr std::int64_t kMaxReaderOrder = 63;

// Fills every field of `out` but pos from one event object. Throws FieldError.
void parse_event(simdjson::dom::element element, Event& out);

// The JSON Lines fast path: reads one line's text directly, accepting only a plain subset of
// JSON (an object of known keys; strings of printable ASCII without escapes; numbers, true and
// false) on which it gives what simdjson and parse_event give. False on anything else (an
// unknown key, an escape, an error, a missing field...): the line is then parsed on the DOM,
// which accepts or names the error. Never throws; `out` is unspecified when false.
bool parse_plain_event(std::string_view text, Event& out) noexcept;

// "unmovable" / "reclaimable" / "movable" or 0 / 1 / 2. Throws FieldError.
Migratetype parse_migratetype(simdjson::dom::element value);
// Type-checked fields, named in messages by `field`. Throw FieldError.
std::uint64_t parse_u64_field(simdjson::dom::element value, std::string_view field);
unsigned parse_order_field(simdjson::dom::element value);

// The message for text simdjson rejected ("invalid JSON: ..."). A number simdjson cannot hold
// (an integer above 2^64-1) in one of an object's known integer fields gets that field's message.
std::string describe_json_error(simdjson::error_code error, std::string_view text);

// A JSON value quoted for a one-line message (escaped, cut after 60 bytes).
std::string quoted(std::string_view text);

// A simdjson DOM value as nlohmann::json (the header's raw "zone" and "meta").
nlohmann::json to_nlohmann(simdjson::dom::element element);

} // namespace memsim::trace
