// The ebizzy model: the patchset's benchmark (docs/reproduction.md: 20 instances of
// `ebizzy -s 268435456 -n 2 -t 32 -S 60` on 128 GiB with 512 MiB regions) after an aged-machine
// prefix. Each instance faults in its chunks, then each of its threads repeatedly allocates a
// copy of a chunk (malloc of 256 MiB = a fresh mmap: order-0 movable pages in address order, a
// page-table page every 512 pages), searches it and munmaps it (pages, then page tables). The
// CPUs run the threads in time slices, a burst of faults per CPU per turn, so the faults of all
// CPUs interleave; a thread starts a copy only when memory allows (kernel reclaim is not
// modelled), which keeps the zone nearly full as on the real machine.
#include <algorithm>
#include <cmath>
#include <deque>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "workload/aging.hpp"

namespace memsim::workload {
namespace {

constexpr auto U = Migratetype::unmovable;
constexpr auto M = Migratetype::movable;
constexpr std::uint64_t kPtesPerTable = 512; // x86-64: one page-table page maps 2 MiB

class Ebizzy final : public AgedGenerator {
public:
  Ebizzy(const Params& p, std::uint64_t seed) : AgedGenerator("ebizzy", p, seed) {
    chunk_pages_ = std::max<std::uint64_t>(1, p.bytes("chunk") / 4096);
    tables_per_chunk_ = (chunk_pages_ + kPtesPerTable - 1) / kPtesPerTable;
    const std::uint64_t n = p.count("instances");
    instances_.resize(
        n > 0 ? n
              : std::max<std::uint64_t>(
                    1, std::llround(20.0 * static_cast<double>(pages_) / (32ULL << 20))));
    threads_per_instance_ = std::max<std::uint64_t>(1, p.count("threads"));
    chunks_ = p.count("chunks");
    copies_left_ = std::llround(static_cast<double>(instances_.size() * threads_per_instance_) *
                                p.real("duration") * p.real("rate"));
    search_units_ =
        static_cast<std::uint64_t>(p.real("search") * static_cast<double>(chunk_pages_));
    quantum_ = std::max<std::uint64_t>(1, p.count("quantum"));
    slice_ = std::max<std::uint64_t>(1, p.count("slice"));
    fill_ = p.real("fill");
    kernel_ = {p.real("kernel"), p.real("kernel_reclaimable"), p.real("kernel_survive"),
               p.real("kernel_life")};
    running_.assign(cpus_, kNone);
  }

protected:
  bool produce() override {
    if (age()) return true;
    if (!started_)
      start();
    else if (live_threads_ > 0)
      turn();
    else
      return finish();
    return true;
  }

private:
  enum class Job { chunks, start_copy, fault, search, unmap, done };
  struct Thread {
    std::uint32_t instance = 0;
    Job job = Job::start_copy;
    std::uint64_t k = 0;    // pages faulted or unmapped, search units done
    std::uint64_t base = 0; // first page id of the current copy (or of the chunks)
    std::uint64_t stack = 0;
    std::uint64_t slice = 0; // units left in the time slice
    bool blocked = false;    // waits for memory
    bool privileged = false; // broke a stall: may go past the cap until its copy is unmapped
    std::vector<std::uint64_t> tables;
  };
  struct Instance {
    std::uint64_t pgd = 0, chunk_base = 0, threads_left = 0;
    std::vector<std::uint64_t> tables;
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  void start() {
    started_ = true;
    const std::uint64_t free_pages = pages_ - live_pages();
    const std::uint64_t fixed = instances_.size() * (chunks_ * (chunk_pages_ + tables_per_chunk_) +
                                                     1 + threads_per_instance_ * 2);
    // A copy may go over the cap by one copy (the thread that breaks a stall, below).
    const double cap = fill_ * static_cast<double>(free_pages) -
                       static_cast<double>(chunk_pages_ + tables_per_chunk_);
    if (cap < static_cast<double>(fixed + chunk_pages_ + tables_per_chunk_)) {
      throw InputError(fmt::format(
          "memsim gen ebizzy: {} instances with {} chunks of {} pages do not fit in {} free pages; "
          "lower instances, chunks or chunk, or raise memory",
          instances_.size(), chunks_, chunk_pages_, free_pages));
    }
    cap_ = live_pages() + static_cast<std::uint64_t>(cap);
    threads_.reserve(instances_.size() * threads_per_instance_);
    mark("ebizzy start");
    for (std::uint32_t i = 0; i < instances_.size(); ++i) { // the main threads fault the chunks
      const auto cpu = static_cast<unsigned>(i % cpus_);
      instances_[i].pgd = alloc(0, U, cpu);
      instances_[i].chunk_base = new_ids(chunks_ * chunk_pages_);
      instances_[i].threads_left = threads_per_instance_;
      spawn(i, cpu, Job::chunks);
    }
  }

