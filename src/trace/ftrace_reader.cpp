// The ftrace kmem text reader behind open_ftrace() and open_trace() (SPEC §4.5): tracefs
// `trace` / `trace_pipe` text (4- or 5-character flags, with or without the irq-info columns),
// `trace-cmd report` and `perf script` lines of mm_page_alloc and mm_page_free (or the pre-3.3
// mm_page_free_direct), decimal or hex pfn, symbolic or hex gfp_flags. Each line is parsed by
// hand (std::from_chars, no regex). A first pass over the file finds the geometry and the meta
// (the highest page allocated, the highest CPU, the skipped lines); the second pass converts,
// keeping the live allocations by pfn so that a free inside a larger live allocation becomes a
// split followed by order-0 frees (a small output queue holds the events of one line).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "memsim/error.hpp"
#include "memsim/trace.hpp"
#include "trace/input_buffer.hpp"
#include "trace/input_stream.hpp"
#include "trace/readers.hpp"

namespace memsim {
namespace {

constexpr unsigned kMaxOrderBound = 11; // orders 0..10 can enclose a free (SPEC §4.5)
constexpr unsigned kOrderLimit = 20;    // a higher printed order is a malformed line
constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kDefaultRegionBytes = std::uint64_t{512} << 20;
constexpr std::uint64_t kGfpMovable = 0x08;
constexpr std::uint64_t kGfpReclaimable = 0x10;
constexpr std::uint64_t kGfpReclaimablePre44 = 0x80000;

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads a file line by line through an InputBuffer (decompressed transparently).
class LineSource {
public:
  explicit LineSource(const std::string& path) : buffer_(trace::open_input(path)) {}

  // The next line without its '\n' (and '\r'); false at the end of the input.
  bool next(std::string_view& line) {
    for (;;) {
      if (cursor_ < chunk_end_) {
        const char* data = buffer_.data();
        const void* newline = std::memchr(data + cursor_, '\n', chunk_end_ - cursor_);
        const std::size_t end =
            newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - data)
                               : chunk_end_;
        line = std::string_view(data + cursor_, end - cursor_);
        cursor_ = newline != nullptr ? end + 1 : chunk_end_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_;
        return true;
      }
      if (finished_) return false;
      load();
    }
  }
  std::uint64_t line_number() const { return line_; }

private:
  void load() {
    for (;;) {
      if (!buffer_.at_end()) {
        buffer_.refill(cursor_); // grows the window when one line fills it
        cursor_ = 0;
      }
      const std::size_t size = buffer_.size();
      if (buffer_.at_end()) {
        chunk_end_ = size;
        finished_ = true;
        return;
      }
      const void* last = ::memrchr(buffer_.data(), '\n', size);
      if (last != nullptr) {
        chunk_end_ = static_cast<std::size_t>(static_cast<const char*>(last) - buffer_.data()) + 1;
        return;
      }
    }
  }

  trace::InputBuffer buffer_;
  std::size_t cursor_ = 0;
  std::size_t chunk_end_ = 0;
  std::uint64_t line_ = 0;
  bool finished_ = false;
};

enum class LineKind : std::uint8_t { unparsed, other, mark, alloc, free, bad };

struct ParsedLine {
  LineKind kind = LineKind::unparsed;
  std::string_view name;  // the event name (other, bad)
  std::string_view label; // mark
  std::string message;    // bad
  std::uint32_t cpu = 0;
  double t = 0.0;
  std::uint64_t pfn = 0;
  unsigned order = 0;
  Migratetype mt = Migratetype::unmovable;
};

// "digits.digits" as a timestamp.
bool parse_timestamp(std::string_view text, double* t) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i != dot && !is_digit(text[i])) return false;
  if (t == nullptr) return true; // the shape alone (the first pass needs no time)
  const auto result = std::from_chars(text.data(), text.data() + text.size(), *t);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// The non-blank run at `i` (after blanks), advancing `i` past it.
std::string_view take_token(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i])) ++i;
  const std::size_t begin = i;
  while (i < s.size() && !is_space(s[i])) ++i;
  return s.substr(begin, i - begin);
}

