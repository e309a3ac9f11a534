// The trace header (SPEC §2, §4.1, §4.2), built key by key by both JSON readers: "memsim_trace"
// must be 1; "zone" and "meta" are kept raw (the config loader checks the zone keys, SEMANTICS
// D20); "preallocated" entries are type-checked here and against the zone's geometry later.
#pragma once

#include <string_view>

#include <simdjson.h>

#include "memsim/trace.hpp"

namespace memsim::trace {

class HeaderBuilder {
public:
  // The keys apply() takes; any other key of the header object is ignored.
  static bool is_header_key(std::string_view key);

  // Applies one key of the header object. Throws FieldError for a value of the wrong shape.
  void apply(std::string_view key, simdjson::dom::element value);

  // The header; throws FieldError when "memsim_trace" was missing.
  TraceHeader finish();

private:
  TraceHeader header_;
  bool versioned_ = false;
};

}  // namespace memsim::trace
