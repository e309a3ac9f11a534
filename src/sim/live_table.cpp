// LiveTable: paged id-indexed storage for dense ids, hash table for the rest (live_table.hpp).
#include "sim/live_table.hpp"

#include <algorithm>

namespace memsim {

namespace {

constexpr std::size_t kPageBytes = LiveTable::kPageSlots * sizeof(PageIdx);
constexpr std::size_t kDirectoryEntryBytes = sizeof(void*) + sizeof(std::uint32_t);
constexpr std::size_t kDirectoryLimit = LiveTable::kDenseLimit >> LiveTable::kPageBits;
constexpr std::size_t kMaxSpare = 64;

} // namespace

LiveTable::LiveTable() = default;
LiveTable::~LiveTable() = default;

bool LiveTable::within_budget(std::size_t directory_entries, std::size_t pages) const {
  const std::size_t bytes = directory_entries * kDirectoryEntryBytes + pages * kPageBytes;
  return bytes <= kBudgetBase + kBudgetPerLive * (size() + 1);
}

bool LiveTable::insert(std::uint64_t id, PageIdx block) {
  if (!in_pages(id)) return hash_.try_emplace(id, block).second;
  const std::size_t p = static_cast<std::size_t>(id >> kPageBits);
  const bool grow = p >= pages_.size();
  if (grow || !pages_[p]) {
    const std::size_t entries =
        grow ? std::min(kDirectoryLimit, std::max(p + 1, 2 * pages_.size())) : pages_.size();
    if (!within_budget(entries, pages_held_ + 1)) {
      go_sparse();
      return hash_.try_emplace(id, block).second;
    }
    if (grow) {
      pages_.resize(entries);
      page_live_.resize(entries, 0);
    }
    if (spare_.empty()) {
      pages_[p] = std::make_unique_for_overwrite<PageIdx[]>(kPageSlots);
    } else {
      pages_[p] = std::move(spare_.back());
      spare_.pop_back();
    }
    std::fill_n(pages_[p].get(), kPageSlots, kNoPage);
    ++pages_held_;
  }
  PageIdx& slot = pages_[p][id & (kPageSlots - 1)];
  if (slot != kNoPage) return false;
  slot = block;
  ++page_live_[p];
  ++paged_live_;
  return true;
}

void LiveTable::erase(std::uint64_t id) {
  if (!in_pages(id)) {
    hash_.erase(id);
    return;
  }
  const std::size_t p = static_cast<std::size_t>(id >> kPageBits);
  if (p >= pages_.size() || !pages_[p]) return;
  PageIdx& slot = pages_[p][id & (kPageSlots - 1)];
  if (slot == kNoPage) return;
  slot = kNoPage;
  --paged_live_;
  if (--page_live_[p] != 0) return;
  if (spare_.size() < kMaxSpare) spare_.push_back(std::move(pages_[p]));
  pages_[p].reset();
  --pages_held_;
}

// The ids proved sparse: move every paged entry to the hash table, for good.
void LiveTable::go_sparse() {
  hash_.reserve(hash_.size() + paged_live_);
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    if (!pages_[p]) continue;
    const std::uint64_t base = std::uint64_t{p} << kPageBits;
    for (std::size_t i = 0; i < kPageSlots; ++i)
      if (pages_[p][i] != kNoPage) hash_.emplace(base + i, pages_[p][i]);
  }
  pages_.clear();
  pages_.shrink_to_fit();
  page_live_.clear();
  page_live_.shrink_to_fit();
  spare_.clear();
  spare_.shrink_to_fit();
  paged_live_ = 0;
  pages_held_ = 0;
  sparse_ = true;
}

} // namespace memsim
