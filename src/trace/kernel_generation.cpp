// Kernel versions and migratetype numbers (kernel_generation.hpp).
#include "trace/kernel_generation.hpp"

#include <charconv>

#include <fmt/format.h>

namespace memsim::trace {
namespace {

// The number at the front of `text`, and `text` after it.
std::optional<unsigned> take_number(std::string_view& text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

} // namespace

std::optional<KernelVersion> parse_kernel_version(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  text.remove_prefix(first);
  constexpr std::string_view kProc = "Linux version ";
  if (text.starts_with(kProc)) text.remove_prefix(kProc.size());
  const auto major = take_number(text);
  if (!major || text.empty() || text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  const auto minor = take_number(text);
  if (!minor || *major == 0 || *major > 99 || *minor > 999) return std::nullopt;
  return KernelVersion{*major, *minor};
}

std::string kernel_version_name(KernelVersion version) {
  if (version == KernelVersion{3, 0}) return "3.x";
  return fmt::format("{}.{}", version.major, version.minor);
}

Migratetype kernel_migratetype(unsigned number, const MigratetypeNumbering& numbering) {
  if (number == 0) return Migratetype::unmovable;
  const bool before_4_4 = numbering.kernel < KernelVersion{4, 4};
  if (number == 1) return before_4_4 ? Migratetype::reclaimable : Migratetype::movable;
  if (number == 2) return before_4_4 ? Migratetype::movable : Migratetype::reclaimable;
  if (number == 3) return before_4_4 ? Migratetype::reserve : Migratetype::highatomic;
  if (number == 4 && numbering.cma) return Migratetype::cma;
  return Migratetype::isolate;
}

} // namespace memsim::trace
