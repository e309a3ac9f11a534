// Pageblock type inference (pageblock_types.hpp). The re-typing takes, for each type with too
// many blocks, first the blocks decided by default (those with the fewest in-use movable pages
// first: an empty block is the likeliest to be of another type), then those decided by flags
// (the fewest non-movable pages first: the likeliest to be a movable block holding a few
// unmovable pages), never those the trace decided; ties go to the lower pfn.
#include "trace/pageblock_types.hpp"

#include <algorithm>

namespace memsim {
namespace {

// Evidence (1) and (2) before any counting: the type each block would take on its own, with
// slab-only blocks as reclaimable while reclaimable blocks are still wanted.
void decide_by_evidence(const std::vector<PageblockFacts>& facts, std::uint64_t reclaimable_wanted,
                        PageblockTypes& out) {
  std::uint64_t reclaimable = 0;
  for (const PageblockFacts& f : facts)
    if (!f.outside && f.counted && f.trace_mt == Migratetype::reclaimable) ++reclaimable;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const PageblockFacts& f = facts[i];
    if (f.outside) {
      out.types[i] = Migratetype::unmovable; // no struct page: the zeroed bitmap's type
      out.evidence[i] = Evidence::outside;
    } else if (f.trace_mt) {
      out.types[i] = *f.trace_mt;
      out.evidence[i] = Evidence::trace;
    } else if (f.nonmovable != 0) {
      const bool slab_only = f.slab == f.nonmovable;
      const bool wanted = slab_only && reclaimable < reclaimable_wanted;
      if (wanted && f.counted) ++reclaimable;
      out.types[i] = wanted ? Migratetype::reclaimable : Migratetype::unmovable;
      out.evidence[i] = Evidence::flags;
    } else {
      out.types[i] = Migratetype::movable;
      out.evidence[i] = Evidence::fallback_default;
    }
  }
}

// The blocks of type `mt` decided by `kind`, in the order the re-typing takes them.
std::vector<std::size_t> candidates(const std::vector<PageblockFacts>& facts,
                                    const PageblockTypes& out, Migratetype mt, Evidence kind) {
  std::vector<std::size_t> list;
  for (std::size_t i = 0; i < facts.size(); ++i)
    if (facts[i].counted && out.evidence[i] == kind && out.types[i] == mt) list.push_back(i);
  const auto score = [&](std::size_t i) {
    return kind == Evidence::fallback_default ? facts[i].movable_in_use : facts[i].nonmovable;
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](std::size_t a, std::size_t b) { return score(a) < score(b); });
  return list;
}

void match_counts(const std::vector<PageblockFacts>& facts,
                  const std::map<Migratetype, std::uint64_t>& targets, PageblockTypes& out) {
  std::map<Migratetype, std::int64_t> excess; // current - target, every type either names
  for (const auto& [mt, count] : targets) excess[mt] -= static_cast<std::int64_t>(count);
  for (std::size_t i = 0; i < facts.size(); ++i)
    if (out.evidence[i] != Evidence::outside && facts[i].counted) ++excess[out.types[i]];
  for (const Evidence kind : {Evidence::fallback_default, Evidence::flags}) {
    for (auto& [from, surplus] : excess) {
      if (surplus <= 0) continue;
      const std::vector<std::size_t> list = candidates(facts, out, from, kind);
      std::size_t next = 0;
      for (auto& [to, deficit] : excess) {
        while (deficit < 0 && surplus > 0 && next < list.size()) {
          out.types[list[next]] = to;
          out.evidence[list[next]] = Evidence::counts;
          ++next;
          ++deficit;
          --surplus;
        }
      }
    }
  }
}

} // namespace

PageblockTypes infer_pageblock_types(const std::vector<PageblockFacts>& facts,
                                     const std::map<Migratetype, std::uint64_t>& targets) {
  PageblockTypes out;
  out.types.resize(facts.size());
  out.evidence.resize(facts.size());
  const auto reclaimable = targets.find(Migratetype::reclaimable);
  decide_by_evidence(facts, reclaimable == targets.end() ? 0 : reclaimable->second, out);
  if (!targets.empty()) match_counts(facts, targets, out);
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (out.evidence[i] == Evidence::outside || !facts[i].counted) continue;
    ++out.counts[out.types[i]];
    ++out.by_evidence[static_cast<std::size_t>(out.evidence[i])];
  }
  return out;
}

} // namespace memsim
