// The migratetype names and letters of the glossary (include/memsim/types.hpp): the one place
// that spells them, used by the trace readers (parsing) and the exporters (printing).
#include "memsim/types.hpp"

namespace memsim {

std::string_view to_string(Migratetype mt) {
  switch (mt) {
  case Migratetype::unmovable:
    return "unmovable";
  case Migratetype::reclaimable:
    return "reclaimable";
  case Migratetype::movable:
    return "movable";
  case Migratetype::reserve:
    return "reserve";
  case Migratetype::highatomic:
    return "highatomic";
  case Migratetype::cma:
    return "cma";
  case Migratetype::isolate:
    return "isolate";
  }
  return "unknown";
}

std::optional<Migratetype> parse_requestable_migratetype(std::string_view name) {
  for (int i = 0; i < kRequestableTypes; ++i) {
    if (name == to_string(migratetype_at(i))) return migratetype_at(i);
  }
  return std::nullopt;
}

char map_letter(Migratetype mt) {
  switch (mt) {
  case Migratetype::unmovable:
    return 'u';
  case Migratetype::reclaimable:
    return 'r';
  case Migratetype::movable:
    return 'm';
  case Migratetype::reserve:
    return 'v';
  case Migratetype::highatomic:
    return 'h';
  case Migratetype::cma:
    return 'c';
  case Migratetype::isolate:
    return 'i';
  }
  return '?';
}

} // namespace memsim
