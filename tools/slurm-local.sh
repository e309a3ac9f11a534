#!/usr/bin/env bash
# The sweep acceptance run on real cluster engines (docs/sweep.md): one sweep of 2 traces x 8
# policy entries x 2 region sizes run by `memsim sweep` on this machine, through GNU parallel
# with --sshloginfile, and as a Slurm job array on a single-node Slurm that this script configures
# and starts on localhost (munged, slurmctld, slurmd as root, no cgroups: proctrack/linuxproc,
# task/none); then the three merged sweep.csv (and every run file) are compared byte for byte and
# the wall time of each engine is printed. Everything lives in a fresh temporary directory; the
# daemons started here are stopped by their pids on exit.
# Exit status: 0 identical; 1 a difference or a failure; 77 skipped: GNU parallel, Slurm or munge
# is missing or cannot start here (the reason is printed, and written to $STAGE_NOTE when set).
# Usage: tools/slurm-local.sh [MEMSIM]   (default build/ci/memsim, built with the ci preset if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

memsim=${1:-build/ci/memsim}
if [[ ! -x $memsim ]]; then
  cmake --preset ci >/dev/null
  cmake --build --preset ci -j"${JOBS:-2}" --target memsim
fi
memsim=$(realpath "$memsim")

work=$(mktemp -d /tmp/memsim-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n ${KEEP_SLURM_WORK:-} ]]; then echo "slurm-local: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

skip() {
  echo "slurm-local: SKIPPED: $*"
  if [[ -n ${STAGE_NOTE:-} ]]; then printf '%s\n' "$*" >"$STAGE_NOTE"; fi
  exit 77
}
fail() {
  echo "slurm-local: FAILED: $*" >&2
  exit 1
}
show_logs() {
  local file
  for file in "$@"; do
    [[ -f $file ]] || continue
    echo "--- $file (last lines)"
    tail -n 15 "$file"
  done
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The sweep: a small generated trace and the hand-written quickstart, 8 policy entries (stock,
# a 2x2 grid of region-aware switches, three single ablations), 2 region sizes: 32 runs.
"$memsim" gen random -o "$work/gen.jsonl.zst" --seed 7 --set events=200000 --set memory=256MiB \
  --set region_size=16MiB 2>/dev/null
cat >"$work/spec.json" <<EOF
{"memsim_sweep": 1,
 "traces": [{"path": "gen.jsonl.zst"}, {"path": "$root/traces/quickstart.jsonl"}],
 "policies": ["stock",
              {"name": "region-aware", "grid": {"lower_region_bias": [true, false], "ra_cache": [true, false]}},
              "region-aware:sorted_freelists=false", "region-aware:loan_only_stealing=false",
              "region-aware:retype_regions=false"],
 "set": {"zone.region_size": ["8MiB", "16MiB"]},
 "resources": {"cpus": 1, "mem": "256M", "time": "00:05:00"}}
EOF
spec=$work/spec.json
declare -A seconds

echo "== local: memsim sweep $spec -o $work/local"
start=$(now)
"$memsim" sweep "$spec" -o "$work/local" 2>"$work/local.log" || { cat "$work/local.log"; fail "local sweep"; }
seconds[local]=$(elapsed "$start")

command -v parallel >/dev/null || skip "GNU parallel is not installed (Debian package parallel)"
echo "== GNU parallel: memsim sweep --emit parallel | parallel --sshloginfile (this host, 2 slots)"
printf '2/:\n' >"$work/hosts"
start=$(now)
"$memsim" sweep "$spec" -o "$work/parallel" --emit parallel >"$work/jobs.txt"
(cd / && parallel --will-cite --halt now,fail=1 --sshloginfile "$work/hosts" <"$work/jobs.txt") \
  >"$work/parallel.log" 2>&1 || { tail -n 20 "$work/parallel.log"; fail "GNU parallel run"; }
"$memsim" sweep --merge "$work/parallel"
seconds[parallel]=$(elapsed "$start")

for program in munged slurmctld slurmd sbatch sinfo; do
  command -v "$program" >/dev/null || skip "$program is not installed (Debian packages slurm-wlm, munge)"
done

# munged with its own key and socket.
mkdir -p "$work/munge"
chmod 755 "$work/munge"
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 600 "$work/munge/munge.key"
munged -F --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" >"$work/munge/stdout" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $work/munge/socket ]] && break; sleep 0.2; done
[[ -S $work/munge/socket ]] || { show_logs "$work/munge/stdout"; skip "munged did not start"; }

# A one-node cluster on localhost, state and logs under $work, ports picked at random.
node=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
mkdir -p "$work/slurm/state" "$work/slurm/spool"
export SLURM_CONF=$work/slurm/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=memsim
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/slurmctld.log
SlurmdLogFile=$work/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=memsim Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$work/slurm/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$work/slurm/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 60); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [[ $state == idle* ]] && break
  sleep 0.5
done
if [[ $state != idle* ]]; then
  show_logs "$work/slurm/slurmctld.out" "$work/slurm/slurmd.out" "$work/slurm/slurmctld.log" \
    "$work/slurm/slurmd.log"
  why=$(cat "$work/slurm/slurmd.out" "$work/slurm/slurmd.log" 2>/dev/null | grep -m1 -E 'fatal|error' || true)
  skip "slurmctld/slurmd did not bring node $node up (state '${state:-none}'${why:+; slurmd: $why})"
fi
echo "== Slurm: memsim sweep --emit slurm | sbatch (node $node: $(nproc) CPUs)"
start=$(now)
"$memsim" sweep "$spec" -o "$work/slurm-sweep" --emit slurm >"$work/job.sh"
grep -q '^#SBATCH --array=0-31$' "$work/job.sh" || fail "the emitted script has no --array=0-31"
job=$(sbatch --parsable "$work/job.sh") || fail "sbatch refused the emitted script"
# Polled here: sbatch --wait polls at growing intervals, which would double the time measured.
for _ in $(seq 960); do
  [[ -z $(squeue -h -j "$job" -t PENDING,RUNNING,COMPLETING,CONFIGURING 2>/dev/null) ]] && break
  sleep 0.25
done
completed=$(scontrol -o show job "$job" | grep -c 'JobState=COMPLETED' || true)
if [[ $completed != 32 ]]; then
  show_logs "$work"/slurm-sweep/logs/* "$work/slurm/slurmd.log"
  fail "the Slurm job array: $completed of 32 tasks completed"
fi
"$memsim" sweep --merge "$work/slurm-sweep"
seconds[slurm]=$(elapsed "$start")

for engine in parallel slurm-sweep; do
  cmp "$work/local/sweep.csv" "$work/$engine/sweep.csv" || fail "$engine/sweep.csv differs"
  for file in "$work"/local/runs/*.json; do
    cmp -s "$file" "$work/$engine/runs/${file##*/}" || fail "$engine/runs/${file##*/} differs"
  done
done
echo "slurm-local: the 32-run sweep gives the same sweep.csv and run files locally, through"
echo "  GNU parallel and through a Slurm job array; wall time (s): local ${seconds[local]}," \
  "parallel ${seconds[parallel]}, slurm ${seconds[slurm]}"
