// The page dumps of a /proc snapshot (proc_snapshot.hpp): kpageflags and kpagecount, 8 bytes per
// pfn, read zone by zone. Each page gets a class (free, in use movable / slab / other, reserved);
// the pages in use become blocks (D37-D39), and an uninitialised tail of the zone
// (deferred_init=lazy: flags 0 and count 0 up to the zone's end, beyond what pagetypeinfo
// counts) is cut off. Free pages: Linux 6.1 and later set KPF_BUDDY on every page of a free
// block (fs/proc/page.c stable_page_flags(): is_free_buddy_page()); older kernels on its head
// only, the rest of the block having kpagecount 0 and no flag.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "trace/proc_snapshot.hpp"

namespace memsim {
namespace {

// include/uapi/linux/kernel-page-flags.h and fs/proc/page.c (KPF_RESERVED is kernel-internal).
constexpr std::uint64_t kpf(unsigned bit) {
  return std::uint64_t{1} << bit;
}
constexpr std::uint64_t kLru = kpf(5), kSlab = kpf(7), kBuddy = kpf(10), kAnon = kpf(12);
constexpr std::uint64_t kCompoundHead = kpf(15), kCompoundTail = kpf(16), kNopage = kpf(20);
constexpr std::uint64_t kReserved = kpf(32);
constexpr std::uint64_t kSectionPages = 32768; // PAGES_PER_SECTION, x86-64

// DIR/NAME, else DIR/NAME.bin, else "" when neither exists.
std::string find_dump(const std::filesystem::path& dir, const std::string& name) {
  for (const std::string& candidate : {(dir / name).string(), (dir / (name + ".bin")).string()}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

struct Span {
  std::string zone;
  std::uint64_t start = 0, end = 0;
};

// The little-endian u64 words of pfns [start, end), or nullopt when the dump ends before `end`.
std::optional<std::vector<std::uint64_t>> read_words(const std::string& path, const Span& span) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size % 8 != 0)
    throw InputError(fmt::format("{}: size {} is not a multiple of 8", path, size));
  if (!error && size > 0 && size / 8 < span.end) return std::nullopt;
  const std::uint64_t count = span.end - span.start;
  std::vector<unsigned char> bytes(count * 8);
  in.seekg(static_cast<std::streamoff>(span.start * 8));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uint64_t>(in.gcount()) != bytes.size()) return std::nullopt;
  std::vector<std::uint64_t> words(count);
  for (std::uint64_t i = 0; i < count; ++i)
    for (unsigned b = 8; b-- > 0;) words[i] = (words[i] << 8) | bytes[i * 8 + b];
  return words;
}

// Where the zone's initialised pages end: pagetypeinfo counts `blocks` pageblocks from the
// zone's first pageblock; past them, pages with no flag and count 0 up to the end were never
// initialised (deferred_init=lazy). Without such a count, a tail of whole sections of them.
std::uint64_t initialised_end(const Span& span, const std::vector<std::uint64_t>& flags,
                              const std::vector<std::uint64_t>& counts,
                              std::optional<std::uint64_t> counted_pages,
                              std::uint64_t pageblock_pages) {
  std::uint64_t zero_from = span.end;
  while (zero_from > span.start && flags[zero_from - 1 - span.start] == 0 &&
         counts[zero_from - 1 - span.start] == 0)
    --zero_from;
  if (counted_pages) {
    const std::uint64_t end = span.start / pageblock_pages * pageblock_pages + *counted_pages;
    return end >= zero_from && end < span.end ? end : span.end;
  }
  const std::uint64_t section = (zero_from + kSectionPages - 1) / kSectionPages * kSectionPages;
  return section < span.end && span.end - section >= kSectionPages ? section : span.end;
}

PageClass class_of(std::uint64_t f) {
  if ((f & kNopage) != 0) return PageClass::hole;
  if ((f & kReserved) != 0) return PageClass::reserved;
  if ((f & (kLru | kAnon)) != 0) return PageClass::movable;
  if ((f & kSlab) != 0) return PageClass::slab;
  return PageClass::other;
}

// [from, to) as the fewest blocks aligned to their order (at most max_order - 1).
void append_aligned(std::vector<PreallocatedBlock>& out, std::uint64_t from, std::uint64_t to,
                    unsigned max_order) {
  while (from < to) {
    unsigned order = 0;
    while (order + 1 < max_order && from % (std::uint64_t{2} << order) == 0 &&
           from + (std::uint64_t{2} << order) <= to)
      ++order;
    out.push_back(PreallocatedBlock{from, order, Migratetype::unmovable, std::nullopt});
    from += std::uint64_t{1} << order;
  }
}

// Walks one zone page by page (D37-D39).
class PageClassifier {
public:
  PageClassifier(ZonePages& zone, std::vector<std::uint64_t> flags,
                 std::vector<std::uint64_t> counts, unsigned max_order)
      : zone_(zone), flags_(std::move(flags)), counts_(std::move(counts)), max_order_(max_order) {}

