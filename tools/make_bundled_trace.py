#!/usr/bin/env python3
"""Converts the start of a raw Linux kmem ftrace text into a memsim JSON Lines trace.

Makes the bundled trace traces/mixed-1g-head.jsonl.zst from the shared recordings (see
traces/README.md). It follows docs/spec.md §4.5 (what `memsim import ftrace` does) for the 6.1 tracefs
text: mm_page_alloc -> alloc, mm_page_free -> free (or split + order-0 frees), marks kept.
Stdlib only; the output is compressed with `zstd -19` (or `xz -9` with a .xz name).
"""

import argparse
import json
import lzma
import os
import re
import shutil
import subprocess
import sys

# "comm-pid [cpu] flags timestamp: event: fields"; the flags column is absent in old kernels.
LINE_RE = re.compile(r"\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+([\w]+):\s?(.*)$")
FIELD_RE = re.compile(r"(\w+)=(\S+)")

MOVABLE_FLAGS = {"__GFP_MOVABLE", "GFP_HIGHUSER_MOVABLE", "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT"}
RECLAIMABLE_FLAGS = {"__GFP_RECLAIMABLE", "GFP_TEMPORARY"}
GFP_MOVABLE_BIT, GFP_RECLAIMABLE_BIT = 0x08, 0x10  # bit layout of 4.4 and later
MAX_ORDER = 11


def migratetype(gfp, where):
    """docs/spec.md §4.5: the migratetype comes from gfp_flags, never from migratetype=."""
    if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", gfp):
        bits = int(gfp, 0)
        movable, reclaimable = bits & GFP_MOVABLE_BIT, bits & GFP_RECLAIMABLE_BIT
        if movable and reclaimable:
            sys.exit(f"{where}: gfp_flags {gfp} has both __GFP_MOVABLE and __GFP_RECLAIMABLE")
        return "movable" if movable else "reclaimable" if reclaimable else "unmovable"
    flags = set(gfp.split("|"))
    if flags & MOVABLE_FLAGS:
        return "movable"
    if flags & RECLAIMABLE_FLAGS:
        return "reclaimable"
    return "unmovable"


class Converter:
    """Turns trace lines into memsim events, tracking live allocations by pfn for splits."""

    def __init__(self, out):
        self.out = out
        self.live = {}  # pfn of a live allocation's first page -> order
        self.events = 0
        self.failed_in_trace = 0
        self.skipped = {}
        self.max_pfn_end = 0
        self.max_cpu = 0

    def emit(self, text):
        self.out.write(text + "\n")
        self.events += 1

    def skip(self, kind):
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def line(self, text, where):
        m = LINE_RE.search(text)
        if not m:
            self.skip("unparsed")
            return
        cpu, t, kind, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        tail = f',"cpu":{cpu},"t":{t}}}'
        if kind == "tracing_mark_write":
            self.emit('{"op":"mark","label":' + json.dumps(rest.rstrip()) + tail)
            return
        if kind not in ("mm_page_alloc", "mm_page_free"):
            self.skip(kind)
            return
        fields = dict(FIELD_RE.findall(rest))
        try:
            pfn, order = int(fields["pfn"], 0), int(fields["order"])
        except (KeyError, ValueError):
            sys.exit(f"{where}: malformed {kind} line")
        self.max_cpu = max(self.max_cpu, cpu)
        if kind == "mm_page_alloc":
            if pfn == 0:
                self.failed_in_trace += 1
                return
            mt = migratetype(fields.get("gfp_flags", "0"), where)
            self.live[pfn] = order
            self.max_pfn_end = max(self.max_pfn_end, pfn + (1 << order))
            self.emit(f'{{"op":"alloc","id":{pfn},"order":{order},"mt":"{mt}"' + tail)
        else:
            self.free(pfn, order, tail)

    def free(self, pfn, order, tail):
        """A free inside a live allocation of a higher order becomes split + order-0 frees."""
        head, head_order = self.enclosing(pfn, order)
        if head is None:
            self.live.pop(pfn, None)
            self.emit(f'{{"op":"free","id":{pfn},"order":{order}' + tail)
            return
        del self.live[head]
        for p in range(head, head + (1 << head_order)):
            self.live[p] = 0
        self.emit(f'{{"op":"split","id":{head}' + tail)
        for p in range(pfn, pfn + (1 << order)):
            self.live.pop(p, None)
            self.emit(f'{{"op":"free","id":{p},"order":0' + tail)

    def enclosing(self, pfn, order):
        """The live allocation of an order above `order` that holds pfn, if any."""
        for k in range(order + 1, MAX_ORDER):
            head = pfn & ~((1 << k) - 1)
            if self.live.get(head) == k:
                return head, k
        return None, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="raw ftrace text, .xz or plain")
    ap.add_argument("lines", nargs="?", type=int, default=1_214_976,
                    help="trace lines to take (default 1214976: up to the fork phase of round 1)")
    ap.add_argument("output", nargs="?", default="traces/mixed-1g-head.jsonl",
                    help="the .jsonl to write (then compressed to .jsonl.zst / .jsonl.xz)")
    ap.add_argument("--memory", default="1GiB", help="zone.memory of the header")
    ap.add_argument("--cpus", type=int, default=2, help="zone.cpus of the header")
    ap.add_argument("--source", default="mixed-1g-smp2/trace.txt.xz",
                    help="meta.source: where the input came from")
    ap.add_argument("--compress", choices=["zstd", "xz", "none"], default="zstd")
    args = ap.parse_args()

    opener = lzma.open if args.input.endswith(".xz") else open
    body_path = args.output + ".body"
    with opener(args.input, "rt", encoding="utf-8", errors="replace") as src, \
            open(body_path, "w", encoding="utf-8") as body:
        conv = Converter(body)
        taken = 0
        for taken, text in enumerate(src, start=1):
            if taken > args.lines:
                taken -= 1
                break
            conv.line(text.rstrip("\n"), f"{args.input}:{taken}")

    header = {
        "memsim_trace": 1,
        "zone": {"memory": args.memory, "cpus": args.cpus},
        "meta": {
            "source": f"{args.source}, first {taken} lines",
            "kernel": "6.1",
            "generator": "tools/make_bundled_trace.py",
            "events": conv.events,
            "failed_in_trace": conv.failed_in_trace,
            "live_at_end": len(conv.live),
            "skipped": dict(sorted(conv.skipped.items())),
        },
    }
    with open(args.output, "w", encoding="utf-8") as out, \
            open(body_path, encoding="utf-8") as body:
        out.write(json.dumps(header, separators=(",", ":")) + "\n")
        shutil.copyfileobj(body, out)
    os.remove(body_path)
    print(f"{args.output}: {conv.events} events from {taken} lines; highest page end "
          f"{conv.max_pfn_end:#x}, cpus {conv.max_cpu + 1}", file=sys.stderr)

    if args.compress == "zstd":
        subprocess.run(["zstd", "-19", "-T0", "-q", "-f", "--rm", args.output], check=True)
    elif args.compress == "xz":
        subprocess.run(["xz", "-9", "-T0", "-f", args.output], check=True)


if __name__ == "__main__":
    main()
