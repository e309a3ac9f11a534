// decode_ftrace_event() (perfetto_events.hpp). Field numbers are those of Perfetto's
// protos/perfetto/trace/ftrace/: ftrace_event.proto (FtraceEvent: timestamp 1, pid 2, and the
// `event` oneof: print 3, mm_compaction_begin 99, mm_compaction_end 103,
// mm_compaction_isolate_freepages 105, mm_compaction_isolate_migratepages 106, generic 327,
// mm_page_alloc 307, mm_page_alloc_extfrag 308, mm_page_alloc_zone_locked 309, mm_page_free 310,
// mm_page_free_batched 311, mm_page_pcpu_drain 312), kmem.proto and compaction.proto (each
// message's fields, listed below), ftrace.proto (PrintFtraceEvent: ip 1, buf 2) and generic.proto
// (GenericFtraceEvent: event_name 1, field 2; Field: name 1, str_value 3, int_value 4,
// uint_value 5). The text formats are the print fmts of Linux 6.18's
// /sys/kernel/tracing/events/{kmem,compaction,migrate}/*/format, symbolic tables included.
#include "trace/perfetto_events.hpp"

#include <array>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "trace/protobuf_wire.hpp"

namespace memsim::trace {
namespace {

struct FieldSpec {
  std::uint32_t number;
  std::string_view name;
  bool is_signed; // int32 / int64 (a negative value is a sign-extended varint)
};

struct TypedEvent {
  std::uint32_t number; // in FtraceEvent's oneof
  std::string_view name;
  std::vector<FieldSpec> fields;
};

const std::vector<TypedEvent>& typed_events() {
  static const std::vector<TypedEvent> events = {
      {307,
       "mm_page_alloc",
       {{1, "gfp_flags", false}, {2, "migratetype", true}, {3, "order", false}, {5, "pfn", false}}},
      {308,
       "mm_page_alloc_extfrag",
       {{1, "alloc_migratetype", true},
        {2, "alloc_order", true},
        {3, "fallback_migratetype", true},
        {4, "fallback_order", true},
        {6, "change_ownership", true},
        {7, "pfn", false}}},
      {309,
       "mm_page_alloc_zone_locked",
       {{1, "migratetype", true}, {2, "order", false}, {4, "pfn", false}}},
      {310, "mm_page_free", {{1, "order", false}, {3, "pfn", false}}},
      {311, "mm_page_free_batched", {{3, "pfn", false}}},
      {312,
       "mm_page_pcpu_drain",
       {{1, "migratetype", true}, {2, "order", false}, {4, "pfn", false}}},
      {99,
       "mm_compaction_begin",
       {{1, "zone_start", false},
        {2, "migrate_pfn", false},
        {3, "free_pfn", false},
        {4, "zone_end", false},
        {5, "sync", false}}},
      {103,
       "mm_compaction_end",
       {{1, "zone_start", false},
        {2, "migrate_pfn", false},
        {3, "free_pfn", false},
        {4, "zone_end", false},
        {5, "sync", false},
        {6, "status", true}}},
      {105,
       "mm_compaction_isolate_freepages",
       {{1, "start_pfn", false},
        {2, "end_pfn", false},
        {3, "nr_scanned", false},
        {4, "nr_taken", false}}},
      {106,
       "mm_compaction_isolate_migratepages",
       {{1, "start_pfn", false},
        {2, "end_pfn", false},
        {3, "nr_scanned", false},
        {4, "nr_taken", false}}},
  };
  return events;
}

constexpr std::string_view kRange =
    "range=({start_pfn:x} ~ {end_pfn:x}) nr_scanned={nr_scanned} nr_taken={nr_taken}";

// The print fmt of each event, by the kernel's field names: {NAME} decimal, {NAME:x} 0x-hex,
// {NAME:pfn} 0x-hex with -1 as 0, {NAME:gfp} 0 or 0x-hex flags, {NAME:TABLE} symbolic.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kFormats = {{
    {"mm_page_alloc", "page={pfn:x} pfn={pfn:pfn} order={order} migratetype={migratetype} "
                      "gfp_flags={gfp_flags:gfp}"},
    {"mm_page_free", "page={pfn:x} pfn={pfn:x} order={order}"},
    {"mm_page_free_batched", "page={pfn:x} pfn={pfn:x} order=0"},
    {"mm_page_alloc_zone_locked", "page={pfn:x} pfn={pfn:pfn} order={order} "
                                  "migratetype={migratetype} percpu_refill={percpu_refill}"},
    {"mm_page_pcpu_drain", "page={pfn:x} pfn={pfn:x} order={order} migratetype={migratetype}"},
    {"mm_page_alloc_extfrag",
     "page={pfn:x} pfn={pfn:x} alloc_order={alloc_order} fallback_order={fallback_order} "
     "pageblock_order={pageblock_order} alloc_migratetype={alloc_migratetype} "
     "fallback_migratetype={fallback_migratetype} fragmenting={fragmenting} "
     "change_ownership={change_ownership}"},
    {"mm_compaction_begin", "zone_start={zone_start:x} migrate_pfn={migrate_pfn:x} "
                            "free_pfn={free_pfn:x} zone_end={zone_end:x}, mode={sync:sync}"},
    {"mm_compaction_end", "zone_start={zone_start:x} migrate_pfn={migrate_pfn:x} "
                          "free_pfn={free_pfn:x} zone_end={zone_end:x}, mode={sync:sync} "
                          "status={status:status}"},
    {"mm_compaction_isolate_freepages", kRange},
    {"mm_compaction_fast_isolate_freepages", kRange},
    {"mm_compaction_isolate_migratepages", kRange},
    {"mm_migrate_pages",
     "nr_succeeded={succeeded} nr_failed={failed} nr_thp_succeeded={thp_succeeded} "
     "nr_thp_failed={thp_failed} nr_thp_split={thp_split} nr_split={large_folio_split} "
     "mode={mode:migrate_mode} reason={reason:migrate_reason}"},
}};