  void spawn(std::uint32_t instance, unsigned cpu, Job job) {
    Thread t;
    t.instance = instance;
    t.job = job;
    t.stack = alloc(1, U, cpu);  // kernel stack, THREAD_SIZE_ORDER 1 on 3.11 x86-64
    kernel_object(kernel_, cpu); // task_struct and friends
    threads_.push_back(std::move(t));
    runnable_.push_back(static_cast<std::uint32_t>(threads_.size() - 1));
    ++live_threads_;
  }

  // One turn of every CPU: each runs its thread for `quantum` units.
  void turn() {
    bool ran = false;
    for (unsigned cpu = 0; cpu < cpus_; ++cpu) {
      std::uint32_t& current = running_[cpu];
      if (current == kNone) {
        if (runnable_.empty()) continue;
        current = runnable_.front();
        runnable_.pop_front();
        threads_[current].slice = slice_;
      }
      ran = true;
      std::uint64_t units = quantum_;
      while (units > 0 && current != kNone) {
        Thread& t = threads_[current];
        const std::uint64_t used = step(t, current, cpu, units);
        units -= std::min(units, used);
        t.slice -= std::min(t.slice, used);
        if (t.job == Job::done || t.blocked) {
          current = kNone; // exited, or waits for memory
        } else if (t.slice == 0) {
          runnable_.push_back(current);
          current = kNone;
        }
      }
    }
    if (!ran && !waiting_.empty()) break_stall();
  }

  // Every thread waits for memory that only their own copies hold (the kernel would reclaim or
  // swap): the one furthest along its copy goes on past the cap and finishes it.
  void break_stall() {
    auto best = waiting_.begin();
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
      if (threads_[*it].k > threads_[*best].k) best = it;
    threads_[*best].privileged = true;
    threads_[*best].blocked = false;
    runnable_.push_back(*best);
    waiting_.erase(best);
  }

  // Runs thread `t` for up to `units`; returns the units used.
  std::uint64_t step(Thread& t, std::uint32_t index, unsigned cpu, std::uint64_t units) {
    switch (t.job) {
    case Job::chunks:
      return fault(t, index, cpu, units, chunks_ * chunk_pages_, instances_[t.instance].tables);
    case Job::start_copy:
      return start_copy(t, cpu);
    case Job::fault:
      return fault(t, index, cpu, units, chunk_pages_, t.tables);
    case Job::search: {
      const std::uint64_t used = std::min(units, search_units_ - t.k);
      t.k += used;
      if (t.k == search_units_) t.job = Job::unmap, t.k = 0;
      return std::max<std::uint64_t>(used, 1);
    }
    case Job::unmap:
      return unmap(t, cpu, units);
    case Job::done:
      return 0;
    }
    return 0;
  }

  std::uint64_t start_copy(Thread& t, unsigned cpu) {
    if (copies_left_ == 0) { // the run is over: the thread exits
      free(t.stack, 1, cpu);
      t.job = Job::done;
      --live_threads_;
      if (--instances_[t.instance].threads_left == 0) exit_instance(t.instance, cpu);
      return 0;
    }
    --copies_left_;
    t.job = Job::fault;
    t.k = 0;
    t.base = new_ids(chunk_pages_);
    t.tables.clear();
    return 1;
  }

  // Faults pages base+k.. of a mapping of `total` pages (memcpy into a fresh mmap). A copy's
  // fault waits while the zone holds `cap_` pages (the chunks, faulted first, never wait).
  std::uint64_t fault(Thread& t, std::uint32_t index, unsigned cpu, std::uint64_t units,
                      std::uint64_t total, std::vector<std::uint64_t>& tables) {
    const bool chunks = t.job == Job::chunks;
    const std::uint64_t base = chunks ? instances_[t.instance].chunk_base : t.base;
    std::uint64_t used = 0;
    for (; used < units && t.k < total; ++used, ++t.k) {
      if (!chunks && !t.privileged && live_pages() + 2 > cap_) {
        t.blocked = true;
        waiting_.push_back(index);
        return used;
      }
      if (t.k % kPtesPerTable == 0) tables.push_back(alloc(0, U, cpu)); // __pte_alloc
      alloc(base + t.k, 0, M, cpu);
      maybe_kernel_object(kernel_, cpu);
    }
    if (t.k == total) {
      if (chunks) { // ebizzy starts its threads once the chunks are filled
        for (std::uint64_t i = 1; i < threads_per_instance_; ++i)
          spawn(t.instance, cpu, Job::start_copy);
        t.job = Job::start_copy; // threads_ was reserved: spawn() moves no thread
      } else {
        t.job = Job::search;
      }
      t.k = 0;
    }
    return std::max<std::uint64_t>(used, 1);
  }

