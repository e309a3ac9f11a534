// One trace event as the readers deliver it and the simulator applies it (docs/spec.md §4.3).
#pragma once

#include <cstdint>
#include <string>

#include "memsim/types.hpp"

namespace memsim {

enum class EventOp : std::uint8_t { alloc, free, mark, split };

struct Event {
  EventOp op = EventOp::alloc;
  std::uint8_t order = 0; // alloc: the order; free: checked against the allocation if has_order
  bool has_order = false;
  bool cold =
      false; // __GFP_COLD on alloc; free_hot_cold_page(page, 1) on free (docs/semantics.md D16)
  bool has_t = false;
  Migratetype mt = Migratetype::movable; // alloc only
  std::uint32_t cpu = 0;
  std::uint64_t id = 0;  // alloc, free, split
  double t = 0.0;        // seconds, when has_t
  std::uint64_t pos = 0; // where the event stands: 1-based line, or byte offset (JSON document)
  std::string label;     // mark only
};

} // namespace memsim
