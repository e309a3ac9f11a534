#!/usr/bin/env python3
"""Converts a kmem ftrace text recording (tracefs `trace`, `trace_pipe`, `trace-cmd report`) into
a Perfetto trace, for memsim's Perfetto fixtures and tests (docs/formats.md).

Each event line becomes a FtraceEvent in a FtraceEventBundle of its CPU, as Perfetto's
traced_probes writes them: every --cycle lines, one bundle per CPU that has events, CPUs in
order, so the CPUs' events interleave in the file and a reader must merge them by timestamp.
With --compress the packets are packed into deflate `compressed_packets`.

Field numbers (Perfetto's protos/perfetto/trace/): Trace.packet 1; TracePacket.ftrace_events 1,
compressed_packets 50; FtraceEventBundle.cpu 1, event 2; FtraceEvent.timestamp 1, pid 2, print 3,
mm_compaction_begin 99, mm_compaction_end 103, mm_compaction_isolate_freepages 105,
mm_compaction_isolate_migratepages 106, mm_page_alloc 307, mm_page_alloc_extfrag 308,
mm_page_alloc_zone_locked 309, mm_page_free 310, mm_page_free_batched 311,
mm_page_pcpu_drain 312, generic 327 (ftrace/ftrace_event.proto); the events' own fields in
ftrace/kmem.proto, ftrace/compaction.proto, ftrace/ftrace.proto and ftrace/generic.proto.
An event that has no typed message (mm_compaction_fast_isolate_freepages, mm_migrate_pages) or
whose typed message lacks a printed field (mm_page_alloc_zone_locked's percpu_refill since
5.17, a pageblock_order other than 9) is written as a GenericFtraceEvent with the kernel's field
names, as traced_probes does for events it has no message for.

Timestamps: the text keeps microseconds; the converter adds each line's rank among the lines of
the same microsecond as nanoseconds (fewer than 500, so the rounding back to microseconds gives
the printed value), so that merging the CPUs by timestamp gives back the text's order.

Symbolic gfp_flags need the kernel's table: --gfp-format FILE, the recording kernel's
events/kmem/mm_page_alloc/format (its __print_flags table is evaluated). Hex flags need none.

Usage: tools/text_to_perfetto.py IN.txt OUT.pftrace [--gfp-format FILE] [--compress]
       [--cycle N]   (IN may be .gz, .xz or .zst)
"""
import argparse
import gzip
import lzma
import re
import subprocess
import sys
import zlib

LINE = re.compile(r"^\s*(?P<comm>.*?)-(?P<pid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(?P<cpu>\d+)\]\s+"
                  r"(?:\S+\s+)?(?P<secs>\d+)\.(?P<usecs>\d{6}):\s+(?P<event>[\w]+):\s?(?P<rest>.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")
RANGE = re.compile(r"range=\((0x[0-9a-f]+) ~ (0x[0-9a-f]+)\) nr_scanned=(\d+) nr_taken=(\d+)")

COMPACTION_STATUS = ["not_suitable_zone", "skipped", "deferred", "no_suitable_page", "continue",
                     "complete", "partial_skipped", "contended", "success"]
MIGRATE_MODE = ["MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC"]
MIGRATE_REASON = ["compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset",
                  "mempolicy_mbind", "numa_misplaced", "contig_range", "longterm_pin",
                  "demotion", "damon"]


def varint(value):
    value &= (1 << 64) - 1  # negative int32/int64: ten-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def gfp_table(path):
    """name -> value from the __print_flags table of an mm_page_alloc format file."""
    text = open(path).read()
    table = {}
    for expr, name in re.findall(r'\{\s*\(\s*unsigned long\s*\)\s*([^{}]*?),\s*"(\w+)"\s*\}', text):
        expr = re.sub(r"\(\s*(gfp_t|unsigned long)\s*\)", "", expr)
        expr = re.sub(r"(\d+)UL", r"\1", expr)
        if not re.fullmatch(r"[\d\s()|&~<>x]+", expr):
            sys.exit(f"{path}: cannot evaluate the value of {name}: {expr}")
        table[name] = eval(expr, {"__builtins__": {}})  # only digits and operators, checked above
    if not table:
        sys.exit(f"{path}: no __print_flags table of gfp_flags")
    return table


