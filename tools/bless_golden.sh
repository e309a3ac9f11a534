#!/usr/bin/env bash
# Re-records the expected stats and placements of every trace in traces/golden/ with the
# memsim binary given (default build/release/memsim). Review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
memsim=${1:-build/release/memsim}
for trace in traces/golden/*; do
  case "$trace" in *.stats.json|*.placements.jsonl) continue ;; esac
  name=$(basename "$trace"); stem=${name%%.*}
  "$memsim" replay "$trace" --check --json "traces/golden/$stem.stats.json" \
    --placements "traces/golden/$stem.placements.jsonl"
  echo "blessed $stem"
done
