// What the two JSON event parsers share (event_parse.cpp, the DOM path; plain_event_parse.cpp,
// the fast path): the record of which required fields an event carried, the reset of an Event
// before parsing, and a short-literal comparison.
#pragma once

#include <cstddef>
#include <string_view>

#include "memsim/event.hpp"

namespace memsim::trace {

// Which required fields an event carried; the label stays a view into the parser until the op
// is known to be a mark.
struct Seen {
  bool op = false;
  bool id = false;
  bool order = false;
  bool mt = false;
  bool label = false;
  bool t = false, cpu = false, cold = false, pfn = false, gfp = false; // to refuse a second one
  std::string_view label_text;
};

// True the second time `flag` is seen (a duplicate key).
inline bool again(bool& flag) {
  const bool before = flag;
  flag = true;
  return before;
}

// Every field of `out` to its default, the label's capacity kept (no allocation per event).
void reset_event(Event& out);

// The layout memsim's own traces use, matched byte for byte (event_template.cpp): true with `out`
// filled (from a reset Event), false on any other text.
bool match_event_template(std::string_view text, Event& out);

// `text` == `literal`, inlined (std::string_view's == calls memcmp, slow on a few bytes).
template <std::size_t N> bool is(std::string_view text, const char (&literal)[N]) {
  if (text.size() != N - 1) return false;
  for (std::size_t i = 0; i + 1 < N; ++i)
    if (text[i] != literal[i]) return false;
  return true;
}

} // namespace memsim::trace
