// LiveTable: the replay's table of live allocations, allocation id -> head page of its block.
//
// Replay looks up one id per event, so on large zones (tens of millions of live allocations)
// this table decides the speed: a hash table misses the caches and the TLB on every insert and
// erase. Real ids are dense — consecutive per mapping in generated traces, pfns in imported
// ftrace — so ids below 2^32 live in pages of 4096 consecutive slots, found through a
// directory indexed by id / 4096: consecutive ids share cache lines, and a page is released
// as soon as its last id is freed. Ids at or above 2^32 live in a hash table. A trace whose ids
// are not dense (random 32-bit ids, say) would hold a 16 KiB page per live id, so once the
// pages outgrow a budget of 64 MiB plus 64 bytes per live id, every entry moves to the hash
// table for the rest of the run: memory stays O(live allocations) whatever the ids. Which
// storage holds an id changes speed only, never a result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "memsim/types.hpp"

namespace memsim {

class LiveTable {
public:
  static constexpr unsigned kPageBits = 12;
  static constexpr std::size_t kPageSlots = std::size_t{1} << kPageBits;
  static constexpr std::uint64_t kDenseLimit = std::uint64_t{1} << 32;
  static constexpr std::size_t kBudgetBase = std::size_t{64} << 20;
  static constexpr std::size_t kBudgetPerLive = 64;

  LiveTable();
  ~LiveTable();
  LiveTable(const LiveTable&) = delete;
  LiveTable& operator=(const LiveTable&) = delete;

  // The block of live id `id`, or kNoPage when it is not live.
  PageIdx find(std::uint64_t id) const {
    if (in_pages(id)) {
      const std::uint64_t p = id >> kPageBits;
      if (p >= pages_.size() || !pages_[p]) return kNoPage;
      return pages_[p][id & (kPageSlots - 1)];
    }
    const auto it = hash_.find(id);
    return it == hash_.end() ? kNoPage : it->second;
  }
  bool contains(std::uint64_t id) const { return find(id) != kNoPage; }
  // Records `id` -> `block` (block != kNoPage); false, changing nothing, when `id` is live.
  bool insert(std::uint64_t id, PageIdx block);
  // Moves live id `id` to `block` (a migration).
  void assign(std::uint64_t id, PageIdx block) {
    erase(id);
    insert(id, block);
  }
  // Forgets live id `id`; does nothing when it is not live.
  void erase(std::uint64_t id);
  // Starts loading the memory that find/insert/erase of `id` will touch.
  void prefetch(std::uint64_t id) const {
    if (in_pages(id)) {
      const std::uint64_t p = id >> kPageBits;
      if (p < pages_.size() && pages_[p]) __builtin_prefetch(&pages_[p][id & (kPageSlots - 1)]);
    } else {
      hash_.prefetch(id);
    }
  }

  std::size_t size() const { return paged_live_ + hash_.size(); }
  // False once the ids proved sparse and every entry moved to the hash table (for tests).
  bool paged() const { return !sparse_; }
  // Pages held now (for tests).
  std::size_t pages_held() const { return pages_held_; }

private:
  bool in_pages(std::uint64_t id) const { return !sparse_ && id < kDenseLimit; }
  bool within_budget(std::size_t directory_entries, std::size_t pages) const;
  void go_sparse();

  std::vector<std::unique_ptr<PageIdx[]>> pages_; // directory: page p holds ids p*4096..
  std::vector<std::uint32_t> page_live_;          // live ids per page
  std::vector<std::unique_ptr<PageIdx[]>> spare_; // released pages kept for reuse
  absl::flat_hash_map<std::uint64_t, PageIdx> hash_;
  std::size_t paged_live_ = 0;
  std::size_t pages_held_ = 0;
  bool sparse_ = false;
};

} // namespace memsim