  // munmap: zap the pages in address order, then free_pgtables; wake the waiting threads.
  std::uint64_t unmap(Thread& t, unsigned cpu, std::uint64_t units) {
    std::uint64_t used = 0;
    for (; used < units && t.k < chunk_pages_; ++used, ++t.k) free(t.base + t.k, 0, cpu);
    if (t.k == chunk_pages_) {
      for (const std::uint64_t table : t.tables) free(table, 0, cpu);
      t.tables.clear();
      t.privileged = false;
      t.job = Job::start_copy;
      for (const std::uint32_t w : waiting_) {
        threads_[w].blocked = false;
        runnable_.push_back(w);
      }
      waiting_.clear();
    }
    return std::max<std::uint64_t>(used, 1);
  }

  void exit_instance(std::uint32_t i, unsigned cpu) {
    Instance& in = instances_[i];
    for (std::uint64_t p = 0; p < chunks_ * chunk_pages_; ++p) free(in.chunk_base + p, 0, cpu);
    for (const std::uint64_t table : in.tables) free(table, 0, cpu);
    free(in.pgd, 0, cpu);
    in.tables = {};
  }

  bool finish() {
    flush_pending_frees();
    mark("ebizzy end");
    return false;
  }

  std::uint64_t chunk_pages_ = 0, tables_per_chunk_ = 0, threads_per_instance_ = 0, chunks_ = 0;
  std::uint64_t copies_left_ = 0, search_units_ = 0, quantum_ = 0, slice_ = 0;
  std::uint64_t cap_ = 0, live_threads_ = 0;
  double fill_ = 0;
  KernelMix kernel_;
  bool started_ = false;
  std::vector<Instance> instances_;
  std::vector<Thread> threads_;
  std::vector<std::uint32_t> running_;
  std::deque<std::uint32_t> runnable_, waiting_;
};

} // namespace

ModelInfo ebizzy_model() {
  std::vector<ParamSpec> params = geometry_params("128GiB", "32");
  const std::vector<ParamSpec> own = {
      {"instances", ParamKind::count, "0",
       "ebizzy processes; 0: 20 per 128 GiB of memory (the published run), at least 1"},
      {"threads", ParamKind::count, "32", "threads per instance (ebizzy -t)"},
      {"chunks", ParamKind::count, "2", "chunks per instance, faulted in at start (ebizzy -n)"},
      {"chunk", ParamKind::size, "256MiB", "chunk size; each copy is one chunk (ebizzy -s)"},
      {"duration", ParamKind::real, "60", "run length in seconds (ebizzy -S)"},
      {"rate", ParamKind::real, "0.04",
       "copies per thread per second, scaled down from the real ebizzy so that the default "
       "128 GiB run replays in minutes: 1,536 copies, 3 passes over memory"},
      {"search", ParamKind::real, "1", "CPU time of a search, in page faults per copied page"},
      {"quantum", ParamKind::count, "16", "pages a CPU faults or frees before the next CPU's"},
      {"slice", ParamKind::count, "4096", "units a thread runs before it is preempted"},
      {"fill", ParamKind::fraction, "0.999",
       "share of the memory free at the start that copies may fill before faults wait (the "
       "kernel keeps free memory near its watermarks, 0.05% of the published zone)"},
      {"kernel", ParamKind::real, "1.3",
       "kernel pages (slab, vmas, anon_vma, ...) per MiB of anonymous memory, page tables "
       "apart (anon phases of mixed-1g-smp2: 4,300 for 3.25 GiB)"},
      {"kernel_reclaimable", ParamKind::fraction, "0.05",
       "reclaimable share of them (mixed-1g-smp2: 8,915 of 189,229 kernel allocations)"},
      {"kernel_survive", ParamKind::fraction, "0.0023",
       "share of them never freed (mixed-1g-smp2: 0.23% still allocated at the end)"},
      {"kernel_life", ParamKind::real, "65536", "mean life of the others, in events"},
  };
  params.insert(params.end(), own.begin(), own.end());
  const std::vector<ParamSpec> aging = AgedGenerator::aging_params();
  params.insert(params.end(), aging.begin(), aging.end());
  return {
      "ebizzy", "the patchset's benchmark: N x T threads churning chunks of movable memory",
      "Represents Bhat's published experiment (docs/reproduction.md): 20 instances of `ebizzy -s "
      "268435456 -n 2 "
      "-t 32 -S 60` on a 128 GiB, 32-CPU machine with 512 MiB regions, after an aged-machine "
      "prefix (boot, page cache filled then dropped, surviving slab scattered). Each thread "
      "faults a copy of a chunk (order-0 movable pages, one unmovable page-table page per 512), "
      "searches it and unmaps it. Kernel-page ratios come from the real Linux 6.1 recordings "
      "(see docs/workloads.md).",
      params,
      [](const Params& p, std::uint64_t seed) { return std::make_unique<Ebizzy>(p, seed); }};
}

} // namespace memsim::workload