  void run() {
    zone_.classes.assign(zone_.end_pfn - zone_.start_pfn, PageClass::other);
    zone_.buddy_on_every_page = buddy_on_every_page();
    std::uint64_t pfn = zone_.start_pfn;
    while (pfn < zone_.end_pfn) {
      const std::uint64_t f = flag(pfn);
      if ((f & kBuddy) != 0) {
        const std::uint64_t size = zone_.buddy_on_every_page ? 1 : free_block_pages(pfn);
        for (std::uint64_t p = pfn; p < pfn + size; ++p) set(p, PageClass::free);
        pfn += size;
      } else if ((f & (kReserved | kNopage)) != 0) {
        pfn = declare_reserved_run(pfn);
      } else {
        pfn += declare_in_use(pfn, f);
      }
    }
  }

private:
  std::uint64_t flag(std::uint64_t pfn) const { return flags_[pfn - zone_.start_pfn]; }
  std::uint64_t count(std::uint64_t pfn) const { return counts_[pfn - zone_.start_pfn]; }
  void set(std::uint64_t pfn, PageClass c) { zone_.classes[pfn - zone_.start_pfn] = c; }

  // The 6.1 convention: some even pfn and the next both BUDDY. A kernel that marks heads only
  // never shows that (two free order-0 buddies merge), except in a racy dump.
  bool buddy_on_every_page() const {
    for (std::uint64_t p = zone_.start_pfn + (zone_.start_pfn & 1); p + 1 < zone_.end_pfn; p += 2)
      if ((flag(p) & kBuddy) != 0 && (flag(p + 1) & kBuddy) != 0) return true;
    return false;
  }
  // A page after a free block's head (D37): unmapped, and no flag but BUDDY.
  bool free_follower(std::uint64_t pfn) const {
    return count(pfn) == 0 && (flag(pfn) & ~kBuddy) == 0;
  }
  bool fits(std::uint64_t pfn, unsigned order) const {
    const std::uint64_t size = std::uint64_t{1} << order;
    return order < max_order_ && pfn % size == 0 && pfn + size <= zone_.end_pfn;
  }
  // The free block headed by `pfn`: the largest aligned 2^k whose other pages are followers.
  std::uint64_t free_block_pages(std::uint64_t pfn) const {
    unsigned order = 0;
    while (fits(pfn, order + 1)) {
      const std::uint64_t half = std::uint64_t{1} << order;
      bool all_free = true;
      for (std::uint64_t p = pfn + half; p < pfn + 2 * half && all_free; ++p)
        all_free = free_follower(p);
      if (!all_free) break;
      ++order;
    }
    return std::uint64_t{1} << order;
  }
  // A run of RESERVED / NOPAGE pages: in use for ever, no id (D38). Returns the pfn after it.
  std::uint64_t declare_reserved_run(std::uint64_t pfn) {
    std::uint64_t end = pfn;
    while (end < zone_.end_pfn && (flag(end) & kBuddy) == 0 &&
           (flag(end) & (kReserved | kNopage)) != 0) {
      set(end, class_of(flag(end)));
      ++end;
    }
    append_aligned(zone_.reserved, pfn, end, max_order_);
    return end;
  }
  // An in-use page: a compound page as one block, anything else order 0 (D39). Returns its size.
  std::uint64_t declare_in_use(std::uint64_t pfn, std::uint64_t f) {
    unsigned order = 0;
    if ((f & kCompoundHead) != 0) {
      std::uint64_t end = pfn + 1;
      while (end < zone_.end_pfn &&
             (flag(end) & (kCompoundTail | kCompoundHead | kBuddy)) == kCompoundTail)
        ++end;
      while (fits(pfn, order + 1) && pfn + (std::uint64_t{2} << order) <= end) ++order;
    }
    const Migratetype mt =
        (f & (kLru | kAnon)) != 0 ? Migratetype::movable : Migratetype::unmovable;
    zone_.in_use.push_back(PreallocatedBlock{pfn, order, mt, pfn});
    const std::uint64_t size = std::uint64_t{1} << order;
    for (std::uint64_t p = pfn; p < pfn + size; ++p) set(p, class_of(f));
    return size;
  }

