#!/usr/bin/env python3
"""Tests a rule for the order of the buddy's free lists that a replay can know (docs/fidelity.md
"6.18 recordings"): each free list (order, migratetype) is
  [blocks put at its head during the trace, newest first]   expand() remainders, frees
  [blocks free since the begin snapshot]                    order unknown to the snapshot
  [blocks put at its tail during the trace, oldest first]   frees whose higher buddy is free
and every take is the head of the first non-empty list from the requested order up
(__rmqueue_smallest). The start blocks' order is taken two ways: ascending pfn (the boot order,
what a snapshot alone suggests) and by look-ahead — the line at which the trace first takes each
of them, which is their order on the list if nothing else moves them. Counts, for every
mm_page_alloc_zone_locked line, whether the head the rule names is the block the kernel took.

Usage: tools/list_order_rule.py TRACE BEGIN_DIR [--json OUT.json]
"""
import argparse
import heapq
import json
import sys
from collections import deque

from agreement_misses import MAX_ORDER, PAGEBLOCK_ORDER, PCP_ORDERS, Buddy, events, start_blocks, zone_of


def first_takes(trace, free):
    """{start block head: line of its first take} by a first pass of the trace."""
    buddy, first = Buddy(dict(free)), {}
    for number, cpu, name, f in events(trace):
        pfn = int(f.get("pfn", "0"), 16)
        if name == "mm_page_alloc_zone_locked":
            found = buddy.find(pfn, int(f["order"]))
            if found and found[2] == "start":
                first.setdefault(found[0], number)
            buddy.take(pfn, int(f["order"]))
        elif name == "mm_page_pcpu_drain" or (name == "mm_page_free" and int(f["order"]) not in PCP_ORDERS):
            buddy.put(pfn, int(f["order"]))
    return first


class Lists:
    """The free blocks by list, with the three parts of the rule; entries die lazily."""

    def __init__(self):
        self.free = {}  # head -> (order, mt, serial)
        self.serial = 0
        self.head, self.tail, self.start = {}, {}, {}  # list key -> stack / deque / heap

    def add_start(self, pfn, order, mt, rank):
        self.serial += 1
        self.free[pfn] = (order, mt, self.serial)
        heapq.heappush(self.start.setdefault((zone_of(pfn), order, mt), []), (rank, self.serial, pfn))

    def add(self, pfn, order, mt, where):
        self.serial += 1
        self.free[pfn] = (order, mt, self.serial)
        key = (zone_of(pfn), order, mt)
        if where == "head":
            self.head.setdefault(key, []).append((self.serial, pfn))
        else:
            self.tail.setdefault(key, deque()).append((self.serial, pfn))

    def live(self, entry, key):
        block = self.free.get(entry[1])
        return block is not None and block[2] == entry[0] and (block[0], block[1]) == key[1:]

    def first(self, key):
        stack, heap, queue = self.head.get(key), self.start.get(key), self.tail.get(key)
        while stack and not self.live(stack[-1], key):
            stack.pop()
        if stack:
            return stack[-1][1]
        while heap and not self.live(heap[0][1:], key):
            heapq.heappop(heap)
        if heap:
            return heap[0][2]
        while queue and not self.live(queue[0], key):
            queue.popleft()
        return queue[0][1] if queue else None


class RuleCheck:
    """Follows the trace with the rule's lists and scores each zone_locked take."""

    def __init__(self, free, rank, start_mt):
        self.buddy = Buddy(dict(free))
        self.lists = Lists()
        self.block_type = {}
        # start blocks the trace never takes stay off the lists: the rule cannot place them
        for pfn, (order, _) in free.items():
            if pfn in start_mt:
                self.lists.add_start(pfn, order, start_mt[pfn], rank(pfn))
        self.score = {"takes": 0, "hits": 0, "absent": 0, "inside": 0}
        self.passed = {}  # head -> times the kernel took another block instead

    def predict(self, zone, order, mt):
        for k in range(order, MAX_ORDER + 1):
            pfn = self.lists.first((zone, k, mt))
            if pfn is not None:
                return pfn
        return None

    def take(self, pfn, order, mt):
        found = self.buddy.find(pfn, order)
        self.score["takes"] += 1
        if found is None or found[0] != pfn:  # not a free block's head here: the blocks are wrong
            self.score["absent" if found is None else "inside"] += 1
        else:
            predicted = self.predict(zone_of(pfn), order, mt)
            if predicted == found[0]:
                self.score["hits"] += 1
            elif predicted is not None:
                self.pass_over(predicted)
        self.buddy.take(pfn, order)
        self.follow(mt, lambda head, k: "head")  # expand(): remainders at the head, same list

    def pass_over(self, pfn):
        """A head the kernel passed over three times is not where the lists say (a block the
        snapshot or a silent event got wrong): it leaves the lists, as memsim's repair does."""
        self.passed[pfn] = self.passed.get(pfn, 0) + 1
        if self.passed[pfn] >= 3:
            self.lists.free.pop(pfn, None)
            del self.passed[pfn]

    def put(self, pfn, order, mt):
        self.buddy.put(pfn, order)
        self.follow(mt, lambda head, k: "tail" if merge_likely(self.buddy, head, k) else "head")

    def follow(self, mt, where):
        """Moves the blocks the last take or free removed and added onto the rule's lists."""
        for head in self.buddy.removed:
            self.lists.free.pop(head, None)
        for head in self.buddy.added:
            block = self.buddy.free.get(head)
            if block is not None:
                self.lists.add(head, block[0], mt, where(head, block[0]))
        self.buddy.added.clear()
        self.buddy.removed.clear()

    def event(self, name, f):
        pfn = int(f.get("pfn", "0"), 16)
        if name == "mm_page_alloc_zone_locked":
            self.block_type[pfn >> PAGEBLOCK_ORDER] = f["migratetype"]
            self.take(pfn, int(f["order"]), f["migratetype"])
        elif name == "mm_page_pcpu_drain":
            self.block_type[pfn >> PAGEBLOCK_ORDER] = f["migratetype"]
            self.put(pfn, int(f["order"]), f["migratetype"])
        elif name == "mm_page_free" and int(f["order"]) not in PCP_ORDERS:
            self.put(pfn, int(f["order"]), self.block_type.get(pfn >> PAGEBLOCK_ORDER, "1"))


def merge_likely(buddy, pfn, order):
    """buddy_merge_likely() (Linux 6.18 mm/page_alloc.c): the block goes to the tail when the
    buddy of its parent is free, so that the two are likely to merge soon."""
    if order >= MAX_ORDER - 1:
        return False
    parent = pfn & ~((1 << (order + 1)) - 1)
    block = buddy.free.get(parent ^ (1 << (order + 1)))
    return bool(block) and block[0] == order + 1


def start_types(trace, free, first):
    """{start block head: migratetype of the zone_locked line that first took it}."""
    want = {line: head for head, line in first.items()}
    out = {}
    for number, cpu, name, f in events(trace):
        head = want.get(number)
        if head is not None:
            out[head] = f["migratetype"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("begin")
    parser.add_argument("--json")
    args = parser.parse_args()
    try:
        free = start_blocks(args.begin)
        first = first_takes(args.trace, free)
        mts = start_types(args.trace, free, first)
        never = 1 << 62
        checks = {
            "look-ahead": RuleCheck(free, lambda p: first.get(p, never), mts),
            "ascending pfn": RuleCheck(free, lambda p: p, mts),
        }
        for number, cpu, name, f in events(args.trace):
            for check in checks.values():
                check.event(name, f)
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"list_order_rule.py: {e}")
    report = {name: check.score for name, check in checks.items()}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