def gfp_value(text, table, where):
    if text == "0":
        return 0
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    value = 0
    for flag in text.split("|"):
        if flag.startswith("0x"):
            value |= int(flag, 16)
        elif table is not None and flag in table:
            value |= table[flag]
        else:
            sys.exit(f"{where}: gfp flag {flag} unknown (give --gfp-format)")
    return value & 0xFFFFFFFF


def num(text):
    return int(text, 0)


def generic(name, fields):
    """GenericFtraceEvent: event_name 1, field 2 {name 1, int_value 4, uint_value 5}."""
    body = field_bytes(1, name.encode())
    for key, value, signed in fields:
        entry = field_bytes(1, key.encode()) + field_varint(4 if signed else 5, value)
        body += field_bytes(2, entry)
    return field_bytes(327, body)


def typed(number, fields):
    return field_bytes(number, b"".join(field_varint(n, v) for n, v in fields))


def event_payload(event, rest, gfp, where):
    """The oneof field of FtraceEvent for one line, or None for an event not converted."""
    f = dict(FIELD.findall(rest))
    if event in ("tracing_mark_write", "print"):
        label = rest.split("tracing_mark_write: ", 1)[1] if event == "print" else rest
        return field_bytes(3, field_varint(1, 0) + field_bytes(2, (label + "\n").encode()))
    if event == "mm_page_alloc":
        return typed(307, [(1, gfp_value(f["gfp_flags"], gfp, where)), (2, num(f["migratetype"])),
                           (3, num(f["order"])), (5, num(f["pfn"]))])
    if event == "mm_page_free":
        return typed(310, [(1, num(f["order"])), (3, num(f["pfn"]))])
    if event == "mm_page_free_batched":
        return typed(311, [(3, num(f["pfn"]))])
    if event == "mm_page_pcpu_drain":
        return typed(312, [(1, num(f["migratetype"])), (2, num(f["order"])), (4, num(f["pfn"]))])
    if event == "mm_page_alloc_zone_locked":
        if "percpu_refill" not in f:
            return typed(309, [(1, num(f["migratetype"])), (2, num(f["order"])),
                               (4, num(f["pfn"]))])
        return generic(event, [("pfn", num(f["pfn"]), False), ("order", num(f["order"]), False),
                               ("migratetype", num(f["migratetype"]), True),
                               ("percpu_refill", num(f["percpu_refill"]), True)])
    if event == "mm_page_alloc_extfrag":
        keys = ["alloc_order", "fallback_order", "alloc_migratetype", "fallback_migratetype",
                "change_ownership"]
        if f.get("pageblock_order", "9") != "9":
            return generic(event, [("pfn", num(f["pfn"]), False)] +
                           [(k, num(f[k]), True) for k in keys + ["pageblock_order"]])
        return typed(308, [(1, num(f["alloc_migratetype"])), (2, num(f["alloc_order"])),
                           (3, num(f["fallback_migratetype"])), (4, num(f["fallback_order"])),
                           (6, num(f["change_ownership"])), (7, num(f["pfn"]))])
    if event in ("mm_compaction_begin", "mm_compaction_end"):
        values = [(1, num(f["zone_start"].rstrip(","))), (2, num(f["migrate_pfn"])),
                  (3, num(f["free_pfn"])), (4, num(f["zone_end"].rstrip(","))),
                  (5, 1 if f["mode"] == "sync" else 0)]
        if event == "mm_compaction_begin":
            return typed(99, values)
        return typed(103, values + [(6, COMPACTION_STATUS.index(f["status"]))])
    if event in ("mm_compaction_isolate_freepages", "mm_compaction_isolate_migratepages",
                 "mm_compaction_fast_isolate_freepages"):
        start, end, scanned, taken = RANGE.search(rest).groups()
        values = [num(start), num(end), num(scanned), num(taken)]
        if event == "mm_compaction_fast_isolate_freepages":
            names = ["start_pfn", "end_pfn", "nr_scanned", "nr_taken"]
            return generic(event, [(n, v, False) for n, v in zip(names, values)])
        number = 105 if event == "mm_compaction_isolate_freepages" else 106
        return typed(number, [(i + 1, v) for i, v in enumerate(values)])
    if event == "mm_migrate_pages":
        names = [("succeeded", "nr_succeeded"), ("failed", "nr_failed"),
                 ("thp_succeeded", "nr_thp_succeeded"), ("thp_failed", "nr_thp_failed"),
                 ("thp_split", "nr_thp_split"), ("large_folio_split", "nr_split")]
        fields = [(kernel, num(f[printed]), False) for kernel, printed in names]
        fields.append(("mode", MIGRATE_MODE.index(f["mode"]), False))
        fields.append(("reason", MIGRATE_REASON.index(f["reason"]), True))
        return generic(event, fields)
    return None


