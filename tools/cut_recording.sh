#!/bin/bash
# Cuts the repository's excerpt of a `memsim record` bundle (traces/README.md, the kmem-6.18-*
# directories): the trace's first LINES lines as trace-head.txt.xz, the begin snapshot whole and
# the end snapshot's text files as proc-snapshots.tar.xz, and the bundle's meta.json.
#   tools/cut_recording.sh BUNDLE OUT_DIR [LINES]   (LINES default 150000)
set -euo pipefail
BUNDLE=${1:?bundle directory}
OUT=${2:?output directory}
LINES=${3:-150000}
mkdir -p "$OUT"
zstdcat "$BUNDLE/trace.txt.zst" | head -n "$LINES" | xz -9e > "$OUT/trace-head.txt.xz" || true
[ "$(xzcat "$OUT/trace-head.txt.xz" | wc -l)" -ge 1 ] || { echo "$OUT/trace-head.txt.xz: empty" >&2; exit 1; }
ends=$(cd "$BUNDLE" && ls end | grep -v '^kpage' | sed 's|^|end/|')
tar -C "$BUNDLE" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - begin $ends |
  xz -9e > "$OUT/proc-snapshots.tar.xz"
cp "$BUNDLE/meta.json" "$OUT/meta.json"
