// The parsing pipeline under the ftrace reader: one thread reads the (decompressed) text in
// chunks cut at line ends; two worker threads parse the chunks, counting their lines
// (ftrace_line.hpp) into batches of records; the reader's thread takes the batches back in file
// order. Bounded: a few chunks in flight, whatever the length of the trace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "memsim/types.hpp"
#include "trace/ftrace_line.hpp"

namespace memsim::trace {

// A line that becomes events (alloc, free, mark, the buddy-level ones) or an error (bad), owning
// what it needs.
struct LineRecord {
  LineKind kind = LineKind::alloc;
  std::uint8_t order = 0;
  Migratetype mt = Migratetype::unmovable;
  std::uint32_t cpu = 0;
  std::uint64_t pfn = 0;
  double t = 0.0;
  std::uint64_t line = 0;
  KernelFields k;
  std::string text; // mark: the label; bad: the whole "NAME:LINE: malformed ..." message
};
using Batch = std::vector<LineRecord>;
using SkippedCounts = std::map<std::string, std::uint64_t, std::less<>>;

struct ParseOptions {
  std::string name; // the trace's name in messages
  LineOptions line; // with_time false: timestamps are not converted (the geometry pass)
};

class LinePipeline {
public:
  // Opens `path` (InputError when it cannot) and starts the threads.
  LinePipeline(const std::string& path, ParseOptions options);
  ~LinePipeline(); // stops and joins the threads
  LinePipeline(const LinePipeline&) = delete;
  LinePipeline& operator=(const LinePipeline&) = delete;

  // Swaps the next batch, in file order, into `batch`; false at the end of the input. Rethrows a
  // read error (corrupt compressed data, ...) after the batches of the lines before it.
  bool next_batch(Batch& batch);
  // Valid once next_batch() returned false: the lines not forwarded (unparsed, other events),
  // per kind, and the number of lines.
  SkippedCounts skipped() const;
  std::uint64_t lines() const;
  // Valid then too: allocations by the first gfp_flags name no kernel prints (meta.unknown_gfp).
  SkippedCounts unknown_gfp() const;

  struct State;

private:
  std::unique_ptr<State> state_;
};

} // namespace memsim::trace
