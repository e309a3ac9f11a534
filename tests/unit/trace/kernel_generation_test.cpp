// The kernel generation of a recording and the kernel's migratetype numbering
// (trace/kernel_generation.hpp): uname -r and /proc/version text, and the numbers before 4.4,
// from 4.4, with and without CMA (include/linux/mmzone.h enum migratetype).
#include <catch2/catch.hpp>

#include "trace/kernel_generation.hpp"

using memsim::KernelVersion;
using memsim::Migratetype;
using memsim::trace::kernel_migratetype;
using memsim::trace::kernel_version_name;
using memsim::trace::parse_kernel_version;

TEST_CASE("kernel version from uname -r, /proc/version and --kernel text", "[trace][kernel]") {
  CHECK(parse_kernel_version("6.18.44-fc-v1045\n") == KernelVersion{6, 18});
  CHECK(parse_kernel_version("Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) "
                             "(gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP") ==
        KernelVersion{6, 1});
  CHECK(parse_kernel_version("3.11") == KernelVersion{3, 11});
  CHECK(parse_kernel_version("4.4.0") == KernelVersion{4, 4});
  CHECK_FALSE(parse_kernel_version("six"));
  CHECK_FALSE(parse_kernel_version("6"));
  CHECK_FALSE(parse_kernel_version(""));
  CHECK_FALSE(parse_kernel_version("0.1"));
  CHECK(KernelVersion{6, 9} < KernelVersion{6, 10});
  CHECK(kernel_version_name({6, 18}) == "6.18");
  CHECK(kernel_version_name({3, 0}) == "3.x");
}

TEST_CASE("migratetype numbers of 6.1 and 6.18: movable 1, reclaimable 2, highatomic 3",
          "[trace][kernel]") {
  for (const KernelVersion kernel : {KernelVersion{6, 1}, KernelVersion{6, 18}}) {
    const memsim::trace::MigratetypeNumbering numbering{kernel, false};
    CHECK(kernel_migratetype(0, numbering) == Migratetype::unmovable);
    CHECK(kernel_migratetype(1, numbering) == Migratetype::movable);
    CHECK(kernel_migratetype(2, numbering) == Migratetype::reclaimable);
    CHECK(kernel_migratetype(3, numbering) == Migratetype::highatomic);
    CHECK(kernel_migratetype(4, numbering) == Migratetype::isolate);
  }
  const memsim::trace::MigratetypeNumbering with_cma{KernelVersion{6, 1}, true};
  CHECK(kernel_migratetype(4, with_cma) == Migratetype::cma);
  CHECK(kernel_migratetype(5, with_cma) == Migratetype::isolate);
}

TEST_CASE("migratetype numbers before 4.4: reclaimable 1, movable 2, reserve 3",
          "[trace][kernel]") {
  const memsim::trace::MigratetypeNumbering numbering{KernelVersion{3, 0}, false};
  CHECK(kernel_migratetype(0, numbering) == Migratetype::unmovable);
  CHECK(kernel_migratetype(1, numbering) == Migratetype::reclaimable);
  CHECK(kernel_migratetype(2, numbering) == Migratetype::movable);
  CHECK(kernel_migratetype(3, numbering) == Migratetype::reserve);
  CHECK(kernel_migratetype(4, numbering) == Migratetype::isolate);
}
