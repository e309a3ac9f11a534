// The trace header (docs/spec.md §2, §4.1, §4.2), read by the streaming scanner for both JSON
// forms: "memsim_trace" must be 1; "zone" and "meta" are kept raw (the config loader checks the
// zone keys, docs/semantics.md D20); "preallocated" entries are parsed one at a time (a /proc
// import may list millions) and type-checked here, against the zone's geometry later. Reading the
// header also tells the form: "events" inside the object makes it a JSON document, an object that
// closes on its first line a JSON Lines header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "memsim/trace.hpp"
#include "trace/json_scanner.hpp"

namespace memsim::trace {

class HeaderBuilder {
public:
  // The keys apply() takes; any other key of the header object is ignored.
  static bool is_header_key(std::string_view key);

  // Applies one key of the header object. Throws FieldError for a value of the wrong shape.
  void apply(std::string_view key, simdjson::dom::element value);
  // Appends one entry of "preallocated" (streamed). Throws FieldError ("preallocated[3]: ...").
  void apply_start_state(simdjson::dom::element value);
  void add_preallocated(simdjson::dom::element entry);
  void clear_preallocated() { header_.preallocated.clear(); }

  // The header; throws FieldError when "memsim_trace" was missing.
  TraceHeader finish();

private:
  TraceHeader header_;
  bool versioned_ = false;
};

struct HeaderScan {
  TraceHeader header;
  bool document = false;      // the scanner stands after the '[' of "events"
  std::size_t next_index = 0; // JSON Lines: buffer index of the line after the header
};

// Reads the header object at the scanner's next byte, which is on 1-based line `line`. Errors
// in a value are reported once the form is known, as "NAME:LINE: ..." (JSON Lines) or
// "NAME:byte N: ..." (document); errors in the object's own syntax by byte offset.
HeaderScan scan_header(JsonScanner& scanner, std::uint64_t line, const std::string& name);

} // namespace memsim::trace
