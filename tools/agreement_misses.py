#!/usr/bin/env python3
"""Which traced allocator decisions of a recording could a replay know, and where do the misses
of `memsim replay --predict` fall (docs/fidelity.md "6.18 recordings")? Reads the tracefs text and
the begin snapshot's kpageflags, rebuilds the buddy's free blocks (the canonical split of the
BUDDY runs) and follows them through the trace: every buddy take (mm_page_alloc_zone_locked, and
mm_page_alloc_extfrag when no zone_locked line of the same page came just before it: a 6.15+
steal or whole-pageblock claim; a 6.1 fallback's extfrag line, which comes before its
zone_locked, counts one take too many) is put in a class by the free block it came from:
  trace   the block was put on its free list during the trace (a free or drain merged into it, or
          expand() left it as the remainder of a split): its place in the list is known
  start   the block was free since the begin snapshot: its place among the other start blocks is not
  absent  no free block holds the page here (events the trace does not show: compaction's free
          scanner, free page reporting, the snapshot read while the machine ran)
  inside  the page lies inside a larger start block, not at its head: the kernel held smaller
          blocks there (the page dump is read over seconds while the machine runs)
Per-CPU decisions (mm_page_alloc of an order the per-CPU lists hold, mm_page_pcpu_drain) are
`trace` when the page went onto a per-CPU list during the trace (a refill or a free), else `start`.
With --misses (the --json output of a replay whose first_misses hold every miss) the misses are
counted by class, and each buddy miss's predicted block by the class it would have had.

Usage: tools/agreement_misses.py TRACE BEGIN_DIR [--misses REPLAY.json] [--json OUT.json]
TRACE is text, .xz or .zst; BEGIN_DIR holds kpageflags or kpageflags.bin.
"""
import argparse
import array
import json
import os
import re
import subprocess
import sys

MAX_ORDER = 10
KPF_BUDDY = 10
PCP_ORDERS = {0, 1, 2, 3, 9}
PAGEBLOCK_ORDER = 9
LINE = re.compile(r"\[(\d+)\] \S+ +[\d.]+: (mm_page_\w+): (.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")


def open_text(path):
    """The trace's lines, decompressed by xz or zstd when the name says so."""
    tool = {".xz": "xzcat", ".zst": "zstdcat"}.get(os.path.splitext(path)[1])
    if tool is None:
        return open(path, errors="replace")
    proc = subprocess.Popen([tool, path], stdout=subprocess.PIPE)
    return (line.decode(errors="replace") for line in proc.stdout)


def start_blocks(begin_dir):
    """{pfn: (order, "start")}: the canonical split of the snapshot's runs of BUDDY pages."""
    path = os.path.join(begin_dir, "kpageflags")
    if not os.path.exists(path):
        path += ".bin"
    flags = array.array("Q")
    with open(path, "rb") as f:
        flags.frombytes(f.read())
    free, pfn, end = {}, 0, len(flags)
    while pfn < end:
        if not flags[pfn] >> KPF_BUDDY & 1:
            pfn += 1
            continue
        run = pfn
        while run < end and flags[run] >> KPF_BUDDY & 1:
            run += 1
        while pfn < run:
            order = MAX_ORDER
            while pfn % (1 << order) or pfn + (1 << order) > run:
                order -= 1
            free[pfn] = (order, "start")
            pfn += 1 << order
    return free


