// The benchmark's synthetic JSON Lines trace: a seeded xoshiro256** stream of requests drawn
// from a fixed mix, written with std::to_chars into a large buffer (generation must not take
// longer than the replay it feeds). The mix is not a contract; the header names its version.
#include "synthetic_trace.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/random.hpp"

namespace memsim::bench {
namespace {

using memsim::Rng;

struct Request {
  std::uint8_t order;
  const char* mt;
};

// ~70% order-0 movable (page cache, anonymous memory), order-0 kernel pages, small multi-page
// kernel allocations (slab, stacks, page tables), a few mid orders and THP-sized order 9.
Request draw_request(Rng& rng) {
  const double r = rng.unit();
  if (r < 0.70) return {0, "movable"};
  if (r < 0.80) return {0, "unmovable"};
  if (r < 0.85) return {0, "reclaimable"};
  if (r < 0.91) return {1, rng.unit() < 0.7 ? "unmovable" : "reclaimable"};
  if (r < 0.95) return {2, rng.unit() < 0.7 ? "unmovable" : "reclaimable"};
  if (r < 0.97) return {3, "unmovable"};
  if (r < 0.985) {
    const auto order = static_cast<std::uint8_t>(4 + rng.below(5));
    return {order, rng.unit() < 0.5 ? "movable" : "unmovable"};
  }
  return {9, "movable"};
}

struct LiveAllocation {
  std::uint64_t id;
  std::uint8_t order;
};

class LineWriter {
public:
  explicit LineWriter(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw std::runtime_error(path + ": cannot create");
    buffer_.reserve(kFlushAt + 4096);
  }
  void text(std::string_view s) { buffer_.append(s); }
  void number(std::uint64_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    buffer_.append(digits.data(), end);
  }
  // Seconds with six decimals, from a count of microseconds (exact, no floating point).
  void micros(std::uint64_t us) {
    number(us / 1'000'000);
    const std::string frac = std::to_string(1'000'000 + us % 1'000'000);
    buffer_.push_back('.');
    buffer_.append(frac, 1, 6);
  }
  void end_line() {
    buffer_.push_back('\n');
    if (buffer_.size() >= kFlushAt) flush();
  }
  void flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }
  void close(const std::string& path) {
    flush();
    out_.close();
    if (!out_) throw std::runtime_error(path + ": write failed");
  }

private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::ofstream out_;
  std::string buffer_;
};

void write_events(LineWriter& out, const SyntheticParams& params) {
  Rng rng{params.seed};
  std::vector<LiveAllocation> live;
  std::uint64_t live_pages = 0;
  std::uint64_t next_id = 1;
  const auto target =
      static_cast<std::uint64_t>(params.live_fraction * static_cast<double>(params.zone_pages));
  const std::uint64_t mark_every = std::max<std::uint64_t>(1000, params.events / 10);

  for (std::uint64_t i = 0; i < params.events; ++i) {
    const auto cpu = rng.below(params.cpus);
    if ((i + 1) % mark_every == 0) {
      out.text(R"({"op":"mark","label":"phase )");
      out.number((i + 1) / mark_every);
      out.text("\"}");
      out.end_line();
      continue;
    }
    const Request request = draw_request(rng);
    const std::uint64_t pages = std::uint64_t{1} << request.order;
    const bool alloc = live.empty() || (live_pages + pages <= target && rng.unit() < 0.55);
    if (alloc) {
      live.push_back({next_id, request.order});
      live_pages += pages;
      out.text(R"({"op":"alloc","id":)");
      out.number(next_id++);
      out.text(R"(,"order":)");
      out.number(request.order);
      out.text(R"(,"mt":")");
      out.text(request.mt);
      out.text("\"");
    } else {
      // Most frees hit a recent allocation (short-lived pages), the rest a random one.
      const std::uint64_t n = live.size();
      const std::uint64_t index =
          rng.unit() < 0.6 ? n - 1 - rng.below(std::min<std::uint64_t>(n, 64)) : rng.below(n);
      const LiveAllocation victim = live[index];
      live[index] = live.back();
      live.pop_back();
      live_pages -= std::uint64_t{1} << victim.order;
      out.text(R"({"op":"free","id":)");
      out.number(victim.id);
      out.text(R"(,"order":)");
      out.number(victim.order);
    }
    out.text(R"(,"cpu":)");
    out.number(cpu);
    out.text(R"(,"t":)");
    out.micros(i);
    out.text("}");
    out.end_line();
  }
}

} // namespace

std::string synthetic_header(const SyntheticParams& params) {
  nlohmann::ordered_json header;
  header["memsim_trace"] = 1;
  header["zone"] = {{"memory", params.memory}, {"cpus", params.cpus}};
  header["meta"] = {{"generator", "memsim_bench synthetic v1"},
                    {"events", params.events},
                    {"seed", params.seed},
                    {"live_fraction", params.live_fraction}};
  return header.dump();
}

bool write_synthetic_trace(const std::string& path, const SyntheticParams& params) {
  const std::string header = synthetic_header(params);
  if (std::ifstream existing{path}) {
    std::string first;
    if (std::getline(existing, first) && first == header) return false;
  }
  const std::string temporary = path + ".tmp";
  LineWriter out{temporary};
  out.text(header);
  out.end_line();
  write_events(out, params);
  out.close(temporary);
  std::filesystem::rename(temporary, path);
  return true;
}

} // namespace memsim::bench
