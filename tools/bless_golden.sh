#!/usr/bin/env bash
# Re-records the expected outputs of every trace in traces/golden/ with the memsim binary given
# (default build/release/memsim), under every policy of the registry that decides placements
# (`memsim policies --names --simulated`):
# STEM.stats.json and STEM.placements.jsonl from `replay` under the default policy (the first
# row), STEM.POLICY.stats.json and STEM.POLICY.placements.jsonl under each other one, and for a
# trace named compare-* also STEM.compare.json from `compare` (default policies).
# Review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
memsim=${1:-build/release/memsim}
mapfile -t policies < <("$memsim" policies --names --simulated)
for trace in traces/golden/*; do
  case "$trace" in *.stats.json|*.placements.jsonl|*.compare.json) continue ;; esac
  name=$(basename "$trace"); stem=${name%%.*}
  for policy in "${policies[@]}"; do
    suffix=".$policy"
    [[ $policy == "${policies[0]}" ]] && suffix=""
    "$memsim" replay "$trace" --policy "$policy" --check \
      --json "traces/golden/$stem$suffix.stats.json" \
      --placements "traces/golden/$stem$suffix.placements.jsonl"
    echo "blessed $stem ($policy)"
  done
  case "$name" in compare-*)
    "$memsim" compare "$trace" --check --json "traces/golden/$stem.compare.json"
    echo "blessed $stem (compare)" ;;
  esac
done
