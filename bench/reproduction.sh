#!/usr/bin/env bash
# The scale of the patchset's experiment (issue 5; docs/reproduction.md, Scale): generates the
# ebizzy model (default: the full 128 GiB, 219 M events) and times `memsim compare` of stock and
# region-aware on it with /usr/bin/time: wall, CPU, peak RSS and events per second per policy.
# Usage: bash bench/reproduction.sh [MEMORY]   (e.g. 32GiB; the trace is kept in
# build/release/bench/traces/ and reused)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench/reproduction.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target memsim
memory=${1:-128GiB}
trace=build/release/bench/traces/ebizzy-$memory.jsonl.zst
mkdir -p "$(dirname "$trace")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
measure() { # label, command...: prints wall, CPU and peak RSS; leaves $wall set
  local label=$1 user sys rss
  shift
  if ! /usr/bin/time -f '%e %U %S %M' -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr"; then
    cat "$out/stderr" >&2
    exit 1
  fi
  read -r wall user sys rss <"$out/time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "%-8s wall %6.1f s  CPU %6.1f s  peak RSS %5.0f MB\n", l, w, u + s, r / 1000 }'
}
[[ -f $trace ]] || measure gen ./build/release/memsim gen ebizzy --set "memory=$memory" -o "$trace"
measure compare ./build/release/memsim compare "$trace" --json "$out/main.json"
python3 - "$out/main.json" "$wall" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
events, wall = runs[0]["trace"]["events"], float(sys.argv[2])
print(f"{events} events x {len(runs)} policies: {events / wall / 1e6:.1f} M events/s per policy")
for r in runs:
    s = r["summary"]
    print(f"  {r['policy']:<14} free regions {s['free_regions']}/{s['regions']}, "
          f"homogeneity {s['homogeneity']:.4f}")
PY
