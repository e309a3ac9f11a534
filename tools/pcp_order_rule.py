#!/usr/bin/env python3
"""Tests a rule for the per-CPU lists that a replay can know (docs/fidelity.md "6.18
recordings"): each list (cpu, order, type) is a deque; a free puts the page at its head
(free_frozen_page_commit), a refill at its tail (rmqueue_bulk), an allocation takes the head
(__rmqueue_pcplist) and a drain the tail (free_pcppages_bulk). Which list a freed page joins is
its pageblock's type, read by look-ahead from the decision that later takes it off (an
allocation's request type, types >= 3 on the movable list; a drain's migratetype); a page the
trace never takes off is left out; pages on the lists since the begin snapshot sit between,
ordered by the line that takes them off (allocations from the head in line order, then drains
from the tail). Counts, for every per-CPU decision
(mm_page_alloc of orders 0-3 and 9, mm_page_pcpu_drain), whether the page the rule names is the
one the kernel handed out (the head of its CPU's list of the request's type) or drained (the
tail of the list holding the drained page: which list a drain visits is not checked).

Usage: tools/pcp_order_rule.py TRACE [--json OUT.json]
"""
import argparse
import json
import sys
from collections import deque

from agreement_misses import PCP_ORDERS, events, list_type, zone_of


def decisions(trace):
    """Every per-CPU event as (line, cpu, kind, pfn, order, list type); kind: free, refill,
    alloc, drain."""
    out = []
    for number, cpu, name, f in events(trace):
        pfn = int(f.get("pfn", "0"), 16)
        if name == "mm_page_alloc_zone_locked" and f.get("percpu_refill") == "1":
            out.append((number, cpu, "refill", pfn, int(f["order"]), list_type(f["migratetype"])))
        elif name == "mm_page_free" and int(f["order"]) in PCP_ORDERS:
            out.append((number, cpu, "free", pfn, int(f["order"]), None))
        elif name == "mm_page_alloc" and int(f["order"]) in PCP_ORDERS:
            out.append((number, cpu, "alloc", pfn, int(f["order"]), list_type(f["migratetype"])))
        elif name == "mm_page_pcpu_drain":
            out.append((number, cpu, "drain", pfn, int(f["order"]), f["migratetype"]))
    return out


def look_ahead(events_list):
    """The list of every free and refill the trace takes off again (a free's from the decision
    taking the page off next) and the start pages: those taken off before any entry."""
    exit_type, pending, start = {}, {}, []
    for i in range(len(events_list) - 1, -1, -1):
        number, cpu, kind, pfn, order, mt = events_list[i]
        if kind in ("alloc", "drain"):
            pending[pfn] = (mt, cpu)  # the next decision taking the page off
        elif pfn in pending:  # a free or refill whose page the trace takes off again
            exit_mt = pending.pop(pfn)[0]
            exit_type[i] = exit_mt if kind == "free" else mt
    seen = set()
    for number, cpu, kind, pfn, order, mt in events_list:
        if kind in ("free", "refill"):
            seen.add(pfn)
        elif pfn not in seen:
            start.append((number, cpu, kind, pfn, order, mt))
        else:
            seen.discard(pfn)
    return exit_type, start


def initial_lists(start):
    """The start pages' deques: allocated ones first (in line order), then drained ones (the
    first drained last). Entries are (pfn, serial); where[pfn] = (list key, serial)."""
    lists, where = {}, {}
    allocs = [e for e in start if e[2] == "alloc"]
    drains = [e for e in reversed(start) if e[2] == "drain"]
    for serial, (number, cpu, kind, pfn, order, mt) in enumerate(allocs + drains):
        key = (cpu, zone_of(pfn), order, mt)
        lists.setdefault(key, deque()).append((pfn, serial))
        where[pfn] = (key, serial)
    return lists, where


def run(trace):
    evs = decisions(trace)
    exit_type, start = look_ahead(evs)
    lists, where = initial_lists(start)
    serial = len(where)
    score = {"alloc": [0, 0], "drain": [0, 0]}
    for i, (number, cpu, kind, pfn, order, mt) in enumerate(evs):
        if kind in ("free", "refill"):
            if i not in exit_type:
                # never taken off: it cannot be at the end of a list the kernel takes from, and a
                # free may not have reached a list at all (pcp trylock failure: free_one_page)
                where.pop(pfn, None)
                continue
            serial += 1
            key = (cpu, zone_of(pfn), order, exit_type[i])
            pages = lists.setdefault(key, deque())
            pages.appendleft((pfn, serial)) if kind == "free" else pages.append((pfn, serial))
            where[pfn] = (key, serial)
            continue
        # an allocation asks the list of its CPU and request type; a drain is scored on the list
        # holding the page (which list free_pcppages_bulk visits next is not checked here)
        key = (cpu, zone_of(pfn), order, mt)
        if kind == "drain" and pfn in where:
            key = where[pfn][0]
        pages = lists.get(key, deque())
        end = 0 if kind == "alloc" else -1
        while pages and where.get(pages[end][0]) != (key, pages[end][1]):
            pages.popleft() if kind == "alloc" else pages.pop()
        score[kind][0] += 1
        if pages and pages[end][0] == pfn:
            score[kind][1] += 1
        where.pop(pfn, None)
    return {kind: {"decisions": n, "hits": h} for kind, (n, h) in score.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--json")
    args = parser.parse_args()
    try:
        report = run(args.trace)
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"pcp_order_rule.py: {e}")
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
