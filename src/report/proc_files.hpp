// replay --proc-out DIR: the end state in the kernel's own text formats, so that scripts written
// for a real machine read it unchanged. Linux 3.11 mm/vmstat.c with Bhat's v4 13/14 per-region
// additions; one zone, "Node 0, zone Normal" (docs/decisions.md D42-D44).
#pragma once

#include <ostream>
#include <string>

#include "stats/run_stats.hpp"
#include "stats/zone_detail.hpp"

namespace memsim {

// /proc/buddyinfo, 3.11 frag_show_print(): nr_free per order (RA blocks included, docs/semantics.md
// D9).
void write_buddyinfo(std::ostream& out, const RunStats& stats);
// /proc/pagetypeinfo: 3.11 pagetypeinfo_show() with v4 14's per-region free and block tables.
void write_pagetypeinfo(std::ostream& out, const RunStats& stats, const ZoneDetail& detail);
// /proc/zoneinfo, 3.11 zoneinfo_show_print() with v4 13's "Per-region page stats", restricted
// to the lines memsim models (D43).
void write_zoneinfo(std::ostream& out, const RunStats& stats, const ZoneDetail& detail);
// /sys/kernel/debug/extfrag/extfrag_index and unusable_index (extfrag_show_print(),
// unusable_show_print()).
void write_extfrag_index(std::ostream& out, const RunStats& stats);
void write_unusable_index(std::ostream& out, const RunStats& stats);

// Creates `dir` if missing (replay calls it before the replay, so that a bad path fails early).
// Throws InputError("DIR: cannot create directory: ...").
void create_proc_dir(const std::string& dir);
// Writes the five files (buddyinfo, pagetypeinfo, zoneinfo, extfrag_index, unusable_index)
// into `dir`, created if missing, each atomically. Throws InputError("DIR: ...").
void write_proc_files(const std::string& dir, const RunStats& stats, const ZoneDetail& detail);

} // namespace memsim