// The `[cpu] [flags] ts:` prefix: on success `i` stands after the timestamp's ':'.
bool parse_prefix(std::string_view s, std::size_t& i, std::uint32_t& cpu, double* t) {
  std::size_t from = 0;
  for (;;) {
    const std::size_t open = s.find('[', from);
    if (open == std::string_view::npos) return false;
    from = open + 1;
    std::size_t j = open + 1;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == open + 1 || j >= s.size() || s[j] != ']' || j + 1 >= s.size() || !is_space(s[j + 1]))
      continue;
    const auto cpu_result = std::from_chars(s.data() + open + 1, s.data() + j, cpu);
    if (cpu_result.ec != std::errc()) continue;
    std::size_t k = j + 1;
    for (int column = 0; column < 2; ++column) {
      const std::string_view token = take_token(s, k);
      // The timestamp ends with ':' and is followed by a blank.
      if (token.size() >= 2 && token.back() == ':' && k < s.size() &&
          parse_timestamp(token.substr(0, token.size() - 1), t)) {
        i = k;
        return true;
      }
    }
  }
}

bool parse_u64(std::string_view text, std::uint64_t& value) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  if (text.empty()) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool is_hex_gfp(std::string_view gfp) {
  if (gfp.size() > 2 && gfp[0] == '0' && (gfp[1] == 'x' || gfp[1] == 'X')) {
    for (std::size_t i = 2; i < gfp.size(); ++i)
      if (!std::isxdigit(static_cast<unsigned char>(gfp[i]))) return false;
    return true;
  }
  if (gfp.empty()) return false;
  for (char c : gfp)
    if (!is_digit(c)) return false;
  return true;
}

// SPEC §4.5: the migratetype comes from gfp_flags, never from migratetype=. False (with
// `message`) when hex flags carry both bits.
bool gfp_migratetype(std::string_view gfp, bool pre_4_4, Migratetype& mt, std::string& message) {
  if (is_hex_gfp(gfp)) {
    std::uint64_t bits = 0;
    if (!parse_u64(gfp, bits)) {
      message = fmt::format("gfp_flags {} out of range", gfp);
      return false;
    }
    const bool movable = (bits & kGfpMovable) != 0;
    const bool reclaimable = (bits & (pre_4_4 ? kGfpReclaimablePre44 : kGfpReclaimable)) != 0;
    if (movable && reclaimable) {
      message = fmt::format("gfp_flags {} has both __GFP_MOVABLE and __GFP_RECLAIMABLE", gfp);
      return false;
    }
    mt = movable       ? Migratetype::movable
         : reclaimable ? Migratetype::reclaimable
                       : Migratetype::unmovable;
    return true;
  }
  bool movable = false;
  bool reclaimable = false;
  std::size_t begin = 0;
  while (begin <= gfp.size()) {
    std::size_t end = gfp.find('|', begin);
    if (end == std::string_view::npos) end = gfp.size();
    const std::string_view flag = gfp.substr(begin, end - begin);
    if (flag == "__GFP_MOVABLE" || flag == "GFP_HIGHUSER_MOVABLE" || flag == "GFP_TRANSHUGE" ||
        flag == "GFP_TRANSHUGE_LIGHT")
      movable = true;
    else if (flag == "__GFP_RECLAIMABLE" || flag == "GFP_TEMPORARY")
      reclaimable = true;
    begin = end + 1;
  }
  mt = movable       ? Migratetype::movable
       : reclaimable ? Migratetype::reclaimable
                     : Migratetype::unmovable;
  return true;
}

void mark_bad(ParsedLine& out, std::string message) {
  out.kind = LineKind::bad;
  out.message = std::move(message);
}

// The alloc / free fields after the event name.
void parse_fields(std::string_view rest, bool alloc, bool pre_4_4, ParsedLine& out) {
  std::optional<std::string_view> pfn;
  std::optional<std::string_view> order;
  std::string_view gfp = "0";
  std::size_t i = 0;
  for (;;) {
    const std::string_view token = take_token(rest, i);
    if (token.empty()) break;
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = token.substr(0, eq);
    const std::string_view value = token.substr(eq + 1);
    if (key == "pfn")
      pfn = value;
    else if (key == "order")
      order = value;
    else if (key == "gfp_flags")
      gfp = value;
  }
  if (!pfn) return mark_bad(out, "no pfn=");
  if (!order) return mark_bad(out, "no order=");
  if (!parse_u64(*pfn, out.pfn)) return mark_bad(out, fmt::format("bad pfn={}", *pfn));
  std::uint64_t order_value = 0;
  const auto order_result =
      std::from_chars(order->data(), order->data() + order->size(), order_value);
  if (order->empty() || !is_digit((*order)[0]) || order_result.ec != std::errc() ||
      order_result.ptr != order->data() + order->size())
    return mark_bad(out, fmt::format("bad order={}", *order));
  if (order_value > kOrderLimit) return mark_bad(out, fmt::format("bad order={}", *order));
  out.order = static_cast<unsigned>(order_value);
  if (out.pfn > (std::uint64_t{1} << 52))
    return mark_bad(out, fmt::format("pfn={} out of range", *pfn));
  if (alloc && !gfp_migratetype(gfp, pre_4_4, out.mt, out.message)) out.kind = LineKind::bad;
}

