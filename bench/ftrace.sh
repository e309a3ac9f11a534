#!/usr/bin/env bash
# Import and direct-replay speed on kmem ftrace text, in trace lines per second (issue 4: at
# least 5 M lines/s on uncompressed input). Builds the release preset, then times the reader
# and a direct replay (memsim_bench --ftrace) and `memsim import ftrace` to a file.
# Usage: bash bench/ftrace.sh [TRACE.txt]   (default: the shared mixed-1g-smp2 recording,
# decompressed once to build/release/bench/traces/)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target memsim memsim_bench
trace=${1:-}
if [[ -z $trace ]]; then
  source=../shared/traces/mixed-1g-smp2/trace.txt.xz
  [[ -f $source ]] || { echo "bench/ftrace.sh: give a trace (no $source)" >&2; exit 1; }
  trace=build/release/bench/traces/mixed-1g-smp2.txt
  mkdir -p "$(dirname "$trace")"
  [[ -f $trace ]] || xz -dc "$source" >"$trace"
fi
lines=$(wc -l <"$trace")
cat "$trace" >/dev/null # page cache warm, as for the runs below
./build/release/bench/memsim_bench --ftrace "$trace"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for target in jsonl jsonl.zst; do
  start=$(date +%s.%N)
  ./build/release/memsim import ftrace "$trace" -o "$out/out.$target" 2>/dev/null
  awk -v s="$start" -v e="$(date +%s.%N)" -v n="$lines" -v t="$target" \
    -v b="$(stat -c %s "$out/out.$target")" \
    'BEGIN { printf "  import to .%s: %.2f s: %.1f M lines/s (%d bytes written)\n", t, e - s, n / (e - s) / 1e6, b }'
done
