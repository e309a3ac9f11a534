#!/bin/bash
# How traces/kmem-6.18 was recorded (docs/decisions.md "Ground truth"): the kmem, compaction and
# migrate events of this machine's kernel through tracefs, a /proc snapshot right before tracing
# starts (begin/) and right after it stops (end/), a short workload in between, and every tracefs
# setting restored. Run as root under the tracefs lock:
#   flock /tmp/tracefs.lock bash record.sh OUT [MiB]
# MiB (default 256) sizes the workload's anonymous and page-cache phases (the THP phase is half).
set -euo pipefail
OUT=${1:?output directory}
MIB=${2:-256}
T=/sys/kernel/tracing
EVENTS="kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched kmem/mm_page_alloc_zone_locked
kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag compaction/mm_compaction_begin
compaction/mm_compaction_end compaction/mm_compaction_isolate_freepages
compaction/mm_compaction_fast_isolate_freepages migrate/mm_migrate_pages"
mkdir -p "$OUT/begin" "$OUT/end"

old_on=$(cat $T/tracing_on)
old_size=$(cat $T/buffer_size_kb)
old_clock=$(sed 's/.*\[\(.*\)\].*/\1/' $T/trace_clock)
old_events=$(cat $T/set_event)
restore() {
  echo 0 > $T/tracing_on
  for e in $EVENTS; do echo 0 > $T/events/$e/enable; done
  echo > $T/set_event
  for e in $old_events; do echo "$e" >> $T/set_event; done
  echo "$old_clock" > $T/trace_clock
  echo "$old_size" > $T/buffer_size_kb
  echo > $T/trace
  echo "$old_on" > $T/tracing_on
}
trap restore EXIT
trap 'exit 1' INT TERM

# The pfns of every zone's span: the dumps cover [0, highest zone end).
end_pfn=$(awk '/^Node/ {start=0} /spanned/ {span=$2} /start_pfn:/ {e=$2+span; if (e>m) m=e} END {print m}' /proc/zoneinfo)

snapshot() {
  local dir=$1
  dd if=/proc/kpageflags of="$dir/kpageflags.bin" bs=4M iflag=count_bytes count=$((end_pfn * 8)) status=none &
  local flags=$!
  dd if=/proc/kpagecount of="$dir/kpagecount.bin" bs=4M iflag=count_bytes count=$((end_pfn * 8)) status=none
  wait $flags
  for f in buddyinfo pagetypeinfo zoneinfo vmstat meminfo cmdline; do cat /proc/$f > "$dir/$f"; done
  uname -r > "$dir/version"
}

echo 0 > $T/tracing_on
echo mono > $T/trace_clock
echo 65536 > $T/buffer_size_kb
echo > $T/trace
for e in $EVENTS; do echo 1 > $T/events/$e/enable; done
for e in $EVENTS; do echo "name: ${e#*/}"; grep '^print fmt' $T/events/$e/format; done > "$OUT/event_formats.txt"
cat $T/trace_pipe > "$OUT/trace.txt" &
reader=$!

snapshot "$OUT/begin"
echo 1 > $T/tracing_on
echo "memsim workload anon" > $T/trace_marker
python3 -c "b = bytearray($MIB << 20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(1)"
echo "memsim workload pagecache" > $T/trace_marker
dd if=/dev/zero of="$OUT/scratch" bs=1M count=$MIB status=none
cat "$OUT/scratch" > /dev/null
rm -f "$OUT/scratch"
echo "memsim workload thp" > $T/trace_marker
python3 -c "
import mmap, time
m = mmap.mmap(-1, ($MIB // 2) << 20)
m.madvise(mmap.MADV_HUGEPAGE)
for i in range(0, len(m), 4096): m[i] = 1
time.sleep(0.5)"
echo "memsim workload compact" > $T/trace_marker
echo 1 > /proc/sys/vm/compact_memory
echo 0 > $T/tracing_on
snapshot "$OUT/end"
# trace_pipe ends by itself once tracing is off and the buffer is empty.
sleep 2
kill $reader 2>/dev/null || true
wait $reader 2>/dev/null || true
for cpu in $T/per_cpu/cpu*; do echo "== ${cpu##*/}"; cat $cpu/stats; done > "$OUT/ring-buffer-stats.txt"
