// The pagecache model: streams reading and writing files through the page cache; once the
// cache holds its limit, each new page first reclaims one (direct reclaim in batches of
// SWAP_CLUSTER_MAX = 32 pages, oldest file first). Kernel pages come with the file pages at the
// rate of the real trace's `disk` phases (mixed-1g-smp2: 3.7 reclaimable and 1.6 unmovable
// pages per MiB: dentries, inodes, radix-tree nodes, buffer heads).
#include <algorithm>

#include "workload/generator.hpp"
#include "workload/page_cache_lru.hpp"

namespace memsim::workload {
namespace {

constexpr std::uint64_t kBurst = 16;        // pages a stream reads before the next stream
constexpr std::uint64_t kReclaimBatch = 32; // SWAP_CLUSTER_MAX

class PageCacheChurn final : public Generator {
public:
  PageCacheChurn(const Params& p, std::uint64_t seed) : Generator("pagecache", p, seed) {
    streams_.resize(std::max<std::uint64_t>(1, p.count("streams")));
    total_ = static_cast<std::uint64_t>(p.real("churn") * static_cast<double>(pages_));
    file_pages_ = std::max<std::uint64_t>(1, p.bytes("file") / 4096);
    limit_ = static_cast<std::uint64_t>(p.real("limit") * static_cast<double>(pages_));
    kernel_ = {p.real("kernel"), p.real("kernel_reclaimable"), p.real("kernel_survive"),
               p.real("kernel_life")};
  }

protected:
  bool produce() override {
    for (std::size_t s = 0; s < streams_.size() && done_ < total_; ++s) {
      Stream& st = streams_[s];
      const auto cpu = static_cast<unsigned>(s % cpus_);
      for (std::uint64_t i = 0; i < kBurst && done_ < total_; ++i, ++done_) {
        if (st.done == st.size) {
          lru_.add(st.base, st.done);
          st.size = rng_.exponential(static_cast<double>(file_pages_));
          st.base = new_ids(st.size);
          st.done = 0;
        }
        if (lru_.pages() + in_flight() >= limit_) reclaim(cpu);
        alloc(st.base + st.done++, 0, Migratetype::movable, cpu);
        maybe_kernel_object(kernel_, cpu);
      }
    }
    return done_ < total_;
  }

private:
  struct Stream {
    std::uint64_t base = 0, size = 0, done = 0;
  };
  std::uint64_t in_flight() const {
    std::uint64_t n = 0;
    for (const Stream& s : streams_) n += s.done;
    return n;
  }
  void reclaim(unsigned cpu) {
    for (std::uint64_t i = 0; i < kReclaimBatch; ++i) {
      const auto id = lru_.evict();
      if (!id) return;
      free(*id, 0, cpu);
    }
  }

  std::vector<Stream> streams_;
  PageCacheLru lru_;
  std::uint64_t total_ = 0, done_ = 0, file_pages_ = 1, limit_ = 0;
  KernelMix kernel_;
};

} // namespace

ModelInfo pagecache_model() {
  std::vector<ParamSpec> params = geometry_params("4GiB", "4");
  const std::vector<ParamSpec> own = {
      {"streams", ParamKind::count, "4", "concurrent readers and writers (stream i on CPU i)"},
      {"churn", ParamKind::real, "4", "pages read or written, as a multiple of memory"},
      {"file", ParamKind::size, "1MiB", "mean file size (exponential)"},
      {"limit", ParamKind::fraction, "0.8", "share of memory the page cache fills before reclaim"},
      {"kernel", ParamKind::real, "5.3",
       "kernel pages per MiB of file data (disk phases of mixed-1g-smp2: 3.7 + 1.6)"},
      {"kernel_reclaimable", ParamKind::fraction, "0.7", "reclaimable share of them (3.7 / 5.3)"},
      {"kernel_survive", ParamKind::fraction, "0.005",
       "share of them never freed (disk phases: 0.5% still allocated at the end)"},
      {"kernel_life", ParamKind::real, "200000", "mean life of the others, in events"},
  };
  params.insert(params.end(), own.begin(), own.end());
  return {"pagecache", "file read/write churn through the page cache with reclaim",
          "Streams reading and writing files (order-0 movable page-cache pages) until the cache "
          "reaches `limit`, then reclaiming the oldest files 32 pages at a time for every new "
          "page. Kernel-page ratios from the `disk` phases of the real Linux 6.1 recording "
          "mixed-1g-smp2 (docs/workloads.md).",
          params, [](const Params& p, std::uint64_t seed) {
            return std::make_unique<PageCacheChurn>(p, seed);
          }};
}

} // namespace memsim::workload
