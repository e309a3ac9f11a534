#!/usr/bin/env python3
"""Writes traces/golden/compare-mixed.jsonl, the golden trace of `memsim compare`.

A 64 MiB zone of eight 8 MiB regions (pageblock order 10: two pageblocks a region). Short-lived
movable blocks of orders 0-9 churn through up to 12000 of the 16384 pages, freed at random;
every third step a long-lived order 0-2 block of a random migratetype (unmovable, reclaimable
or movable twice as often) is allocated and kept. At the end the churn is freed, so what stays
is the long-lived blocks: where each policy put them. A fixed 64-bit LCG makes the output the
same on every machine. Stdlib only.
"""

import json
import sys

SEED, STEPS, CHURN_PAGES, CHURN_MAX_ORDER, LONG_LIVED_EVERY = 3, 150, 12000, 9, 3
MIGRATETYPES = ["unmovable", "reclaimable", "movable", "movable"]


class Lcg:
    """Knuth's MMIX LCG; the high bits are the random numbers."""

    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


def line(obj):
    return json.dumps(obj, separators=(",", ":"))


def events():
    rng = Lcg(SEED)
    next_id = 1
    churn, churn_pages = [], 0
    for step in range(STEPS):
        if step % LONG_LIVED_EVERY == 0:
            mt = MIGRATETYPES[rng.below(4)]
            yield {"op": "alloc", "id": next_id, "order": rng.below(3), "mt": mt}
            next_id += 1
        order = rng.below(CHURN_MAX_ORDER + 1)
        yield {"op": "alloc", "id": next_id, "order": order, "mt": "movable"}
        churn.append((next_id, order))
        churn_pages += 1 << order
        next_id += 1
        while churn_pages > CHURN_PAGES:
            freed, freed_order = churn.pop(rng.below(len(churn)))
            yield {"op": "free", "id": freed}
            churn_pages -= 1 << freed_order
    yield {"op": "mark", "label": "churn ends"}
    for freed, _ in churn:
        yield {"op": "free", "id": freed}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "traces/golden/compare-mixed.jsonl"
    header = {
        "memsim_trace": 1,
        "zone": {"memory": "64MiB", "region_size": "8MiB", "pageblock_order": 10, "cpus": 1},
        "meta": {"what": "movable churn with long-lived blocks of every migratetype "
                         "(tools/make_compare_golden.py); the golden of memsim compare"},
    }
    with open(out, "w", encoding="ascii") as f:
        f.write(line(header) + "\n")
        for event in events():
            f.write(line(event) + "\n")


if __name__ == "__main__":
    main()
