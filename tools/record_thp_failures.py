#!/usr/bin/env python3
# Records a small real kmem excerpt under memory pressure with failed order-9 THP attempts
# (mm_page_alloc with pfn=0): fragments free memory with page cache (fragment()), then traces this
# process alone while it faults THPs with defrag "never" (record()). traces/README.md tells how
# traces/kmem-6.18-thp/ was made. As root with tracefs; holds /tmp/tracefs.lock, restores all.
#   python3 tools/record_thp_failures.py OUT.txt [REGIONS]
import ctypes
import fcntl
import mmap
import os
import re
import sys

T = "/sys/kernel/tracing"
EVENTS = ["kmem/mm_page_alloc", "kmem/mm_page_free", "kmem/mm_page_free_batched"]
DEFRAG = "/sys/kernel/mm/transparent_hugepage/defrag"
PROACTIVE = "/proc/sys/vm/compaction_proactiveness"
PAGE = 4096
HUGE = 2 << 20


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def high_order_free():
    """Free blocks of order >= 9 in every zone but DMA (which THP faults cannot reach)."""
    total = 0
    for line in read("/proc/buddyinfo").splitlines():
        fields = line.split()
        if fields[3] != "DMA":
            total += sum(int(n) for n in fields[4 + 9:])
    return total


def mem_free_kb():
    return int(re.search(r"MemFree:\s+(\d+)", read("/proc/meminfo")).group(1))


def fragment(directory):
    """Fills memory with the page-cache pages of two sparse files read page by page in turn
    (POSIX_FADV_RANDOM: each read is one order-0 page), until no zone but DMA has more than a few
    free blocks of order 9 or more; then drops the first file's pages, leaving holes between the
    second's."""
    paths = [os.path.join(directory, f"memsim-frag-{c}") for c in "ab"]
    fds = []
    for path in paths:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.ftruncate(fd, 64 << 30)  # sparse: reading its holes allocates page cache, no disk
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        fds.append(fd)
    limit = (64 << 30) // PAGE
    page = 0
    while page < limit:
        for _ in range(16384):
            os.pread(fds[0], 1, page * PAGE)
            os.pread(fds[1], 1, page * PAGE)
            page += 1
        if mem_free_kb() < (2 << 20) and high_order_free() <= 8:
            break
    print(f"read {page} pages of each file; free blocks of order >= 9: {high_order_free()}")
    os.posix_fadvise(fds[0], 0, 0, os.POSIX_FADV_DONTNEED)
    print(read("/proc/buddyinfo"))
    return paths, fds


def fault_thps(regions):
    """Faults one page of each of `regions` 2 MiB-aligned regions of a MADV_HUGEPAGE mapping:
    with defrag "never" each fault is one GFP_TRANSHUGE_LIGHT order-9 attempt (no reclaim, no
    compaction), falling back to an order-0 page when it fails."""
    area = mmap.mmap(-1, (regions + 1) * HUGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    address = ctypes.addressof(ctypes.c_char.from_buffer(area))
    start = (-address) % HUGE
    area.madvise(mmap.MADV_HUGEPAGE, start, regions * HUGE)
    for i in range(regions):
        area[start + i * HUGE] = 1
    return area


def record(out, regions):
    """Traces mm_page_alloc/_free/_free_batched of this process only (set_event_pid) around the
    faults and the unmap, after fragment(); every setting it changes is restored."""
    saved = {path: read(path) for path in [f"{T}/tracing_on", f"{T}/set_event_pid", PROACTIVE]}
    saved.update({f"{T}/events/{e}/enable": read(f"{T}/events/{e}/enable") for e in EVENTS})
    defrag = re.search(r"\[(.*)\]", read(DEFRAG)).group(1)
    buffer_kb = re.match(r"\d+", read(f"{T}/buffer_size_kb").split("expanded: ")[-1]).group(0)
    paths, fds = [], []
    try:
        write(PROACTIVE, "0")  # kcompactd would close the holes while we look
        paths, fds = fragment("/var/tmp")
        write(DEFRAG, "never")
        write(f"{T}/tracing_on", "0")
        write(f"{T}/buffer_size_kb", "8192")
        write(f"{T}/trace", "")
        write(f"{T}/set_event_pid", str(os.getpid()))
        for e in EVENTS:
            write(f"{T}/events/{e}/enable", "1")
        write(f"{T}/tracing_on", "1")
        write(f"{T}/trace_marker", "memsim thp-faults")
        area = fault_thps(regions)
        area.close()
        write(f"{T}/tracing_on", "0")
        with open(f"{T}/trace") as src, open(out, "w") as dst:
            dst.write(src.read())
    finally:
        write(f"{T}/tracing_on", "0")
        for path, value in saved.items():
            if not path.endswith("set_event_pid"):
                write(path, value)
        write(f"{T}/set_event_pid", "")
        for pid in saved[f"{T}/set_event_pid"].split():
            with open(f"{T}/set_event_pid", "a") as f:
                f.write(pid)
        write(f"{T}/buffer_size_kb", buffer_kb)
        write(f"{T}/trace", "")
        write(DEFRAG, defrag)
        write(f"{T}/tracing_on", saved[f"{T}/tracing_on"])
        for fd in fds:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
        for path in paths:
            os.unlink(path)
    failed = sum(1 for line in open(out) if re.search(r"mm_page_alloc: .* pfn=(0x)?0 ", line))
    print(f"wrote {out}: {failed} failed allocations (pfn=0)")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} OUT.txt [REGIONS]")
    regions = int(sys.argv[2]) if len(sys.argv) == 3 else 64
    with open("/tmp/tracefs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.ismount(T):
            os.system(f"mount -t tracefs nodev {T}")
        record(os.path.abspath(sys.argv[1]), regions)


if __name__ == "__main__":
    main()