def open_text(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt")
    if path.endswith(".xz"):
        return lzma.open(path, "rt")
    if path.endswith(".zst"):
        return subprocess.Popen(["zstd", "-dc", path], stdout=subprocess.PIPE, text=True).stdout
    return open(path)


def convert(args):
    gfp = gfp_table(args.gfp_format) if args.gfp_format else None
    pending = {}  # cpu -> [FtraceEvent bytes]
    packets = []
    skipped = {}
    last_usecs, rank, lines = None, 0, 0

    def flush():
        for cpu in sorted(pending):
            if pending[cpu]:
                bundle = field_varint(1, cpu) + b"".join(field_bytes(2, e) for e in pending[cpu])
                packets.append(field_bytes(1, bundle))
        pending.clear()

    with open_text(args.input) as text:
        for number, line in enumerate(text, 1):
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            where = f"{args.input}:{number}"
            payload = event_payload(m["event"], m["rest"], gfp, where)
            if payload is None:
                skipped[m["event"]] = skipped.get(m["event"], 0) + 1
                continue
            usecs = int(m["secs"]) * 1_000_000 + int(m["usecs"])
            rank = rank + 1 if usecs == last_usecs else 0
            last_usecs = usecs
            if rank >= 500:
                sys.exit(f"{where}: more than 500 events in one microsecond")
            event = field_varint(1, usecs * 1000 + rank) + field_varint(2, int(m["pid"])) + payload
            pending.setdefault(int(m["cpu"]), []).append(event)
            lines += 1
            if lines % args.cycle == 0:
                flush()
    flush()
    return packets, skipped, lines


def write(path, packets, compress):
    with open(path, "wb") as out:
        if not compress:
            out.write(b"".join(field_bytes(1, p) for p in packets))
            return
        group = []
        for i, packet in enumerate(packets + [None]):
            if packet is not None:
                group.append(field_bytes(1, packet))
            if group and (packet is None or sum(map(len, group)) > 64 * 1024):
                packed = zlib.compress(b"".join(group), 9)
                out.write(field_bytes(1, field_bytes(50, packed)))
                group = []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--gfp-format", help="the kernel's events/kmem/mm_page_alloc/format")
    parser.add_argument("--compress", action="store_true", help="deflate compressed_packets")
    parser.add_argument("--cycle", type=int, default=512, help="lines per read cycle")
    args = parser.parse_args()
    packets, skipped, lines = convert(args)
    write(args.output, packets, args.compress)
    other = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items())) or "none"
    print(f"text_to_perfetto: {lines} events in {len(packets)} bundles; not converted: {other}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
