// Header keys -> TraceHeader (see header.hpp). HeaderReader walks the header object with the
// JsonScanner, hands each value (each preallocated entry on its own) to simdjson, and keeps the
// first value error until it knows which form, and so which position format, to report it in.
#include "trace/header.hpp"

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/event_parse.hpp"

namespace memsim::trace {
namespace {

namespace dom = simdjson::dom;
using simdjson::SUCCESS;

struct EntryFields {
  bool pfn = false;
  bool order = false;
  bool mt = false;
};

void apply_entry_field(std::string_view key, dom::element value, PreallocatedBlock& block,
                       EntryFields& seen) {
  if (key == "pfn") {
    block.pfn = parse_u64_field(value, "pfn");
    seen.pfn = true;
  } else if (key == "order") {
    block.order = parse_order_field(value);
    seen.order = true;
  } else if (key == "mt") {
    block.mt = parse_migratetype(value);
    seen.mt = true;
  } else if (key == "id") {
    block.id = parse_u64_field(value, "id");
  }
}

// {"pfn": P, "order": O, "mt": name or 0/1/2, "id": optional u64}; unknown keys ignored.
PreallocatedBlock parse_entry(dom::element entry) {
  dom::object object;
  if (entry.get_object().get(object) != SUCCESS) throw FieldError("must be an object");
  PreallocatedBlock block;
  EntryFields seen;
  for (const dom::key_value_pair field : object)
    apply_entry_field(field.key, field.value, block, seen);
  if (!seen.pfn) throw FieldError(R"(without "pfn")");
  if (!seen.order) throw FieldError(R"(without "order")");
  if (!seen.mt) throw FieldError(R"(without "mt")");
  return block;
}

nlohmann::json parse_object(dom::element value, std::string_view key) {
  if (!value.is_object()) throw FieldError(fmt::format("\"{}\" must be an object", key));
  return to_nlohmann(value);
}

void check_version(dom::element value) {
  std::int64_t version = 0;
  if (value.get_int64().get(version) != SUCCESS) throw FieldError(R"("memsim_trace" must be 1)");
  if (version != 1)
    throw FieldError(
        fmt::format("unsupported trace version {} (\"memsim_trace\" must be 1)", version));
}

// The first error found in a header value: where and what.
struct PendingError {
  bool set = false;
  std::uint64_t offset = 0;
  std::string message;
};

class HeaderReader {
public:
  explicit HeaderReader(JsonScanner& scanner) : scanner_(scanner) {}
  HeaderScan run(std::uint64_t line, const std::string& name);

private:
  bool read_keys();
  void read_preallocated();
  template <class Use> void parse_value(const JsonScanner::Value& value, Use&& use);