class Buddy:
    """The free blocks as the trace moves them: {pfn: (order, tag)}."""

    def __init__(self, free):
        self.free = free
        self.added, self.removed = [], []  # block heads, for a caller that follows the lists

    def _add(self, pfn, order, tag):
        self.free[pfn] = (order, tag)
        self.added.append(pfn)

    def _remove(self, pfn):
        if self.free.pop(pfn, None) is not None:
            self.removed.append(pfn)

    def find(self, pfn, order):
        """The free block (head, order, tag) holding [pfn, pfn + 2^order), or None."""
        for k in range(order, MAX_ORDER + 1):
            head = pfn & ~((1 << k) - 1)
            block = self.free.get(head)
            if block and block[0] == k:
                return head, k, block[1]
        return None

    def clear(self, pfn, order):
        """Drops every free block inside [pfn, pfn + 2^order) (pages the model held free wrongly)."""
        for p in range(pfn, pfn + (1 << order)):
            if p in self.free:
                self._remove(p)

    def take(self, pfn, order):
        """Takes the chunk as expand() does; returns the class of the block it came from."""
        found = self.find(pfn, order)
        if found is None:
            self.clear(pfn, order)
            return "absent"
        head, k, tag = found
        if head != pfn and tag == "start":
            tag = "inside"  # __rmqueue_smallest takes a block's head: the snapshot merged blocks
        self._remove(head)
        while k > order:  # split towards pfn; every half left is a remainder put on a list now
            k -= 1
            half = head + (1 << k)
            if pfn >= half:
                self._add(head, k, "trace")
                head = half
            else:
                self._add(half, k, "trace")
        return tag

    def put(self, pfn, order):
        """__free_one_page(): merges with free buddies; the result is placed during the trace."""
        found = self.find(pfn, order)
        if found is not None:  # freed while the snapshot shows it free: the dump was stale there,
            head, k, _ = found  # and the block is placed by this free
            self._remove(head)
            self._add(head, k, "trace")
            return
        self.clear(pfn, order)
        while order < MAX_ORDER:
            buddy = pfn ^ (1 << order)
            block = self.free.get(buddy)
            if not block or block[0] != order:
                break
            self._remove(buddy)
            pfn &= buddy
            order += 1
        self._add(pfn, order, "trace")


def events(path):
    """(line number, cpu, event, fields) of every mm_page_* line."""
    for number, line in enumerate(open_text(path), 1):
        m = LINE.search(line)
        if m:
            yield number, int(m[1]), m[2], dict(FIELD.findall(m[3]))


class Classifier:
    """Follows the trace and records each decision's class by its line."""

    def __init__(self, free):
        self.buddy = Buddy(free)
        self.pcp = set()  # pages put on a per-CPU list during the trace
        self.last_take = {}  # cpu -> pfn of its last zone_locked line
        self.classes = {"buddy": {}, "pcp": {}}
        self.predicted = {}  # buddy line -> class the prediction's block would have had
        self.block_type = {}  # pageblock -> migratetype a buddy-level line showed last
        self.pcp_predicted = {}  # pcp line -> what the trace showed of the predicted page's block
        self.alloc_type = {}  # pageblock -> list type a per-CPU allocation of one of its pages showed

    def event(self, number, cpu, name, f):
        handler = getattr(self, name, None)
        if handler:
            handler(number, cpu, int(f.get("pfn", "0"), 16), f)

    def buddy_take(self, number, pfn, order):
        self.classes["buddy"][number] = self.buddy.take(pfn, order) + f" order {order}"

    def mm_page_alloc_zone_locked(self, number, cpu, pfn, f):
        self.last_take[cpu] = pfn
        self.block_type[pfn >> PAGEBLOCK_ORDER] = f["migratetype"]
        self.buddy_take(number, pfn, int(f["order"]))
        if f.get("percpu_refill") == "1":
            self.pcp.update(range(pfn, pfn + (1 << int(f["order"]))))

    def mm_page_alloc_extfrag(self, number, cpu, pfn, f):
        claimed = f.get("change_ownership") == "1"
        self.block_type[pfn >> PAGEBLOCK_ORDER] = f["alloc_migratetype" if claimed else "fallback_migratetype"]
        if self.last_take.get(cpu) != pfn:  # steals and claims of whole pageblocks
            self.buddy_take(number, pfn, int(f["alloc_order"]))
        self.last_take[cpu] = None

    def mm_page_alloc(self, number, cpu, pfn, f):
        self.last_take[cpu] = None
        if int(f["order"]) in PCP_ORDERS:
            self.pcp_decision(number, "alloc", pfn)
            # a page handed out from a per-CPU list sat on the list of the request's type: its
            # block had that type when the page was freed
            self.alloc_type[pfn >> PAGEBLOCK_ORDER] = list_type(f["migratetype"])

    def pcp_decision(self, number, kind, pfn):
        self.classes["pcp"][number] = ("trace" if pfn in self.pcp else "start") + " " + kind
        self.pcp.discard(pfn)

    def mm_page_free(self, number, cpu, pfn, f):
        order = int(f["order"])
        if order in PCP_ORDERS:
            self.pcp.add(pfn)
        else:
            self.buddy.put(pfn, order)

    def mm_page_free_batched(self, number, cpu, pfn, f):
        self.pcp.add(pfn)

    def mm_page_pcpu_drain(self, number, cpu, pfn, f):
        self.block_type[pfn >> PAGEBLOCK_ORDER] = f["migratetype"]
        self.pcp_decision(number, "drain", pfn)
        self.buddy.put(pfn, int(f["order"]))

    def note_prediction(self, number, predicted):
        found = self.buddy.find(predicted, 0)
        self.predicted[number] = found[2] if found else "not free"

    def note_pcp_prediction(self, number, name, f, predicted):
        """Whether the trace showed, before this decision, the type of the predicted page's block
        (the list a free puts it on) and whether that type is the one this decision used."""
        want = list_type(f["migratetype"])
        block = predicted >> PAGEBLOCK_ORDER
        where = "on a per-CPU list" if predicted in self.pcp else "not on a per-CPU list"
        if block in self.block_type:
            shown, how = self.block_type[block], "by a buddy line"
        elif block in self.alloc_type:
            shown, how = self.alloc_type[block], "by a per-CPU allocation only"
        else:
            self.pcp_predicted[number] = f"{where}, block type not shown"
            return
        same = "= this list" if shown == want else "!= this list"
        self.pcp_predicted[number] = f"{where}, block type shown {how} {same}"


