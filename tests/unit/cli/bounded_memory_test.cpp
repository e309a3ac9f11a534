// Bounded memory (docs/spec.md §6, issue 7): a generated trace of 50 million events streams through
// a pipe into `memsim replay -` and `memsim compare -` (never on disk), and the child's peak RSS
// (wait4's ru_maxrss) is compared with a run of 5 million events on the same zone and live-set
// bound: memory depends on the zone and the live allocations, not on the trace length.
#include <catch2/catch.hpp>

#include "../../support/skip.hpp"
#include <nlohmann/json.hpp>

#include "../../support/child_process.hpp"
#include "../../support/run_command.hpp"

using memsim::test::MemsimChild;
using memsim::test::slurp;
using memsim::test::TempDir;
using memsim::test::TraceStream;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr std::uint64_t kSlots = 20000; // live allocations at most (orders 0..3)
constexpr std::uint64_t kShort = 5'000'000;
constexpr std::uint64_t kLong = 50'000'000;

struct Measured {
  long peak_kib = 0;
  std::uint64_t applied = 0; // alloc + free events the stats count (every event of the stream)
};

// Streams `events` events into `memsim COMMAND - ARGS --json FILE` and measures its peak RSS.
Measured stream(const std::string& command, std::uint64_t events) {
  TempDir dir;
  const std::string json = (dir / "stats.json").string();
  MemsimChild child({command, "-", "--json", json}, dir / "stdout", dir / "stderr");
  TraceStream trace(kSlots);
  std::string text = TraceStream::header("1GiB");
  for (std::uint64_t left = events; left > 0;) {
    const std::uint64_t n = std::min<std::uint64_t>(left, 200000);
    trace.append(text, n);
    if (!child.write_input(text)) break;
    text.clear();
    left -= n;
  }
  const auto result = child.wait();
  INFO(slurp(dir / "stderr"));
  REQUIRE(result.status == 0);
  const auto doc = nlohmann::json::parse(slurp(json));
  const auto& stats = command == "compare" ? doc["runs"][1] : doc;
  Measured m;
  m.peak_kib = result.max_rss_kib;
  m.applied =
      stats["events"]["alloc"].get<std::uint64_t>() + stats["events"]["free"].get<std::uint64_t>();
  return m;
}

} // namespace

TEST_CASE("Peak memory of replay and compare does not grow with the number of events",
          "[cli][slow][memory]") {
  if (kSanitized) {
    memsim::test::skip_test(
        "skipped under AddressSanitizer: its quarantine makes the peak RSS grow by design");
    return;
  }
  for (const std::string command : {"replay", "compare"}) {
    const Measured small = stream(command, kShort);
    const Measured large = stream(command, kLong);
    INFO(command << ": peak " << small.peak_kib << " KiB after " << kShort << " events, "
                 << large.peak_kib << " KiB after " << kLong);
    CHECK(small.applied == kShort);
    CHECK(large.applied == kLong);
    // Flat: 45 million more events may cost at most 8 MiB or 10% (allocator and thread timing
    // noise, the 450 more timeline samples of --interval 100000); a cost of even 0.2 byte per
    // event would exceed it. Measured: replay 41 -> 41 MiB, compare 60 -> 62 MiB.
    const long margin = std::max(8192L, small.peak_kib / 10);
    CHECK(large.peak_kib - small.peak_kib < margin);
    WARN(command << ": peak RSS " << small.peak_kib / 1024 << " MiB after " << kShort / 1000000
                 << "M events, " << large.peak_kib / 1024 << " MiB after " << kLong / 1000000
                 << "M");
  }
}