// 6.18's __print_symbolic tables (COMPACTION_STATUS, MIGRATE_MODE, MIGRATE_REASON), by value.
constexpr std::array<std::string_view, 9> kCompactionStatus = {
    "not_suitable_zone", "skipped",         "deferred",  "no_suitable_page", "continue",
    "complete",          "partial_skipped", "contended", "success"};
constexpr std::array<std::string_view, 3> kMigrateMode = {"MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT",
                                                          "MIGRATE_SYNC"};
constexpr std::array<std::string_view, 10> kMigrateReason = {
    "compaction",     "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
    "numa_misplaced", "contig_range",   "longterm_pin",   "demotion",          "damon"};

struct Value {
  std::string_view name;
  std::uint64_t bits = 0;
  bool is_signed = false;
  std::string_view text; // a string field
  bool is_text = false;
};
using Values = std::vector<Value>;

const Value* find(const Values& values, std::string_view name) {
  for (const Value& v : values)
    if (v.name == name) return &v;
  return nullptr;
}

std::int64_t signed_of(const Values& values, std::string_view name) {
  const Value* v = find(values, name);
  return v == nullptr ? 0 : static_cast<std::int64_t>(v->bits);
}

// Fields the print fmt computes rather than records: pageblock_order (min(HPAGE_PMD_ORDER,
// MAX_PAGE_ORDER), 9 with 4 KiB pages) and fragmenting (fallback_order < pageblock_order) of
// extfrag; percpu_refill of zone_locked, which the proto lacks (printed as `order == 0`, as
// kernels before 5.17 defined it).
void derive_fields(std::string_view event, Values& values) {
  const auto add = [&](std::string_view name, std::int64_t value) {
    if (find(values, name) == nullptr)
      values.push_back({name, static_cast<std::uint64_t>(value), true, {}, false});
  };
  if (event == "mm_page_alloc_extfrag") {
    add("pageblock_order", 9);
    add("fragmenting", signed_of(values, "fallback_order") < signed_of(values, "pageblock_order"));
  } else if (event == "mm_page_alloc_zone_locked") {
    add("percpu_refill", signed_of(values, "order") == 0);
  }
}

