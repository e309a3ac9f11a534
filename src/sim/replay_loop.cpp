// Simulator::run: the read-apply loop with a small lookahead window. The ids of the events
// ahead are prefetched in the live-id table, and, half a window later, the block a free will
// touch in the page array: replay is bound by memory latency on large zones, not by work.
#include <array>
#include <exception>

#include "sim/simulator.hpp"
#include "zone/zone.hpp"

namespace memsim {

void Simulator::prefetch_id(const Event& event) const {
  if (event.op != EventOp::mark) live_.prefetch(event.id);
}

void Simulator::prefetch_block(const Event& event) const {
  if (event.op != EventOp::free) return;
  const PageIdx block = live_.find(event.id);
  if (block != kNoPage) __builtin_prefetch(&zone_->page(block));
}

void Simulator::run(TraceReader& reader, const std::function<void()>& tick) {
  constexpr std::size_t kWindow = 16;
  std::array<Event, kWindow> ring;
  std::size_t head = 0, queued = 0;
  std::exception_ptr error;
  bool more = true;
  for (;;) {
    while (queued < kWindow && more) {
      Event& slot = ring[(head + queued) % kWindow];
      try {
        more = reader.next(slot);
      } catch (...) {
        error = std::current_exception();
        more = false;
      }
      if (!more) break;
      prefetch_id(slot);
      ++queued;
    }
    if (queued == 0) break;
    if (queued > kWindow / 2) prefetch_block(ring[(head + kWindow / 2) % kWindow]);
    apply(ring[head]);
    tick();
    head = (head + 1) % kWindow;
    --queued;
  }
  if (error) std::rethrow_exception(error);
}

} // namespace memsim
