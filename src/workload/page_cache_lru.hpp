// The page cache of the kbuild and pagecache models: files of consecutive page ids in LRU
// order. Reclaim takes pages from the oldest file first, in page order (shrink_inactive_list
// on a file's pages that went to the inactive list together).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace memsim::workload {

class PageCacheLru {
public:
  void add(std::uint64_t base, std::uint64_t size) {
    if (size == 0) return;
    files_.push_back({base, size});
    pages_ += size;
  }
  std::uint64_t pages() const { return pages_; }
  // The id of the page to reclaim next, taken out of the cache; nullopt when it is empty.
  std::optional<std::uint64_t> evict() {
    if (files_.empty()) return std::nullopt;
    File& f = files_.front();
    const std::uint64_t id = f.base++;
    if (--f.size == 0) files_.pop_front();
    --pages_;
    return id;
  }

private:
  struct File {
    std::uint64_t base, size;
  };
  std::deque<File> files_;
  std::uint64_t pages_ = 0;
};

} // namespace memsim::workload