  ZonePages& zone_;
  std::vector<std::uint64_t> flags_, counts_;
  unsigned max_order_;
};

} // namespace

std::optional<std::vector<ZonePages>> read_page_dumps(const ProcFiles& files, unsigned max_order) {
  const std::filesystem::path dir(files.dir);
  const std::string flags_path = find_dump(dir, "kpageflags");
  if (flags_path.empty()) return std::nullopt;
  const std::string counts_path = find_dump(dir, "kpagecount");
  if (counts_path.empty())
    throw InputError(fmt::format("{}: no kpagecount or kpagecount.bin beside it", flags_path));
  const std::uint64_t pageblock_pages = std::uint64_t{1} << files.pagetypes.pageblock_order;
  std::vector<ZonePages> out(files.zones.size());
  for (std::size_t z = 0; z < files.zones.size(); ++z) {
    const ZoneInfo& info = files.zones[z];
    if (info.present == 0 || !info.start_pfn || !info.spanned || *info.spanned > 0xffffffff)
      continue; // no zone memsim could choose (check_zone_span says why if it is chosen)
    const Span span{info.name, *info.start_pfn, *info.start_pfn + *info.spanned};
    auto flags = read_words(flags_path, span);
    auto counts = read_words(counts_path, span);
    if (!flags || !counts) { // not covered: an error only if this zone is chosen
      const std::string& path = flags ? counts_path : flags_path;
      std::error_code error;
      const std::uintmax_t size = std::filesystem::file_size(path, error);
      out[z].missing = fmt::format("{}: too short for zone {}: {} pfns, the zone ends at pfn {}",
                                   path, info.name, error ? 0 : size / 8, span.end);
      continue;
    }
    std::optional<std::uint64_t> counted;
    const auto blocks = files.pagetypes.blocks.find({info.node, info.name});
    if (blocks != files.pagetypes.blocks.end()) {
      counted = 0;
      for (const auto& [mt, count] : blocks->second) *counted += count * pageblock_pages;
    }
    ZonePages& zone = out[z];
    zone.covered = true;
    zone.start_pfn = span.start;
    zone.end_pfn = initialised_end(span, *flags, *counts, counted, pageblock_pages);
    zone.uninitialised = span.end - zone.end_pfn;
    flags->resize(zone.end_pfn - zone.start_pfn);
    counts->resize(zone.end_pfn - zone.start_pfn);
    PageClassifier(zone, std::move(*flags), std::move(*counts), max_order).run();
  }
  return out;
}

} // namespace memsim
