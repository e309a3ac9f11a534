// Boot-time kernel functions outside the Zone class: 3.11's MIGRATE_RESERVE set-up. The boot
// freeing itself (Zone::boot_free) and the carving of preallocated blocks (Zone::carve) are
// members, since they walk the page array.
#pragma once

#include "zone/zone.hpp"

namespace memsim {

// setup_zone_migrate_reserve() of Linux 3.11 (docs/kernel-3.11.md, docs/semantics.md D13): the
// lowest `reserve_pageblocks` MOVABLE pageblocks become MIGRATE_RESERVE with their free pages.
void setup_zone_migrate_reserve(Zone& zone, unsigned reserve_pageblocks);

} // namespace memsim
