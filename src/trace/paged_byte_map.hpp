// One byte per index (a pfn, a pageblock number) over a sparse space, in pages of 64 Ki entries
// allocated on first write: a trace's pfns cluster in the machine's memory, so the map costs a
// byte per entry of the memory it touches and a lookup stays in cache (a hash map of every pfn
// does not). Used by the ftrace reader for live allocations and first-pass evidence.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace memsim::trace {

template <std::uint8_t Empty> class PagedByteMap {
public:
  static constexpr std::uint8_t kEmpty = Empty;

  std::uint8_t get(std::uint64_t index) const {
    const std::uint8_t* page = find_page(index >> kPageShift);
    return page == nullptr ? kEmpty : page[index & kPageMask];
  }
  void set(std::uint64_t index, std::uint8_t value) {
    page_for(index >> kPageShift)[index & kPageMask] = value;
  }
  void erase(std::uint64_t index) {
    std::uint8_t* page = find_page(index >> kPageShift);
    if (page != nullptr) page[index & kPageMask] = kEmpty;
  }
  // The highest index in [from, to) whose byte is not empty, plus one; `from` when none is.
  std::uint64_t highest_set_end(std::uint64_t from, std::uint64_t to) const {
    std::vector<std::uint64_t> pages;
    for (const auto& [number, bytes] : pages_)
      if (((number + 1) << kPageShift) > from && (number << kPageShift) < to)
        pages.push_back(number);
    std::sort(pages.rbegin(), pages.rend());
    for (const std::uint64_t number : pages) {
      const std::uint8_t* bytes = pages_.at(number).get();
      const std::uint64_t base = number << kPageShift;
      for (std::uint64_t i = std::min(to, base + kPageSize); i > std::max(from, base); --i)
        if (bytes[i - 1 - base] != kEmpty) return i;
    }
    return from;
  }

private:
  static constexpr unsigned kPageShift = 16;
  static constexpr std::uint64_t kPageSize = std::uint64_t{1} << kPageShift;
  static constexpr std::uint64_t kPageMask = kPageSize - 1;

  std::uint8_t* find_page(std::uint64_t number) const {
    if (number == last_number_) return last_page_;
    const auto it = pages_.find(number);
    if (it == pages_.end()) return nullptr;
    last_number_ = number;
    last_page_ = it->second.get();
    return last_page_;
  }
  std::uint8_t* page_for(std::uint64_t number) {
    std::uint8_t* page = find_page(number);
    if (page != nullptr) return page;
    auto fresh = std::make_unique<std::uint8_t[]>(kPageSize);
    std::fill_n(fresh.get(), kPageSize, kEmpty);
    page = fresh.get();
    pages_.emplace(number, std::move(fresh));
    last_number_ = number;
    last_page_ = page;
    return page;
  }

  absl::flat_hash_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> pages_;
  mutable std::uint64_t last_number_ = ~std::uint64_t{0};
  mutable std::uint8_t* last_page_ = nullptr;
};

} // namespace memsim::trace
