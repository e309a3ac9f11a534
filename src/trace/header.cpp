// Header keys -> TraceHeader (see header.hpp). The preallocated list is checked entry by entry:
// {"pfn": P, "order": O, "mt": name or 0/1/2, "id": optional u64}, all but "id" required.
#include "trace/header.hpp"

#include <fmt/format.h>

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

std::vector<PreallocatedBlock> parse_preallocated(dom::element value) {
  dom::array array;
  if (value.get_array().get(array) != SUCCESS)
    throw FieldError(R"("preallocated" must be an array)");
  std::vector<PreallocatedBlock> blocks;
  blocks.reserve(array.size());
  for (const dom::element entry : array) {
    try {
      blocks.push_back(parse_entry(entry));
    } catch (const FieldError& e) {
      // "preallocated[3]: "pfn" must be ..." or "preallocated[3] without "mt"".
      const std::string_view what = e.what();
      const char* sep = what.starts_with('"') ? ": " : " ";
      throw FieldError(fmt::format("preallocated[{}]{}{}", blocks.size(), sep, what));
    }
  }
  return blocks;
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

}  // namespace

bool HeaderBuilder::is_header_key(std::string_view key) {
  return key == "memsim_trace" || key == "zone" || key == "meta" || key == "preallocated";
}

void HeaderBuilder::apply(std::string_view key, dom::element value) {
  if (key == "memsim_trace") {
    check_version(value);
    versioned_ = true;
  } else if (key == "zone") {
    header_.zone = parse_object(value, key);
  } else if (key == "meta") {
    header_.meta = parse_object(value, key);
  } else if (key == "preallocated") {
    header_.preallocated = parse_preallocated(value);
  }
}

TraceHeader HeaderBuilder::finish() {
  if (!versioned_) throw FieldError(R"(not a memsim trace: the header has no "memsim_trace": 1)");
  return std::move(header_);
}

}  // namespace memsim::trace
