// The two memsim trace readers behind open_trace() and their event counters behind
// count_trace_events(). Each takes over the InputBuffer in which scan_header() (header.hpp)
// read the header and told the form.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "memsim/trace.hpp"
#include "trace/input_buffer.hpp"
#include "trace/json_scanner.hpp"

namespace memsim::trace {

// JSON Lines (docs/spec.md §4.2) after its header line: `pos` is the buffer index of the next line,
// `line` its 1-based number.
std::unique_ptr<TraceReader> make_jsonl_reader(std::unique_ptr<InputBuffer> buffer, std::size_t pos,
                                               std::uint64_t line, TraceHeader header,
                                               std::string name);
// The non-blank lines from buffer index `pos` to the end (docs/semantics.md D10), without parsing
// them.
std::uint64_t count_jsonl_events(InputBuffer& buffer, std::size_t pos);

// The JSON document form (docs/spec.md §4.1) after its header: `scanner`, over `buffer`, stands
// after the '[' of "events".
std::unique_ptr<TraceReader> make_document_reader(std::unique_ptr<InputBuffer> buffer,
                                                  JsonScanner scanner, TraceHeader header,
                                                  std::string name);
// The elements of the "events" array from the scanner on, found without parsing them.
std::uint64_t count_document_events(JsonScanner& scanner);

} // namespace memsim::trace
