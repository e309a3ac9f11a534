#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan, build/fuzz) and runs each
# for a bounded time on its seed corpus tests/fuzz/corpus/<target>/ (read only: new inputs go to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/). Every target runs even when
# one fails; the exit status is 1 if any found a crash, leak, timeout, out-of-memory or broken
# invariant. A finding is replayed with: build/fuzz/tests/fuzz/<target> <artifact>.
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_jsonl fuzz_json_document fuzz_ftrace fuzz_compressed
                                fuzz_config fuzz_engine fuzz_trace_dat fuzz_perfetto
                                fuzz_page_owner fuzz_sweep_spec fuzz_report fuzz_proc_snapshot
                                fuzz_power)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"${JOBS:-2}" --target "${targets[@]}"

mkdir -p build/fuzz/artifacts
# Each input goes through a scratch file (tests/fuzz/fuzz_support.hpp): on tmpfs when there is
# one, which runs the reader targets about 15 times faster than a disk-backed /tmp here.
if [[ -z ${MEMSIM_FUZZ_TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then
  MEMSIM_FUZZ_TMPDIR=/dev/shm
fi
export TMPDIR=${MEMSIM_FUZZ_TMPDIR:-${TMPDIR:-/tmp}}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks of system libraries (libtracecmd) that memsim cannot free: tests/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
failed=()
for target in "${targets[@]}"; do
  work=build/fuzz/corpus/$target
  mkdir -p "$work"
  echo "== $target: ${seconds}s"
  # -timeout: seconds per input; -rss_limit_mb: also the malloc limit; -max_len: 64 KiB inputs.
  if ! build/fuzz/tests/fuzz/"$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$target-" \
      "$work" "tests/fuzz/corpus/$target" 2>"build/fuzz/$target.log"; then
    failed+=("$target")
    tail -n 60 "build/fuzz/$target.log"
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done ' "build/fuzz/$target.log" || true
done

if ((${#failed[@]})); then
  echo "fuzz.sh: findings in: ${failed[*]} (artifacts in build/fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${seconds}s each, no finding"