// `with_time` false leaves out.t alone (the first pass).
void parse_line(std::string_view s, bool pre_4_4, ParsedLine& out, bool with_time = true) {
  out.kind = LineKind::unparsed;
  std::size_t i = 0;
  if (!parse_prefix(s, i, out.cpu, with_time ? &out.t : nullptr)) return;
  std::string_view token = take_token(s, i);
  if (!token.empty() && token.back() != ':' &&
      token.find_first_not_of("0123456789") == std::string_view::npos)
    token = take_token(s, i); // perf script's period column
  if (token.size() < 2 || token.back() != ':') return;
  token.remove_suffix(1);
  const std::size_t system = token.rfind(':'); // perf script: "kmem:mm_page_alloc:"
  if (system != std::string_view::npos) token.remove_prefix(system + 1);
  if (token.empty()) return;
  out.name = token;
  if (i < s.size()) ++i; // the one blank after "event:"
  const std::string_view rest = s.substr(i);
  if (token == "tracing_mark_write") {
    std::size_t end = rest.size();
    while (end > 0 && (is_space(rest[end - 1]) || rest[end - 1] == '\r' || rest[end - 1] == '\n'))
      --end;
    out.label = rest.substr(0, end);
    out.kind = LineKind::mark;
    return;
  }
  const bool alloc = token == "mm_page_alloc";
  if (!alloc && token != "mm_page_free" && token != "mm_page_free_direct") {
    out.kind = LineKind::other;
    return;
  }
  out.kind = alloc ? LineKind::alloc : LineKind::free;
  parse_fields(rest, alloc, pre_4_4, out);
}

std::string malformed(const std::string& name, std::uint64_t line, const ParsedLine& parsed) {
  return fmt::format("{}:{}: malformed {} line: {}", name, line, parsed.name, parsed.message);
}

// Turns parsed lines into memsim events, tracking live allocations by pfn for splits.
class Converter {
public:
  explicit Converter(std::vector<Event>& queue) : queue_(queue) {}

  void convert(const ParsedLine& parsed, std::uint64_t line) {
    switch (parsed.kind) {
    case LineKind::mark: {
      Event& e = push(parsed, line);
      e.op = EventOp::mark;
      e.label.assign(parsed.label);
      break;
    }
    case LineKind::alloc: {
      if (parsed.pfn == 0) break;
      live_[parsed.pfn] = static_cast<std::uint8_t>(parsed.order);
      Event& e = push(parsed, line);
      e.op = EventOp::alloc;
      e.id = parsed.pfn;
      e.order = static_cast<std::uint8_t>(parsed.order);
      e.has_order = true;
      e.mt = parsed.mt;
      break;
    }
    case LineKind::free:
      free(parsed, line);
      break;
    default:
      break;
    }
  }

private:
  Event& push(const ParsedLine& parsed, std::uint64_t line) {
    Event& e = queue_.emplace_back();
    e.cpu = parsed.cpu;
    e.t = parsed.t;
    e.has_t = true;
    e.pos = line;
    return e;
  }

  // A free inside a live allocation of a higher order becomes split + order-0 frees.
  void free(const ParsedLine& parsed, std::uint64_t line) {
    const std::uint64_t pfn = parsed.pfn;
    for (unsigned k = parsed.order + 1; k < kMaxOrderBound; ++k) {
      const std::uint64_t head = pfn & ~((std::uint64_t{1} << k) - 1);
      const auto it = live_.find(head);
      if (it == live_.end() || it->second != k) continue;
      live_.erase(it);
      for (std::uint64_t p = head; p < head + (std::uint64_t{1} << k); ++p) live_[p] = 0;
      Event& split = push(parsed, line);
      split.op = EventOp::split;
      split.id = head;
      for (std::uint64_t p = pfn; p < pfn + (std::uint64_t{1} << parsed.order); ++p) {
        live_.erase(p);
        Event& e = push(parsed, line);
        e.op = EventOp::free;
        e.id = p;
        e.order = 0;
        e.has_order = true;
      }
      return;
    }
    live_.erase(pfn);
    Event& e = push(parsed, line);
    e.op = EventOp::free;
    e.id = pfn;
    e.order = static_cast<std::uint8_t>(parsed.order);
    e.has_order = true;
  }

  std::vector<Event>& queue_;
  absl::flat_hash_map<std::uint64_t, std::uint8_t> live_; // first pfn -> order
};

