// The base of every workload model: a TraceReader that a model fills with events in bursts
// (produce()), with the helpers models share: id numbering, live-page accounting, frees due a
// number of events later (short-lived kernel allocations), marks, and a portable seeded RNG.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "memsim/trace.hpp"
#include "workload/workload.hpp"

namespace memsim::workload {

// Kernel allocations made alongside user memory (slab, task structures, buffers): how many pages
// per MiB of user memory, which share is reclaimable (the rest unmovable), which share is never
// freed (objects that pin their slab page), and the mean life of the others in events.
struct KernelMix {
  double per_mib = 0;
  double reclaimable = 0;
  double survive = 0;
  double life = 1;
};

class Generator : public TraceReader {
public:
  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override;
  std::string where(std::uint64_t pos) const override;

protected:
  Generator(const std::string& model, const Params& params, std::uint64_t seed);
  // Appends the next burst of events; returns false once the workload is over (it may still
  // have appended events). Frees scheduled with free_after() and still pending are then issued.
  virtual bool produce() = 0;

  std::uint64_t new_ids(std::uint64_t n) { // n fresh consecutive ids, returns the first
    const std::uint64_t first = next_id_;
    next_id_ += n;
    return first;
  }
  void alloc(std::uint64_t id, unsigned order, Migratetype mt, unsigned cpu);
  std::uint64_t alloc(unsigned order, Migratetype mt, unsigned cpu); // with a fresh id
  void free(std::uint64_t id, unsigned order, unsigned cpu);
  // Frees `id` once `delay` more events have been produced (kernel objects with short lives).
  void free_after(std::uint64_t delay, std::uint64_t id, unsigned order, unsigned cpu);
  // Issues every pending free_after() now, in due order.
  void flush_pending_frees();
  void split(std::uint64_t id); // split_page(): the ids after `id` must be free for it
  void mark(std::string label);
  // One kernel allocation of `mix` (order 0 90%, 1 9.5%, 2 0.5%: the unmovable orders of the
  // real traces), freed after a random life unless it survives. Returns whether it survives.
  bool kernel_object(const KernelMix& mix, unsigned cpu);
  // kernel_object() with probability mix.per_mib / 256: called once per 4 KiB user page.
  void maybe_kernel_object(const KernelMix& mix, unsigned cpu) {
    if (mix.per_mib > 0 && rng_.chance(mix.per_mib / 256.0)) kernel_object(mix, cpu);
  }
  std::uint64_t live_pages() const { return live_pages_; }
  std::size_t queued() const { return queue_.size(); }

  Rng rng_;
  std::uint64_t pages_ = 0;        // zone pages
  std::uint64_t region_pages_ = 0; // pages per region
  unsigned cpus_ = 1;

private:
  struct Pending {
    std::uint64_t due, id;
    unsigned order, cpu;
    bool operator>(const Pending& o) const { return due != o.due ? due > o.due : id > o.id; }
  };
  void push(Event event);
  std::string model_;
  TraceHeader header_;
  std::deque<Event> queue_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  std::uint64_t next_id_ = 1;
  std::uint64_t produced_ = 0; // events pushed so far
  std::uint64_t delivered_ = 0;
  std::uint64_t live_pages_ = 0;
  bool over_ = false;
  bool issuing_ = false;
};

} // namespace memsim::workload
