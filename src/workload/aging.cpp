// The aged-machine prefix (aging.hpp). Ratios, from the `disk` phases of the real trace
// mixed-1g-smp2 (ext4 buffered I/O then drop caches): 3.7 reclaimable and 1.6
// unmovable pages per MiB of page cache read; 0.5-2.4% of those kernel pages were still
// allocated at the end of the trace (disk and slab phases).
#include "workload/aging.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim::workload {

namespace {
constexpr std::uint64_t kReadBurst = 16; // pages a CPU reads before the next CPU's turn
} // namespace

std::vector<ParamSpec> AgedGenerator::aging_params() {
  return {
      {"boot", ParamKind::fraction, "0.005",
       "share of memory the kernel allocates at boot and keeps (unmovable 90%, reclaimable 10%)"},
      {"age_cache", ParamKind::fraction, "0.16",
       "share of memory read into the page cache, then dropped, before the benchmark"},
      {"age_file", ParamKind::size, "1MiB", "mean size of the files read (exponential)"},
      {"age_slab", ParamKind::real, "5.3",
       "kernel pages per MiB of page cache read (slab, buffers; real trace: 3.7 + 1.6)"},
      {"age_slab_reclaimable", ParamKind::fraction, "0.7",
       "reclaimable share of those pages (real trace: 3.7 / 5.3)"},
      {"age_survive", ParamKind::fraction, "0.02",
       "share of those kernel pages still allocated after drop_caches (real trace: 0.5-2.4%)"},
  };
}

AgedGenerator::AgedGenerator(const std::string& model, const Params& params, std::uint64_t seed)
    : Generator(model, params, seed) {
  boot_pages_ = static_cast<std::uint64_t>(params.real("boot") * static_cast<double>(pages_));
  cache_pages_ = static_cast<std::uint64_t>(params.real("age_cache") * static_cast<double>(pages_));
  file_pages_ = std::max<std::uint64_t>(1, params.bytes("age_file") / 4096);
  slab_per_mib_ = params.real("age_slab");
  slab_reclaimable_ = params.real("age_slab_reclaimable");
  survive_ = params.real("age_survive");
  if (boot_pages_ + cache_pages_ * 11 / 10 > pages_) {
    throw InputError(fmt::format("memsim gen {}: boot + age_cache leave no memory", model));
  }
  readers_.resize(cpus_);
}

bool AgedGenerator::age() {
  switch (stage_) {
  case Stage::boot:
    boot_burst();
    return true;
  case Stage::read:
    read_burst();
    return true;
  case Stage::drop_files:
  case Stage::drop_slab:
    drop_burst();
    return true;
  case Stage::over:
    return false;
  }
  return false;
}

// Boot: kernel memory allocated on CPU 0 and kept (memblock-era structures are not in the zone).
void AgedGenerator::boot_burst() {
  if (booted_ == 0) mark("boot");
  for (int i = 0; i < 256 && booted_ < boot_pages_; ++i) {
    const double r = rng_.unit();
    const unsigned order = r < 0.6 ? 0 : r < 0.8 ? 1 : r < 0.9 ? 2 : 3;
    alloc(order, rng_.chance(0.1) ? Migratetype::reclaimable : Migratetype::unmovable, 0);
    booted_ += std::uint64_t{1} << order;
  }
  if (booted_ >= boot_pages_) {
    stage_ = Stage::read;
    mark("page cache fill");
  }
}

// Every CPU reads its own file, kReadBurst pages per turn, with the kernel pages that follow.
void AgedGenerator::read_burst() {
  for (unsigned cpu = 0; cpu < cpus_ && cached_ < cache_pages_; ++cpu) {
    Reader& r = readers_[cpu];
    for (std::uint64_t i = 0; i < kReadBurst && cached_ < cache_pages_; ++i) {
      if (r.done == r.size) {
        if (r.size > 0) {
          files_.push_back({r.base, 0});
          file_sizes_.push_back(r.size);
        }
        r.size = rng_.exponential(static_cast<double>(file_pages_));
        r.base = new_ids(r.size);
        r.done = 0;
      }
      alloc(r.base + r.done++, 0, Migratetype::movable, cpu);
      ++cached_;
      if (rng_.chance(slab_per_mib_ / 256.0)) {
        const unsigned order = rng_.chance(0.9) ? 0 : 1;
        const Migratetype mt =
            rng_.chance(slab_reclaimable_) ? Migratetype::reclaimable : Migratetype::unmovable;
        slab_.push_back({alloc(order, mt, cpu), order});
      }
    }
  }
  if (cached_ < cache_pages_) return;
  for (Reader& r : readers_) { // partly read files stay cached
    if (r.done > 0) {
      files_.push_back({r.base, 0});
      file_sizes_.push_back(r.done);
    }
  }
  // drop_caches walks the inodes, not the pages: files go in an order unrelated to their reads.
  for (std::size_t i = files_.size(); i > 1; --i) {
    const std::size_t j = rng_.below(i);
    std::swap(files_[i - 1], files_[j]);
    std::swap(file_sizes_[i - 1], file_sizes_[j]);
  }
  for (std::size_t i = slab_.size(); i > 1; --i) std::swap(slab_[i - 1], slab_[rng_.below(i)]);
  stage_ = Stage::drop_files;
  mark("drop caches");
}

// echo 3 > drop_caches on CPU 0: one file per burst, then the slab a few hundred pages a burst.
void AgedGenerator::drop_burst() {
  if (stage_ == Stage::drop_files) {
    if (dropped_ < files_.size()) {
      const std::uint64_t base = files_[dropped_].id;
      for (std::uint64_t p = 0; p < file_sizes_[dropped_]; ++p) free(base + p, 0, 0);
      ++dropped_;
      return;
    }
    stage_ = Stage::drop_slab;
    dropped_ = 0;
  }
  for (int i = 0; i < 256 && dropped_ < slab_.size(); ++i, ++dropped_) {
    if (!rng_.chance(survive_)) free(slab_[dropped_].id, slab_[dropped_].order, 0);
  }
  if (dropped_ == slab_.size()) {
    stage_ = Stage::over;
    files_ = {};
    file_sizes_ = {};
    slab_ = {};
  }
}

} // namespace memsim::workload
