#!/usr/bin/env python3
"""Tables of docs/reproduction.md from `memsim compare --json` output of an ebizzy trace.

usage: tools/ebizzy_report.py COMPARE.json [--curve N] [--regions]

Prints, per run: free regions at the marks `ebizzy start` and `ebizzy end` (and at the end of
the trace), the minimum during the run, homogeneity, mixed regions and fallbacks; with --curve
N, the free-regions curve at N evenly spaced timeline samples; with --regions, the per-region
pageblock types (u/r/m/v counts, run-length encoded over the regions).
"""
import json
import sys


def at_mark(run, label):
    for s in run["timeline"]:
        if s.get("label") == label:
            return s["free_regions"]
    return None


def summary_table(runs):
    print("| run | free at start | min during run | free at end | homogeneity | mixed regions "
          "| fallbacks (fragmenting) | pageblock retypes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        tl = r["timeline"]
        start = next(i for i, s in enumerate(tl) if s.get("label") == "ebizzy start")
        run_min = min(s["free_regions"] for s in tl[start:])
        s = r["summary"]
        retypes = sum(r["fallbacks"]["pageblock_retypes"].values())
        print(f"| {r['policy']} | {at_mark(r, 'ebizzy start')} | {run_min} | "
              f"{s['free_regions']} | {s['homogeneity']:.4f} | {s['mixed_regions']} | "
              f"{r['fallbacks']['total']} ({r['fallbacks']['fragmenting']}) | {retypes} |")


def curve(runs, n):
    for r in runs:
        tl = r["timeline"]
        start = next(i for i, s in enumerate(tl) if s.get("label") == "ebizzy start")
        part = tl[start:]
        step = max(1, len(part) // n)
        values = [str(s["free_regions"]) for s in part[::step]]
        values.append(str(part[-1]["free_regions"]))
        print(f"{r['policy']}: {' '.join(values)}")


def regions(runs):
    for r in runs:
        rows = []
        for g in r["regions"]:
            pb = g["pageblocks"]
            key = (f"{pb['unmovable']}u {pb['reclaimable']}r {pb['movable']}m"
                   + (f" {pb['reserve']}v" if pb["reserve"] else "")
                   + (" free" if g["free_pages"] == g["pages"] else " used"))
            if rows and rows[-1][2] == key:
                rows[-1][1] = g["index"]
            else:
                rows.append([g["index"], g["index"], key])
        text = ", ".join(f"R{a}" + (f"-R{b}" if b != a else "") + f": {k}" for a, b, k in rows)
        print(f"{r['policy']}: {text}")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    runs = json.load(open(args[0]))["runs"]
    summary_table(runs)
    if "--curve" in args:
        print()
        curve(runs, int(args[args.index("--curve") + 1]))
    if "--regions" in args:
        print()
        regions(runs)


if __name__ == "__main__":
    main()