// Decimal or 0x-hex, appended (the per-event path: no format string to parse).
template <typename Int> void append_int(std::string& out, Int value, bool hex = false) {
  char digits[24];
  if (hex) out += "0x";
  const auto end = std::to_chars(digits, digits + sizeof digits, value, hex ? 16 : 10).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

template <std::size_t N>
void append_symbol(std::string& out, const std::array<std::string_view, N>& table,
                   std::int64_t value) {
  if (value >= 0 && static_cast<std::uint64_t>(value) < N)
    out.append(table[static_cast<std::size_t>(value)]);
  else
    append_int(out, static_cast<std::uint64_t>(value), true); // as __print_symbolic does
}

void append_value(std::string& out, const Value* v, std::string_view spec) {
  const std::uint64_t bits = v == nullptr ? 0 : v->bits;
  const auto as_signed = static_cast<std::int64_t>(bits);
  if (v != nullptr && v->is_text) {
    out.append(v->text);
  } else if (spec == "x") {
    append_int(out, bits, true);
  } else if (spec == "pfn") {
    append_int(out, bits == ~std::uint64_t{0} ? 0 : bits, true);
  } else if (spec == "gfp") {
    if (bits == 0)
      out += '0';
    else
      append_int(out, bits, true);
  } else if (spec == "sync") {
    out.append(bits != 0 ? "sync" : "async");
  } else if (spec == "status") {
    append_symbol(out, kCompactionStatus, as_signed);
  } else if (spec == "migrate_mode") {
    append_symbol(out, kMigrateMode, as_signed);
  } else if (spec == "migrate_reason") {
    append_symbol(out, kMigrateReason, as_signed);
  } else if (v != nullptr && v->is_signed) {
    append_int(out, as_signed);
  } else {
    append_int(out, bits);
  }
}

// `format` with its {NAME[:SPEC]} fields filled from `values`.
void render(std::string& out, std::string_view format, const Values& values) {
  for (std::size_t i = 0; i < format.size();) {
    const std::size_t open = format.find('{', i);
    if (open == std::string_view::npos) {
      out.append(format.substr(i));
      break;
    }
    out.append(format.substr(i, open - i));
    const std::size_t close = format.find('}', open);
    const std::string_view field = format.substr(open + 1, close - open - 1);
    const std::size_t colon = field.find(':');
    const std::string_view name = field.substr(0, colon);
    const std::string_view spec = colon == std::string_view::npos ? "" : field.substr(colon + 1);
    append_value(out, find(values, name), spec);
    i = close + 1;
  }
}

// "EVENT: FIELDS": the kernel's format when known, else every field as NAME=VALUE.
std::string format_event(std::string_view name, Values& values) {
  derive_fields(name, values);
  std::string out;
  out.reserve(160);
  out.append(name).append(": ");
  for (const auto& [event, format] : kFormats)
    if (event == name) {
      render(out, format, values);
      return out;
    }
  for (const Value& v : values) {
    if (&v != values.data()) out += ' ';
    out.append(v.name) += '=';
    append_value(out, &v, "");
  }
  return out;
}

std::string decode_typed(const TypedEvent& event, std::string_view bytes) {
  Values values;
  WireReader reader(bytes);
  WireField f;
  while (reader.next(f)) {
    if (f.type == WireType::bytes) continue;
    for (const FieldSpec& spec : event.fields)
      if (spec.number == f.number) {
        std::uint64_t bits = f.value;
        if (spec.is_signed && f.type == WireType::fixed32) // sfixed32: sign-extend
          bits = static_cast<std::uint64_t>(
              static_cast<std::int64_t>(static_cast<std::int32_t>(bits)));
        values.push_back({spec.name, bits, spec.is_signed, {}, false});
      }
  }
  return format_event(event.name, values);
}

std::string decode_generic(std::string_view bytes) {
  std::string_view name;
  Values values;
  WireReader reader(bytes);
  WireField f;
  while (reader.next(f)) {
    if (f.number == 1 && f.type == WireType::bytes) name = f.bytes;
    if (f.number != 2 || f.type != WireType::bytes) continue;
    Value value;
    WireReader field(f.bytes);
    WireField g;
    while (field.next(g)) {
      if (g.number == 1 && g.type == WireType::bytes) value.name = g.bytes;
      if (g.number == 3 && g.type == WireType::bytes) {
        value.text = g.bytes;
        value.is_text = true;
      }
      if ((g.number == 4 || g.number == 5) && g.type == WireType::varint) {
        value.bits = g.value;
        value.is_signed = g.number == 4;
      }
    }
    values.push_back(value);
  }
  if (name.empty()) throw WireError("generic event without a name");
  return format_event(name, values);
}

// print: a tracing_mark_write marker; systrace's "B|pid|name"-style markers (atrace) are not
// timeline labels and keep the event's own name, print.
std::string decode_print(std::string_view bytes) {
  std::string_view buf;
  WireReader reader(bytes);
  WireField f;
  while (reader.next(f))
    if (f.number == 2 && f.type == WireType::bytes) buf = f.bytes;
  while (!buf.empty() && (buf.back() == '\n' || buf.back() == ' ')) buf.remove_suffix(1);
  const bool atrace = buf.size() >= 2 && buf[1] == '|' && buf[0] >= 'A' && buf[0] <= 'Z';
  std::string out = atrace ? "print: " : "tracing_mark_write: ";
  for (const char c : buf) out += c == '\n' ? ' ' : c;
  return out;
}

} // namespace

bool read_event_time(std::string_view bytes, std::uint64_t& ts) {
  WireReader reader(bytes);
  WireField f;
  bool found = false;
  while (reader.next(f))
    if (f.number == 1 && f.type == WireType::varint) {
      ts = f.value;
      found = true;
    }
  return found;
}

void decode_ftrace_event(std::string_view bytes, PerfettoEvent& out) {
  out = PerfettoEvent{};
  WireReader reader(bytes);
  WireField f;
  while (reader.next(f)) {
    if (f.number == 1 && f.type == WireType::varint) {
      out.ts = f.value;
    } else if (f.number == 2 && f.type == WireType::varint) {
      out.pid = static_cast<std::uint32_t>(f.value);
    } else if (f.type == WireType::bytes) {
      if (f.number == 3) {
        out.text = decode_print(f.bytes);
      } else if (f.number == 327) {
        out.text = decode_generic(f.bytes);
      } else {
        for (const TypedEvent& event : typed_events())
          if (event.number == f.number) out.text = decode_typed(event, f.bytes);
      }
    }
  }
}

} // namespace memsim::trace
