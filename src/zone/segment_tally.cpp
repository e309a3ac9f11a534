// SegmentTally's map letters and its check against a recount (src/zone/segment_tally.hpp).
#include "zone/segment_tally.hpp"

#include <fmt/format.h>

namespace memsim {

std::string SegmentTally::use_map() const {
  constexpr std::array<char, kSegmentUses> kLetters = {'o', 'd', 'm', 'n'};
  std::string out(segments_.size(), 'o');
  for (std::size_t s = 0; s < segments_.size(); ++s)
    out[s] = kLetters[static_cast<std::size_t>(segments_[s].use)];
  return out;
}

std::string SegmentTally::check(const std::vector<std::array<std::uint64_t, 3>>& recount) const {
  std::array<std::uint64_t, kSegmentUses> uses{};
  for (std::size_t s = 0; s < segments_.size(); ++s) {
    const Counts& c = segments_[s];
    const std::array<std::uint64_t, 3> mine = {c.allocated, c.pinned, c.pcp};
    if (s >= recount.size() || mine != recount[s])
      return fmt::format("power segment {}: counters disagree with a recount", s);
    if (c.use != classify(c)) return fmt::format("power segment {}: use class is stale", s);
    ++uses[static_cast<std::size_t>(c.use)];
  }
  if (uses != in_use_) return "power segments: per-class counts disagree with a recount";
  return "";
}

} // namespace memsim
