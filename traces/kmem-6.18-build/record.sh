#!/bin/bash
# How traces/kmem-6.18-build was recorded: `memsim record --events buddy` (the buddy-level,
# compaction and migration events, both /proc snapshots) while g++ -O2 compiles four memsim
# sources of a scratch copy of the repository. Run as root from the repository, with memsim built:
#   flock /tmp/tracefs.lock bash traces/kmem-6.18-build/record.sh OUT
# OUT is the bundle directory (new or empty); traces/README.md says how the excerpt was cut.
set -euo pipefail
OUT=${1:?bundle directory}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
cp -r "$REPO/src" "$REPO/include" "$SCRATCH/"
FILES="src/trace/start_state.cpp src/policy/recorded.cpp src/cli/common_options.cpp src/report/report_tables.cpp"
"$REPO/build/ci/memsim" record -o "$OUT" --events buddy --buffer-kb 131072 -- \
  bash -c "cd $SCRATCH && for f in $FILES; do g++ -O2 -std=c++20 -Iinclude -Isrc -isystem /usr/include/trace-cmd -isystem /usr/include/tracefs -isystem /usr/include/traceevent -c \$f -o \$(basename \$f .cpp).o; done"
