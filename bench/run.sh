#!/usr/bin/env bash
# Builds the release preset and runs memsim_bench with its default sizes (10 million events on
# a 16 GiB and a 256 GiB zone, plus a 1 TiB initialisation), printing the Markdown table of
# docs/spec.md §6's numbers. Extra arguments go to memsim_bench (e.g. --json bench.json, --policy NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target memsim_bench
exec ./build/release/bench/memsim_bench "$@"
