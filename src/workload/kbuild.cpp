// The kbuild model: a parallel build, many short processes. Each process is forked (pgd, kernel
// stack, task structures), reads sources and headers it misses in the page cache, faults its
// anonymous memory (a page-table page per 512 pages), writes its output file (page cache that
// stays) and exits, freeing its anonymous memory, page tables and stack. `jobs` processes run
// at once on the CPUs in turns; the page cache is reclaimed oldest file first once it holds its
// limit. Ratios from the `fork` and `slab` phases of the real Linux 6.1 recording mixed-1g-smp2
// (docs/workloads.md).
#include <algorithm>

#include "workload/generator.hpp"
#include "workload/page_cache_lru.hpp"

namespace memsim::workload {
namespace {

constexpr auto U = Migratetype::unmovable;
constexpr auto M = Migratetype::movable;
constexpr std::uint64_t kQuantum = 16;
constexpr std::uint64_t kPtesPerTable = 512;

class Kbuild final : public Generator {
public:
  Kbuild(const Params& p, std::uint64_t seed) : Generator("kbuild", p, seed) {
    slots_.resize(std::max<std::uint64_t>(1, p.count("jobs")));
    processes_left_ = p.count("processes");
    anon_pages_ = std::max<std::uint64_t>(1, p.bytes("anon") / 4096);
    read_pages_ = p.bytes("read") / 4096;
    output_pages_ = p.bytes("output") / 4096;
    limit_ = static_cast<std::uint64_t>(p.real("cache_limit") * static_cast<double>(pages_));
    kernel_ = {p.real("kernel"), p.real("kernel_reclaimable"), p.real("kernel_survive"),
               p.real("kernel_life")};
  }

protected:
  bool produce() override {
    bool busy = false;
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      Process& p = slots_[s];
      const auto cpu = static_cast<unsigned>(s % cpus_);
      if (!p.alive) {
        if (processes_left_ == 0) continue;
        --processes_left_;
        fork(p, cpu);
      }
      busy = true;
      for (std::uint64_t i = 0; i < kQuantum && p.alive; ++i) work(p, cpu);
    }
    return busy || processes_left_ > 0;
  }

private:
  struct Process {
    bool alive = false;
    std::uint64_t pgd = 0, stack = 0, anon_base = 0, anon = 0, anon_done = 0;
    std::uint64_t read = 0, out_base = 0, output = 0, out_done = 0;
    std::vector<std::uint64_t> tables;
  };

  void fork(Process& p, unsigned cpu) { // copy_process + exec
    p.alive = true;
    p.pgd = alloc(0, U, cpu);
    p.stack = alloc(1, U, cpu);
    for (int i = 0; i < 4; ++i) kernel_object(kernel_, cpu); // task_struct, mm, vmas, files
    p.anon = rng_.exponential(static_cast<double>(anon_pages_));
    p.anon_base = new_ids(p.anon);
    p.anon_done = 0;
    p.read = read_pages_ > 0 ? rng_.exponential(static_cast<double>(read_pages_)) : 0;
    p.output = output_pages_ > 0 ? rng_.exponential(static_cast<double>(output_pages_)) : 0;
    p.out_base = new_ids(p.output);
    p.out_done = 0;
    p.tables.clear();
  }

  void cache_page(std::uint64_t id, unsigned cpu) {
    while (lru_.pages() >= limit_) {
      const auto victim = lru_.evict();
      if (!victim) break;
      free(*victim, 0, cpu);
    }
    alloc(id, 0, M, cpu);
  }

  // One unit: a page of input read, of anonymous memory, or of output; then exit.
  void work(Process& p, unsigned cpu) {
    const std::uint64_t anon_left = p.anon - p.anon_done;
    if (p.read > 0 && (anon_left == 0 || rng_.below(p.read + anon_left) < p.read)) {
      const std::uint64_t id = new_ids(1);
      cache_page(id, cpu);
      lru_.add(id, 1);
      --p.read;
      maybe_kernel_object(kernel_, cpu);
    } else if (anon_left > 0) {
      if (p.anon_done % kPtesPerTable == 0) p.tables.push_back(alloc(0, U, cpu));
      alloc(p.anon_base + p.anon_done++, 0, M, cpu);
      maybe_kernel_object(kernel_, cpu);
    } else if (p.out_done < p.output) {
      cache_page(p.out_base + p.out_done++, cpu);
      if (p.out_done == p.output) lru_.add(p.out_base, p.output);
    } else {
      exit(p, cpu);
    }
  }

  void exit(Process& p, unsigned cpu) { // exit_mmap: pages, then page tables; then the task
    for (std::uint64_t k = 0; k < p.anon; ++k) free(p.anon_base + k, 0, cpu);
    for (const std::uint64_t t : p.tables) free(t, 0, cpu);
    free(p.pgd, 0, cpu);
    free(p.stack, 1, cpu);
    p.alive = false;
  }

  std::vector<Process> slots_;
  PageCacheLru lru_;
  std::uint64_t processes_left_ = 0, anon_pages_ = 1, read_pages_ = 0, output_pages_ = 0;
  std::uint64_t limit_ = 0;
  KernelMix kernel_;
};

} // namespace

ModelInfo kbuild_model() {
  std::vector<ParamSpec> params = geometry_params("4GiB", "4");
  const std::vector<ParamSpec> own = {
      {"jobs", ParamKind::count, "8", "processes running at once (make -j)"},
      {"processes", ParamKind::count, "4000", "processes in all"},
      {"anon", ParamKind::size, "8MiB", "mean anonymous memory of a process (exponential)"},
      {"read", ParamKind::size, "512KiB", "mean input a process reads that is not yet cached"},
      {"output", ParamKind::size, "256KiB", "mean output file a process writes (stays cached)"},
      {"cache_limit", ParamKind::fraction, "0.6", "share of memory the page cache fills"},
      {"kernel", ParamKind::real, "12",
       "kernel pages per MiB of anonymous memory and input, page tables, pgd and stacks apart "
       "(fork and slab phases of mixed-1g-smp2: many small processes and files)"},
      {"kernel_reclaimable", ParamKind::fraction, "0.45",
       "reclaimable share of them (slab phases: 3,920 reclaimable and 4,591 unmovable pages)"},
      {"kernel_survive", ParamKind::fraction, "0.002",
       "share of them never freed (fork and slab phases: 0.1-2.4%)"},
      {"kernel_life", ParamKind::real, "20000", "mean life of the others, in events"},
  };
  params.insert(params.end(), own.begin(), own.end());
  return {"kbuild", "a parallel build: many short processes, page cache, page tables, slab",
          "Many short processes: fork (pgd, order-1 stack, task slab), input read into the page "
          "cache, anonymous memory with its page tables, an output file that stays cached, exit. "
          "The page cache is reclaimed oldest file first at its limit. Ratios from the fork and "
          "slab phases of the real Linux 6.1 recording mixed-1g-smp2 (docs/workloads.md).",
          params,
          [](const Params& p, std::uint64_t seed) { return std::make_unique<Kbuild>(p, seed); }};
}

} // namespace memsim::workload
