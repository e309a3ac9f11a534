// compare's threads (compare.hpp): the reading thread fills shared batches of events and pushes
// each into every run's bounded queue; each run thread reads its queue through a TraceReader
// adapter, so Simulator::run keeps its prefetch window. Errors carry their place in the trace
// and the earliest wins, so the message never depends on thread timing.
#include "sim/compare.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace memsim {
namespace {

using Batch = std::shared_ptr<const std::vector<Event>>;

// A bounded queue of batches between the reading thread and one run.
class BatchQueue {
public:
  explicit BatchQueue(std::size_t capacity) : capacity_(capacity) {}

  // Blocks while full; drops the batch when the run has given up.
  void push(Batch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return batches_.size() < capacity_ || abandoned_; });
    if (abandoned_) return;
    batches_.push_back(std::move(batch));
    changed_.notify_all();
  }
  // Blocks while empty; nullptr at the end of the stream.
  Batch pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return nullptr;
    Batch batch = std::move(batches_.front());
    batches_.pop_front();
    changed_.notify_all();
    return batch;
  }
  // The reader: no more batches.
  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  // The run: no more batches wanted (it failed).
  void abandon() {
    const std::lock_guard lock(mutex_);
    abandoned_ = true;
    batches_.clear();
    changed_.notify_all();
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> batches_;
  std::size_t capacity_;
  bool closed_ = false;
  bool abandoned_ = false;
};

// One run's queue as a TraceReader; header and positions are the source reader's (where() only
// formats its argument, so calling it from run threads is safe).
class QueueReader final : public TraceReader {
public:
  QueueReader(const TraceReader& source, BatchQueue& queue) : source_(source), queue_(queue) {}
  const TraceHeader& header() const override { return source_.header(); }
  std::string where(std::uint64_t pos) const override { return source_.where(pos); }
  bool next(Event& out) override {
    if (!batch_ || next_ == batch_->size()) {
      batch_ = queue_.pop();
      next_ = 0;
      if (!batch_) return false;
    }
    out = (*batch_)[next_++];
    return true;
  }

private:
  const TraceReader& source_;
  BatchQueue& queue_;
  Batch batch_;
  std::size_t next_ = 0;
};

// An error and its place: 0 before every event, i + 1 at event i. A reader error after N
// delivered events stands at N + 1: no run ever sees that event, so it ties with no run error.
struct PlacedError {
  std::uint64_t place = std::numeric_limits<std::uint64_t>::max();
  std::exception_ptr error;
};

struct RunSlot {
  explicit RunSlot(std::size_t capacity) : queue(capacity) {}
  BatchQueue queue;
  std::optional<RunStats> stats;
  PlacedError error;
};

struct Shared {
  const TraceReader& source;
  const std::string& trace_path;
  const ReplayOptions& options;
  std::atomic<bool> failed{false}; // some run failed: later events cannot matter
};

// A run thread: build the Simulator, apply every batch of the queue, snapshot the stats. On an
// error the run stops, records where, and gives up its queue.
void run_one(const CompareRun& run, Shared& shared, RunSlot& slot) {
  std::uint64_t place = 0;
  try {
    Simulator sim(run.config, run.policy, run.entry, shared.source, shared.trace_path,
                  shared.options);
    QueueReader reader(shared.source, slot.queue);
    try {
      sim.run(reader, [] {});
      slot.stats = sim.finish();
    } catch (...) {
      place = sim.events_applied() + 1;
      throw;
    }
  } catch (...) {
    slot.error = {place, std::current_exception()};
    slot.queue.abandon();
    shared.failed.store(true);
  }
}

// Fills one batch (short at the end of the trace). An error of the reader is kept with its
// place; the events read before it are kept too.
std::vector<Event> read_batch(TraceReader& reader, std::size_t size, std::uint64_t delivered,
                              PlacedError& error) {
  std::vector<Event> events;
  std::size_t n = 0;
  try {
    events.resize(size);
    while (n < size && reader.next(events[n])) ++n;
  } catch (...) {
    error = {delivered + n + 1, std::current_exception()};
  }
  events.resize(n);
  return events;
}

// The reading thread: batches into every queue until the end of the trace, an error of the
// reader, or a run's failure (no later event can then give an earlier error); then closes the
// queues. Returns the reader's error, if any.
PlacedError read_all(TraceReader& reader, std::vector<std::unique_ptr<RunSlot>>& slots,
                     std::size_t batch_events, Shared& shared,
                     const std::function<void(std::uint64_t)>& on_read) {
  PlacedError error;
  std::uint64_t delivered = 0;
  try {
    bool more = true;
    while (more && !shared.failed.load()) {
      auto events =
          std::make_shared<std::vector<Event>>(read_batch(reader, batch_events, delivered, error));
      more = events->size() == batch_events;
      if (events->empty()) break;
      delivered += events->size();
      const Batch batch = std::move(events);
      for (const auto& slot : slots) slot->queue.push(batch);
      if (on_read) on_read(delivered);
    }
  } catch (...) {
    if (!error.error) error = {delivered + 1, std::current_exception()};
  }
  for (const auto& slot : slots) slot->queue.close();
  return error;
}

// The stats in run order, or the earliest error rethrown (the first run wins a tie).
std::vector<RunStats> collect(const PlacedError& read_error,
                              const std::vector<std::unique_ptr<RunSlot>>& slots) {
  const PlacedError* first = nullptr;
  for (const auto& slot : slots)
    if (slot->error.error && (first == nullptr || slot->error.place < first->place))
      first = &slot->error;
  if (read_error.error && (first == nullptr || read_error.place < first->place))
    first = &read_error;
  if (first != nullptr) std::rethrow_exception(first->error);
  std::vector<RunStats> out;
  out.reserve(slots.size());
  for (const auto& slot : slots) out.push_back(std::move(*slot->stats));
  return out;
}

} // namespace

std::vector<RunStats> run_compare(TraceReader& reader, const std::string& trace_path,
                                  const std::vector<CompareRun>& runs,
                                  const CompareOptions& options,
                                  const std::function<void(std::uint64_t)>& on_read) {
  Shared shared{reader, trace_path, options.replay};
  std::vector<std::unique_ptr<RunSlot>> slots;
  for (std::size_t i = 0; i < runs.size(); ++i)
    slots.push_back(std::make_unique<RunSlot>(std::max<std::size_t>(1, options.queue_batches)));
  PlacedError read_error;
  {
    std::vector<std::jthread> threads; // joined on leaving the block, even by an exception
    try {
      for (std::size_t i = 0; i < runs.size(); ++i)
        threads.emplace_back(run_one, std::cref(runs[i]), std::ref(shared), std::ref(*slots[i]));
    } catch (...) {
      for (const auto& slot : slots) slot->queue.close();
      throw;
    }
    read_error =
        read_all(reader, slots, std::max<std::size_t>(1, options.batch_events), shared, on_read);
  }
  return collect(read_error, slots);
}

} // namespace memsim
