// The first pass's look-ahead from each free to the next event of its block (docs/spec.md §7.2,
// docs/decisions.md 104), line by line on hand-made records.
#include <catch2/catch.hpp>

#include "trace/free_hints.hpp"

using namespace memsim::trace;

namespace {

LineRecord line(LineKind kind, std::uint64_t pfn, unsigned order) {
  LineRecord r;
  r.kind = kind;
  r.pfn = pfn;
  r.order = static_cast<std::uint8_t>(order);
  return r;
}

std::vector<bool> hints(const std::vector<LineRecord>& lines, bool drains_traced) {
  FreeHints h;
  for (const LineRecord& r : lines) h.add(r);
  return std::move(h).finish(drains_traced);
}

} // namespace

TEST_CASE("FreeHints: a drain or an allocation of the same block next means a per-CPU list") {
  const std::vector<LineRecord> lines{
      line(LineKind::free, 0x100, 0), line(LineKind::pcpu_drain, 0x100, 0),  // pcp
      line(LineKind::free, 0x200, 0), line(LineKind::alloc, 0x200, 0),       // pcp
      line(LineKind::free, 0x300, 1), line(LineKind::alloc, 0x300, 0),       // other order
      line(LineKind::free, 0x400, 0), line(LineKind::zone_locked, 0x400, 2), // a take
      line(LineKind::free, 0x505, 0), line(LineKind::zone_locked, 0x504, 2), // covering
      line(LineKind::free, 0x600, 3), line(LineKind::alloc, 0x602, 0),       // inside it: buddy
      line(LineKind::free, 0x700, 0), line(LineKind::extfrag, 0x700, 0),
  };
  CHECK(hints(lines, true) == std::vector<bool>{true, true, false, false, false, false, false});
}

TEST_CASE("FreeHints: a free nothing touches again stays on its list only when drains are "
          "traced") {
  const std::vector<LineRecord> lines{line(LineKind::free, 0x100, 0),
                                      line(LineKind::alloc, 0x900, 0),
                                      line(LineKind::free, 0x200, 9)};
  CHECK(hints(lines, true) == std::vector<bool>{true, true});
  CHECK(hints(lines, false) == std::vector<bool>{false, false});
}

TEST_CASE("FreeHints: one entry per free line with a pfn, oversized orders included") {
  const std::vector<LineRecord> lines{line(LineKind::free, 0x100, 12), line(LineKind::free, 0, 0),
                                      line(LineKind::free, 0x300, 0),
                                      line(LineKind::alloc, 0x300, 0)};
  CHECK(hints(lines, false) == std::vector<bool>{false, true});
}
