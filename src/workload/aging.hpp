// An aged machine: the prefix a model plays before its benchmark so that the benchmark does not
// start on a freshly booted zone (where the stock allocator's LIFO reuse keeps any churn
// compact). Boot allocates kernel memory that stays; files are read into the page cache on
// every CPU with the slab (dentries, inodes, radix-tree nodes) and buffers that come with them;
// drop_caches then frees the page cache and all but a few of those kernel pages, which stay
// scattered through the memory the page cache used.
#pragma once

#include <cstdint>
#include <vector>

#include "workload/generator.hpp"

namespace memsim::workload {

class AgedGenerator : public Generator {
public:
  // The parameters age() reads.
  static std::vector<ParamSpec> aging_params();

protected:
  AgedGenerator(const std::string& model, const Params& params, std::uint64_t seed);
  // Produces the next burst of the prefix; false once it is complete (nothing produced).
  bool age();

private:
  struct Block {
    std::uint64_t id;
    unsigned order;
  };
  struct Reader { // a CPU reading a file into the page cache
    std::uint64_t base = 0, size = 0, done = 0;
  };
  enum class Stage { boot, read, drop_files, drop_slab, over };
  void boot_burst();
  void read_burst();
  void drop_burst();

  Stage stage_ = Stage::boot;
  std::uint64_t boot_pages_, cache_pages_, file_pages_;
  double slab_per_mib_, slab_reclaimable_, survive_;
  std::uint64_t booted_ = 0, cached_ = 0, dropped_ = 0;
  std::vector<Reader> readers_;
  std::vector<Block> files_; // id = first page id, order field unused: size in pages
  std::vector<std::uint64_t> file_sizes_;
  std::vector<Block> slab_;
};

} // namespace memsim::workload
