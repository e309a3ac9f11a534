#!/usr/bin/env bash
# Re-records the expected outputs of every trace in traces/golden/ with the memsim binary given
# (default build/release/memsim): STEM.stats.json and STEM.placements.jsonl from `replay`, and
# for a trace named compare-* also STEM.compare.json from `compare` (default policies).
# Review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
memsim=${1:-build/release/memsim}
for trace in traces/golden/*; do
  case "$trace" in *.stats.json|*.placements.jsonl|*.compare.json) continue ;; esac
  name=$(basename "$trace"); stem=${name%%.*}
  "$memsim" replay "$trace" --check --json "traces/golden/$stem.stats.json" \
    --placements "traces/golden/$stem.placements.jsonl"
  echo "blessed $stem"
  case "$name" in compare-*)
    "$memsim" compare "$trace" --check --json "traces/golden/$stem.compare.json"
    echo "blessed $stem (compare)" ;;
  esac
done
