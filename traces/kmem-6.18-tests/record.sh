#!/bin/bash
# How traces/kmem-6.18-tests was recorded: `memsim record --events buddy` while a subset of
# memsim's own test suite runs (the [trace] tests, none of which uses tracefs; ~20 s). Run as root
# from the repository, with memsim and memsim_tests built:
#   flock /tmp/tracefs.lock bash traces/kmem-6.18-tests/record.sh OUT
set -euo pipefail
OUT=${1:?bundle directory}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
"$REPO/build/ci/memsim" record -o "$OUT" --events buddy --buffer-kb 131072 -- \
  bash -c "cd $REPO && ./build/ci/tests/memsim_tests '[trace]' > /dev/null"
