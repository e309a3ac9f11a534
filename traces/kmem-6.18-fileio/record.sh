#!/bin/bash
# How traces/kmem-6.18-fileio was recorded: `memsim record --events buddy` while 1 GiB of files
# is written (four 256 MiB files on the root file system), synced, the page cache dropped, the
# files read back, memory compacted once and the files removed. Run as root from the repository:
#   flock /tmp/tracefs.lock bash traces/kmem-6.18-fileio/record.sh OUT [SCRATCH_DIR]
# drop_caches and compact_memory are one-shot writes: nothing to restore.
set -euo pipefail
OUT=${1:?bundle directory}
DIR=${2:-/var/tmp}/memsim-fileio.$$
REPO=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
"$REPO/build/ci/memsim" record -o "$OUT" --events buddy --buffer-kb 131072 -- bash -c "
  for i in 1 2 3 4; do dd if=/dev/urandom of=$DIR/f\$i bs=1M count=256 status=none; done
  sync; echo 3 > /proc/sys/vm/drop_caches
  for i in 1 2 3 4; do cat $DIR/f\$i > /dev/null; done
  echo 1 > /proc/sys/vm/compact_memory
  rm -f $DIR/f1 $DIR/f2 $DIR/f3 $DIR/f4"
