#!/usr/bin/env python3
"""Keeps the lines of a `perf script` text whose events a tracefs recording of the same moment
also holds (tools/record_kmem_fixture.sh): perf recorded from before tracefs started to after it
stopped, and each CPU's tracefs events are one contiguous run of that CPU's perf events (the
same tracepoint hits, in the same order; perf stamps its own, slightly later, times, so the
window cannot be cut by time).

Usage: tools/cut_perf_script.py PERF_SCRIPT.txt TRACE_CMD_REPORT.txt > OUT.txt
"""
import re
import sys

EVENT = re.compile(r"\[(\d+)\]\s+\d+\.\d+:\s+(?:\d+\s+)?(?:\w+:)?(\w+):\s+(.*)$")


def events(path):
    out = []
    for number, line in enumerate(open(path)):
        m = EVENT.search(line.rstrip("\n"))
        if m:
            fields = re.sub(r"page=\S+ ", "", re.sub(r"\s+", " ", m[3]))
            out.append((int(m[1]), (m[2], fields), number, line))
    return out


def main():
    perf, ftrace = events(sys.argv[1]), events(sys.argv[2])
    keep = set()
    for cpu in sorted({e[0] for e in ftrace}):
        want = [e[1] for e in ftrace if e[0] == cpu]
        have = [e for e in perf if e[0] == cpu]
        keys = [e[1] for e in have]
        starts = [i for i in range(len(keys) - len(want) + 1) if keys[i:i + len(want)] == want]
        if len(starts) != 1:
            sys.exit(f"cut_perf_script: CPU {cpu}: the tracefs events are found {len(starts)} "
                     f"times in perf's, not once")
        keep.update(e[2] for e in have[starts[0]:starts[0] + len(want)])
    sys.stdout.writelines(e[3] for e in perf if e[2] in keep)


if __name__ == "__main__":
    main()
