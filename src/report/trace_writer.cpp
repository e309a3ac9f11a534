// memsim JSON Lines writer (trace_writer.hpp).
#include "report/trace_writer.hpp"

#include <iterator>

#include <fmt/compile.h>
#include <nlohmann/json.hpp>

namespace memsim {

std::string trace_header_line(const TraceHeader& header) {
  nlohmann::ordered_json head = {{"memsim_trace", 1}, {"zone", header.zone}, {"meta", header.meta}};
  if (!header.preallocated.empty()) {
    // docs/spec.md §2: [{"pfn":P,"order":O,"mt":"unmovable","id":N}, ...] (no "id": in use for
    // ever).
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const PreallocatedBlock& block : header.preallocated) {
      nlohmann::ordered_json entry = {
          {"pfn", block.pfn}, {"order", block.order}, {"mt", to_string(block.mt)}};
      if (block.id) entry["id"] = *block.id;
      list.push_back(std::move(entry));
    }
    head["preallocated"] = std::move(list);
  }
  if (header.start_state) {
    // docs/spec.md §7.1 carried through import: the pageblock types as one map letter per
    // pageblock (u r m v h c i, as the stats' pageblock_map) and --proc-in's report.
    std::string types;
    types.reserve(header.start_state->pageblock_types.size());
    for (const Migratetype mt : header.start_state->pageblock_types) types += map_letter(mt);
    head["start_state"] = {{"pageblock_types", std::move(types)},
                           {"report", header.start_state->report}};
  }
  // Event kinds and marks of imported text come as they are: invalid UTF-8 is replaced.
  return head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void append_event_line(fmt::memory_buffer& buffer, const Event& e) {
  if (!is_trace_event(e.op)) return; // buddy-level events are not part of a memsim trace
  auto it = std::back_inserter(buffer);
  switch (e.op) {
  case EventOp::alloc:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"alloc","id":{},"order":{},"mt":"{}")"), e.id, e.order,
                   to_string(e.mt));
    if (e.has_pfn) fmt::format_to(it, FMT_COMPILE(R"(,"pfn":{})"), e.pfn);
    if (e.has_gfp) fmt::format_to(it, FMT_COMPILE(R"(,"gfp":"{:#x}")"), e.gfp);
    break;
  case EventOp::free:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"free","id":{},"order":{})"), e.id, e.order);
    break;
  case EventOp::split:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"split","id":{})"), e.id);
    break;
  case EventOp::mark:
    fmt::format_to(
        it, FMT_COMPILE(R"({{"op":"mark","label":{})"),
        nlohmann::json(e.label).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    break;
  case EventOp::probe:
    fmt::format_to(it, FMT_COMPILE(R"({{"op":"probe","order":{},"mt":"{}")"), e.order,
                   to_string(e.mt));
    if (e.has_gfp) fmt::format_to(it, FMT_COMPILE(R"(,"gfp":"{:#x}")"), e.gfp);
    break;
  default:
    return;
  }
  if (e.cpu != 0) fmt::format_to(it, FMT_COMPILE(R"(,"cpu":{})"), e.cpu);
  if (e.cold) buffer.append(std::string_view(R"(,"cold":true)"));
  if (e.has_t) fmt::format_to(it, FMT_COMPILE(R"(,"t":{})"), e.t);
  buffer.append(std::string_view("}\n"));
}

std::uint64_t write_trace(std::ostream& out, TraceReader& reader) {
  out << trace_header_line(reader.header());
  fmt::memory_buffer buffer;
  Event event;
  std::uint64_t events = 0;
  while (reader.next(event)) {
    if (!is_trace_event(event.op)) continue;
    append_event_line(buffer, event);
    ++events;
    if (buffer.size() > (std::size_t{1} << 20)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  return events;
}

} // namespace memsim
