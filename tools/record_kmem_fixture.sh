#!/usr/bin/env bash
# Records the real fixture of traces/kmem-6.18/ (traces/kmem-6.18/README.md): one short workload
# traced at once by tracefs (then `trace-cmd extract` to trace.dat, v7 zstd, and `trace-cmd
# convert` to v6, and `trace-cmd report` to text) and by `perf record -a` (then `perf script`,
# cut to the events tracefs recorded: tools/cut_perf_script.py), with trace_clock set to `perf`, the clock perf stamps with (perf takes its time a few µs later);
# the Perfetto file is made from the text by tools/text_to_perfetto.py. As root, with tracefs,
# trace-cmd and linux-perf; holds /tmp/tracefs.lock and restores every tracefs setting it changes.
# Usage: tools/record_kmem_fixture.sh OUT_DIR
set -euo pipefail
out=$(realpath -m "${1:?usage: $0 OUT_DIR}")
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
T=/sys/kernel/tracing
events=(kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched
        kmem/mm_page_alloc_zone_locked kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag
        compaction/mm_compaction_begin compaction/mm_compaction_end
        compaction/mm_compaction_isolate_freepages compaction/mm_compaction_fast_isolate_freepages
        migrate/mm_migrate_pages)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record() {
  mountpoint -q $T || mount -t tracefs nodev $T
  local clock buffer
  clock=$(sed -E 's/.*\[(.*)\].*/\1/' $T/trace_clock)
  buffer=$(sed -E 's/.*expanded: ([0-9]+).*/\1/; s/^([0-9]+).*/\1/' $T/buffer_size_kb)
  restore() {
    echo 0 >$T/tracing_on
    for e in "${events[@]}"; do echo 0 >"$T/events/$e/enable"; done
    echo "$clock" >$T/trace_clock; echo "$buffer" >$T/buffer_size_kb; echo >$T/trace
    echo 1 >$T/tracing_on
  }
  trap restore EXIT
  echo 0 >$T/tracing_on; echo >$T/trace
  echo perf >$T/trace_clock; echo 16384 >$T/buffer_size_kb
  for e in "${events[@]}"; do echo 1 >"$T/events/$e/enable"; done
  local perf_events=()
  for e in "${events[@]}"; do perf_events+=(-e "${e/\//:}"); done
  perf record -q "${perf_events[@]}" -a -o "$work/perf.data" &
  local perf_pid=$!
  sleep 2
  echo 1 >$T/tracing_on
  # The workload: 2 MiB of page cache in tmpfs, written and removed, and a compaction of all
  # zones (compaction, migration and buddy-level events).
  sh -c 'head -c 2M /dev/urandom >/dev/shm/memsim-fixture; rm /dev/shm/memsim-fixture'
  echo 1 >/proc/sys/vm/compact_memory
  echo 0 >$T/tracing_on
  sleep 1
  kill -INT "$perf_pid"; wait "$perf_pid" || true
  grep -H -E 'overrun|dropped' $T/per_cpu/cpu*/stats
  # kallsyms only resolves the print event's ip: keep its function (and the next, its end), so the
  # file stays small (the whole table is 5 MB).
  grep -w -A1 tracing_mark_write /proc/kallsyms >"$work/kallsyms"
  (cd "$work" && unshare -m sh -c "mount --bind $work/kallsyms /proc/kallsyms &&
                                   trace-cmd extract -o $out/trace.dat >/dev/null")
  restore
  trap - EXIT
}

export -f record
export T out work
export events_list="${events[*]}"
flock /tmp/tracefs.lock bash -c "events=(\$events_list); $(declare -f record); record"

trace-cmd convert --file-version 6 --compression none -i "$out/trace.dat" -o "$work/trace-v6.dat"
xz -9e -c "$work/trace-v6.dat" >"$out/trace-v6.dat.xz"
trace-cmd report "$out/trace.dat" >"$work/trace-cmd-report.txt"
xz -9e -c "$work/trace-cmd-report.txt" >"$out/trace-cmd-report.txt.xz"
# perf's window holds tracefs's: keep the events tracefs recorded too.
perf script -i "$work/perf.data" >"$work/perf-all.txt"
python3 "$repo/tools/cut_perf_script.py" "$work/perf-all.txt" "$work/trace-cmd-report.txt" \
  >"$work/perf-script.txt"
xz -9e -c "$work/perf-script.txt" >"$out/perf-script.txt.xz"
python3 "$repo/tools/text_to_perfetto.py" "$work/trace-cmd-report.txt" "$out/trace.pftrace" \
  --gfp-format "$T/events/kmem/mm_page_alloc/format" --compress
cp "$T/events/kmem/mm_page_alloc/format" "$out/mm_page_alloc.format"
wc -l "$work/trace-cmd-report.txt" "$work/perf-script.txt"
ls -l "$out"