def list_type(migratetype):
    """The per-CPU list of a migratetype: types >= 3 use the movable one (free_frozen_page_commit)."""
    return migratetype if migratetype in ("0", "1", "2") else "1"


def zone_of(pfn):
    """x86-64's zones by pfn: DMA below 16 MiB, DMA32 below 4 GiB, Normal above. Each zone has
    its own free lists and per-CPU lists."""
    return "DMA" if pfn < 1 << 12 else "DMA32" if pfn < 1 << 20 else "Normal"


def count(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def run(args):
    misses = {"buddy": {}, "pcp": {}}
    if args.misses:
        agreement = json.load(open(args.misses))["validation"]["decision_agreement"]
        for level in misses:
            misses[level] = {m["line"]: m for m in agreement[level]["first_misses"]}
    c = Classifier(start_blocks(args.begin))
    buddy_misses = misses["buddy"]
    for number, cpu, name, f in events(args.trace):
        miss = buddy_misses.get(number)
        if miss and miss.get("predicted") is not None:
            c.note_prediction(number, miss["predicted"])  # before the take changes the blocks
        pcp_miss = misses["pcp"].get(number)
        if pcp_miss and pcp_miss.get("predicted") is not None and "migratetype" in f:
            c.note_pcp_prediction(number, name, f, pcp_miss["predicted"])
        c.event(number, cpu, name, f)
    report = {}
    for level in ("buddy", "pcp"):
        classes = c.classes[level]
        missed = [classes.get(n, "not a decision") for n in misses[level]]
        report[level] = {
            "decisions": len(classes),
            "by_class": count(v.split()[0] for v in classes.values()),
            "misses": len(missed),
            "misses_by_class": count(v.split()[0] for v in missed),
            "by_detail": count(classes.values()),
            "misses_by_detail": count(missed),
        }
    report["buddy"]["predicted_by_class"] = count(c.predicted.values())
    pcp_classes = c.classes["pcp"]
    report["pcp"]["predicted_by_class"] = count(
        pcp_classes[n].split()[0] + " page taken; predicted " + v for n, v in c.pcp_predicted.items())
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("begin")
    parser.add_argument("--misses", help="replay --json output listing every miss")
    parser.add_argument("--json", help="write the counts here too")
    args = parser.parse_args()
    try:
        report = run(args)
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"agreement_misses.py: {e}")
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
