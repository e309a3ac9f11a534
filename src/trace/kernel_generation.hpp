// The kernel generation of a recording (docs/spec.md §7.2): read from `uname -r` or /proc/version
// text or a `--kernel X.Y` option, and the kernel's migratetype numbering that the buddy-level
// events print (include/linux/mmzone.h: before 4.4 UNMOVABLE 0, RECLAIMABLE 1, MOVABLE 2,
// RESERVE 3; from 4.4 UNMOVABLE 0, MOVABLE 1, RECLAIMABLE 2, HIGHATOMIC 3; then CMA when
// configured, then ISOLATE).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "memsim/trace.hpp"

namespace memsim::trace {

// "6.18.44-fc-v1045", "6.1", or "Linux version 6.1.0-56-amd64 (...) ..." -> {6, 18} / {6, 1}.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);
// "6.1", or "3.x" for the decimal-pfn default {3, 0}.
std::string kernel_version_name(KernelVersion version);

struct MigratetypeNumbering {
  KernelVersion kernel{6, 1};
  bool cma = false; // CONFIG_CMA: a "CMA" column in pagetypeinfo
};
// The migratetype a kernel number means; the numbers past the last type read as isolate.
Migratetype kernel_migratetype(unsigned number, const MigratetypeNumbering& numbering);

// Orders the kernel keeps on per-CPU lists: order 0 before 5.13, then orders up to
// PAGE_ALLOC_COSTLY_ORDER and the pageblock order (Linux 6.1 pcp_allowed_order()).
constexpr bool pcp_allowed_order(unsigned order, KernelVersion kernel, unsigned pageblock_order) {
  if (kernel < KernelVersion{5, 13}) return order == 0;
  return order <= 3 || order == pageblock_order;
}

} // namespace memsim::trace