  JsonScanner& scanner_;
  simdjson::dom::parser parser_;
  HeaderBuilder builder_;
  PendingError pending_;
  std::uint64_t close_offset_ = 0; // the header object's closing brace
};

HeaderScan HeaderReader::run(std::uint64_t line, const std::string& name) {
  const std::uint64_t start = scanner_.offset();
  const std::uint64_t newlines = scanner_.newlines();
  scanner_.expect('{', "'{' (a memsim trace is a JSON object)");
  HeaderScan scan;
  scan.document = read_keys();
  if (!scan.document && scanner_.newlines() != newlines) // closed on a later line: a document
    scanner_.fail(pending_.set ? pending_.offset : close_offset_,
                  pending_.set ? pending_.message : R"(the trace has no "events")");
  const auto where = [&](std::uint64_t offset) {
    return scan.document ? fmt::format("{}:byte {}", name, offset)
                         : fmt::format("{}:{}", name, line);
  };
  if (!scan.document && !pending_.set && !scanner_.skip_rest_of_line())
    throw InputError(where(0) + ": invalid JSON: trailing data after the header object");
  if (pending_.set) throw InputError(where(pending_.offset) + ": " + pending_.message);
  try {
    scan.header = builder_.finish();
  } catch (const FieldError& e) {
    throw InputError(where(start) + ": " + e.what());
  }
  scan.next_index = scanner_.index();
  return scan;
}

// The keys up to "events" (true; the scanner then stands after its '[') or to the closing brace.
bool HeaderReader::read_keys() {
  for (bool first = true;; first = false) {
    if (scanner_.peek() == '}') {
      close_offset_ = scanner_.offset();
      scanner_.advance();
      return false;
    }
    if (!first) scanner_.expect(',', "',' or '}'");
    const std::string key = scanner_.read_key();
    scanner_.expect(':', "':' after a key");
    if (key == "events") {
      if (scanner_.peek() != '[') scanner_.fail(scanner_.offset(), R"("events" must be an array)");
      scanner_.advance();
      return true;
    }
    if (key == "preallocated" && scanner_.peek() == '[') {
      read_preallocated();
    } else {
      parse_value(scanner_.scan_value(),
                  [&](dom::element element) { builder_.apply(key, element); });
    }
  }
}

void HeaderReader::read_preallocated() {
  builder_.clear_preallocated();
  scanner_.advance(); // '['
  if (scanner_.peek() == ']') return scanner_.advance();
  for (;;) {
    parse_value(scanner_.scan_value(),
                [&](dom::element entry) { builder_.add_preallocated(entry); });
    if (scanner_.peek() == ']') return scanner_.advance();
    scanner_.expect(',', R"(',' or ']' in "preallocated")");
    if (scanner_.peek() == ']') scanner_.fail(scanner_.offset(), "invalid JSON: trailing ','");
  }
}

// Parses one value and hands it to `use`; the first failure is kept, later values are skipped.
template <class Use> void HeaderReader::parse_value(const JsonScanner::Value& value, Use&& use) {
  if (pending_.set) return;
  dom::element element;
  const auto error = parser_.parse(value.data, value.size, false).get(element);
  try {
    if (error != SUCCESS) throw FieldError(describe_json_error(error, {value.data, value.size}));
    use(element);
  } catch (const FieldError& e) {
    pending_ = {true, value.offset, e.what()};
  }
}

} // namespace

bool HeaderBuilder::is_header_key(std::string_view key) {
  return key == "memsim_trace" || key == "zone" || key == "meta" || key == "preallocated" ||
         key == "start_state";
}

void HeaderBuilder::apply(std::string_view key, dom::element value) {
  if (key == "memsim_trace") {
    check_version(value);
    versioned_ = true;
  } else if (key == "zone") {
    header_.zone = parse_object(value, key);
  } else if (key == "meta") {
    header_.meta = parse_object(value, key);
  } else if (key == "start_state") {
    apply_start_state(value);
  } else if (key == "preallocated") {
    dom::array array;
    if (value.get_array().get(array) != SUCCESS)
      throw FieldError(R"("preallocated" must be an array)");
    clear_preallocated();
    for (const dom::element entry : array) add_preallocated(entry);
  }
}

// {"pageblock_types": "uumm...", "report": {...}}: what import writes of --proc-in's start state.
void HeaderBuilder::apply_start_state(dom::element value) {
  dom::object object;
  if (value.get_object().get(object) != SUCCESS)
    throw FieldError(R"("start_state" must be an object)");
  StartState start;
  for (const dom::key_value_pair field : object) {
    if (field.key == "pageblock_types") {
      std::string_view letters;
      if (field.value.get_string().get(letters) != SUCCESS)
        throw FieldError(R"("start_state"."pageblock_types" must be a string of map letters)");
      for (std::size_t i = 0; i < letters.size(); ++i) {
        std::optional<Migratetype> mt;
        for (int t = 0; t < kMigratetypes && !mt; ++t)
          if (map_letter(migratetype_at(t)) == letters[i]) mt = migratetype_at(t);
        if (!mt)
          throw FieldError(fmt::format(
              R"("start_state"."pageblock_types": '{}' at {} is not a map letter (u r m v h c i))",
              std::string(1, letters[i]), i));
        start.pageblock_types.push_back(*mt);
      }
    } else if (field.key == "report") {
      start.report = parse_object(field.value, "start_state.report");
    } else {
      throw FieldError(fmt::format(R"(unknown key "{}" in "start_state")", field.key));
    }
  }
  header_.start_state = std::move(start);
}

void HeaderBuilder::add_preallocated(dom::element entry) {
  try {
    header_.preallocated.push_back(parse_entry(entry));
  } catch (const FieldError& e) {
    // "preallocated[3]: "pfn" must be ..." or "preallocated[3] without "mt"".
    const std::string_view what = e.what();
    const bool about_entry = what.starts_with("without") || what.starts_with("must be");
    throw FieldError(fmt::format("preallocated[{}]{}{}", header_.preallocated.size(),
                                 about_entry ? " " : ": ", what));
  }
}

TraceHeader HeaderBuilder::finish() {
  if (!versioned_) throw FieldError(R"(not a memsim trace: the header has no "memsim_trace": 1)");
  return std::move(header_);
}

HeaderScan scan_header(JsonScanner& scanner, std::uint64_t line, const std::string& name) {
  return HeaderReader(scanner).run(line, name);
}

} // namespace memsim::trace
