// read_page_owner() (page_owner.hpp): the dump is read line by line; a record's first line
// ("Page allocated via order %u, mask %#x(%pGg), ...") gives the order and gfp mask, its second
// ("PFN ... type %s Block %lu type %s Flags %pGp") the pfn and both migratetypes, printed with
// the kernel's migratetype_names[] ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA",
// "Isolate"; Linux 6.1 and 6.18 mm/page_alloc.c). Stack, migration and memcg lines are skipped.
#include "trace/page_owner.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/input_stream.hpp"

namespace memsim::trace {
namespace {

constexpr unsigned kMaxOrder = 20;          // a higher printed order is malformed
constexpr unsigned kMaxPageblockOrder = 20; // candidates tried for the PFN >> order == Block rule

std::optional<Migratetype> migratetype_named(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Migratetype>, 6> kNames = {{
      {"Unmovable", Migratetype::unmovable},
      {"Movable", Migratetype::movable},
      {"Reclaimable", Migratetype::reclaimable},
      {"HighAtomic", Migratetype::highatomic},
      {"CMA", Migratetype::cma},
      {"Isolate", Migratetype::isolate},
  }};
  for (const auto& [known, mt] : kNames)
    if (known == name) return mt;
  return std::nullopt;
}

// A number at the front of `text` (hex after "0x"), `text` then past it.
bool take_number(std::string_view& text, std::uint64_t& value) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (result.ec != std::errc() || result.ptr == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(result.ptr - text.data()));
  return true;
}

// `text` starts with `word`: `text` then past it.
bool take(std::string_view& text, std::string_view word) {
  if (text.substr(0, word.size()) != word) return false;
  text.remove_prefix(word.size());
  return true;
}

std::string_view take_word(std::string_view& text) {
  const std::size_t end = std::min(text.find(' '), text.size());
  const std::string_view word = text.substr(0, end);
  text.remove_prefix(end);
  return word;
}

class Parser {
public:
  explicit Parser(std::string name) : name_(std::move(name)) {
    for (unsigned k = 0; k <= kMaxPageblockOrder; ++k) orders_[k] = true;
  }

  void line(std::string_view text, std::uint64_t number) {
    line_ = number;
    if (take(text, "Page allocated via order ")) return allocated(text);
    if (take(text, "PFN ")) return pfn_line(text);
  }

  PageOwnerDump finish() {
    PageOwnerDump dump;
    dump.pageblock_order = pageblock_order();
    dump.allocations = std::move(allocations_);
    std::sort(dump.allocations.begin(), dump.allocations.end(),
              [](const auto& a, const auto& b) { return a.pfn < b.pfn; });
    for (const auto& [index, mt] : blocks_) dump.pageblocks.push_back({index, mt});
    dump.conflicting_blocks = conflicts_;
    return dump;
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}:{}: {}", name_, line_, what));
  }

  // "N, mask 0xM(flags), pid ..." (mask 0 prints as "0", %#x).
  void allocated(std::string_view text) {
    std::uint64_t order = 0;
    std::uint64_t mask = 0;
    if (!take_number(text, order) || order > kMaxOrder || !take(text, ", mask ") ||
        !take_number(text, mask) || mask > 0xffffffffu)
      fail("malformed \"Page allocated via order N, mask M\" line");
    pending_ = PageOwnerAllocation{0, static_cast<unsigned>(order), Migratetype::unmovable,
                                   static_cast<std::uint32_t>(mask)};
  }

  // "P type T Block B type T' Flags ...".
  void pfn_line(std::string_view text) {
    if (!pending_) fail("PFN line without its \"Page allocated via order\" line");
    std::uint64_t pfn = 0;
    std::uint64_t block = 0;
    if (!take_number(text, pfn) || !take(text, " type ")) fail("malformed PFN line");
    const std::string_view page_type = take_word(text);
    if (!take(text, " Block ") || !take_number(text, block) || !take(text, " type "))
      fail("malformed PFN line");
    const std::string_view block_type = take_word(text);
    const auto page_mt = migratetype_named(page_type);
    const auto block_mt = migratetype_named(block_type);
    if (!page_mt) fail(fmt::format("unknown migratetype '{}'", page_type));
    if (!block_mt) fail(fmt::format("unknown migratetype '{}'", block_type));
    pending_->pfn = pfn;
    pending_->mt = *page_mt;
    allocations_.push_back(*pending_);
    pending_.reset();
    for (unsigned k = 0; k <= kMaxPageblockOrder; ++k)
      orders_[k] = orders_[k] && (pfn >> k) == block;
    const auto [it, fresh] = blocks_.emplace(block, *block_mt);
    if (!fresh && it->second != *block_mt) ++conflicts_;
  }

  unsigned pageblock_order() const {
    std::optional<unsigned> first;
    for (unsigned k = 0; k <= kMaxPageblockOrder; ++k) {
      if (!orders_[k]) continue;
      if (k == 9) return 9;
      if (!first) first = k;
    }
    if (!first)
      throw InputError(fmt::format("{}: no pageblock_order maps every PFN to its Block", name_));
    return *first;
  }

  std::string name_;
  std::uint64_t line_ = 0;
  std::optional<PageOwnerAllocation> pending_;
  std::vector<PageOwnerAllocation> allocations_;
  std::map<std::uint64_t, Migratetype> blocks_;
  std::uint64_t conflicts_ = 0;
  std::array<bool, kMaxPageblockOrder + 1> orders_{};
};

} // namespace

PageOwnerDump PageOwnerDump::range(std::uint64_t start_pfn, std::uint64_t end_pfn) const {
  PageOwnerDump part;
  part.pageblock_order = pageblock_order;
  part.conflicting_blocks = conflicting_blocks;
  for (const PageOwnerAllocation& a : allocations)
    if (a.pfn >= start_pfn && a.pfn < end_pfn) part.allocations.push_back(a);
  for (const PageOwnerBlock& b : pageblocks) {
    const std::uint64_t first = b.index << pageblock_order;
    if (first >= start_pfn && first < end_pfn) part.pageblocks.push_back(b);
  }
  return part;
}

const PageOwnerBlock* PageOwnerDump::pageblock_of(std::uint64_t pfn) const {
  const std::uint64_t index = pfn >> pageblock_order;
  const auto it =
      std::lower_bound(pageblocks.begin(), pageblocks.end(), index,
                       [](const PageOwnerBlock& b, std::uint64_t i) { return b.index < i; });
  return it != pageblocks.end() && it->index == index ? &*it : nullptr;
}

PageOwnerDump read_page_owner(const std::string& path) {
  const std::unique_ptr<InputStream> input = open_input(path);
  Parser parser(display_name(path));
  std::string carry;
  std::string chunk(std::size_t{1} << 20, '\0');
  std::uint64_t number = 0;
  for (;;) {
    const std::size_t got = input->read(chunk.data(), chunk.size());
    carry.append(chunk.data(), got);
    std::size_t begin = 0;
    for (std::size_t nl; (nl = carry.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      std::string_view text(carry.data() + begin, nl - begin);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      parser.line(text, ++number);
    }
    carry.erase(0, begin);
    if (got == 0) break;
  }
  if (!carry.empty()) parser.line(carry, ++number);
  return parser.finish();
}

} // namespace memsim::trace