class FtraceReader final : public TraceReader {
public:
  FtraceReader(const std::string& path, const FtraceOptions& options)
      : name_(trace::display_name(path)), options_(options), converter_(queue_) {
    if (path == "-")
      throw InputError(name_ + ": ftrace text is read in two passes; give a file, not stdin");
    first_pass(path);
    lines_.emplace(path);
  }

  const TraceHeader& header() const override { return header_; }
  bool next(Event& out) override {
    while (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
      std::string_view text;
      if (!lines_->next(text)) return false;
      parse_line(text, options_.gfp_pre_4_4, parsed_);
      if (parsed_.kind == LineKind::bad) {
        if (options_.skip_bad_lines) continue;
        throw InputError(malformed(name_, lines_->line_number(), parsed_));
      }
      converter_.convert(parsed_, lines_->line_number());
    }
    out = std::move(queue_[head_++]);
    return true;
  }
  std::string where(std::uint64_t pos) const override { return fmt::format("{}:{}", name_, pos); }

private:
  void first_pass(const std::string& path) {
    LineSource source(path);
    std::map<std::string, std::uint64_t, std::less<>> skipped;
    std::uint64_t max_end = 0;
    std::int64_t max_cpu = -1;
    std::uint64_t failed = 0;
    std::uint64_t bad = 0;
    ParsedLine parsed;
    std::string_view text;
    while (source.next(text)) {
      parse_line(text, options_.gfp_pre_4_4, parsed, false);
      switch (parsed.kind) {
      case LineKind::unparsed:
        ++skipped["unparsed"];
        continue;
      case LineKind::other: {
        auto it = skipped.find(parsed.name);
        if (it == skipped.end()) it = skipped.emplace(std::string(parsed.name), 0).first;
        ++it->second;
        continue;
      }
      case LineKind::bad:
        if (!options_.skip_bad_lines)
          throw InputError(malformed(name_, source.line_number(), parsed));
        ++bad;
        continue;
      case LineKind::alloc:
        if (parsed.pfn == 0) {
          ++failed;
          continue;
        }
        max_end = std::max(max_end, parsed.pfn + (std::uint64_t{1} << parsed.order));
        break;
      default:
        break;
      }
      max_cpu = std::max(max_cpu, static_cast<std::int64_t>(parsed.cpu));
    }
    const std::uint64_t bytes = max_end * kPageSize;
    const std::uint64_t regions =
        std::max<std::uint64_t>(1, (bytes + kDefaultRegionBytes - 1) / kDefaultRegionBytes);
    // A size with a unit: a bare number in a trace header means pages (SPEC §2).
    header_.zone = {{"memory", fmt::format("{}MiB", (regions * kDefaultRegionBytes) >> 20)},
                    {"start_pfn", 0},
                    {"cpus", max_cpu + 1 > 0 ? max_cpu + 1 : 1}};
    nlohmann::json skipped_json = nlohmann::json::object();
    for (const auto& [kind, count] : skipped) skipped_json[kind] = count;
    header_.meta = {{"source", name_},
                    {"format", "ftrace"},
                    {"lines", source.line_number()},
                    {"failed_in_trace", failed},
                    {"skipped", std::move(skipped_json)},
                    {"bad_lines", bad},
                    {"highest_page_end", max_end}};
  }

  std::string name_;
  FtraceOptions options_;
  TraceHeader header_;
  std::optional<LineSource> lines_;
  std::vector<Event> queue_;
  std::size_t head_ = 0;
  ParsedLine parsed_;
  Converter converter_;
};

} // namespace

bool looks_like_ftrace(std::string_view head) {
  std::size_t begin = 0;
  for (int lines = 0; lines < 32 && begin < head.size(); ++lines) {
    std::size_t end = head.find('\n', begin);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    if (line[first] == '{' || line[first] == '[') return false; // JSON
    if (line[first] == '#') return true;                        // a tracer header
    ParsedLine parsed;
    parse_line(line, false, parsed);
    if (parsed.kind != LineKind::unparsed) return true;
  }
  return false;
}

std::unique_ptr<TraceReader> open_ftrace(const std::string& path, const FtraceOptions& options) {
  return std::make_unique<FtraceReader>(path, options);
}

namespace trace {

std::uint64_t count_ftrace_events(const std::string& path) {
  LineSource source(path);
  std::vector<Event> queue;
  Converter converter(queue);
  ParsedLine parsed;
  std::string_view text;
  std::uint64_t events = 0;
  while (source.next(text)) {
    parse_line(text, false, parsed, false);
    converter.convert(parsed, source.line_number());
    events += queue.size();
    queue.clear();
  }
  return events;
}

} // namespace trace
} // namespace memsim
