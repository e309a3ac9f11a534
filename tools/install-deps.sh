#!/usr/bin/env bash
# Installs memsim's build and test dependencies on Debian 12 (run as root, or with sudo).
# Idempotent: when every package is already installed it does nothing (no apt-get update).
# Used by the README's set-up commands and by .ci/run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcli11-dev libfmt-dev nlohmann-json3-dev catch2 libsimdjson-dev libabsl-dev
  zlib1g-dev libzstd-dev liblzma-dev xz-utils zstd python3 clang-format
  libtracecmd-dev libtraceevent-dev libtracefs-dev  # trace.dat input (libtracecmd.pc needs tracefs)
  trace-cmd linux-perf      # recording tests: trace-cmd extract, perf record / perf script
  clang libclang-rt-14-dev  # libFuzzer for tools/fuzz.sh (clang 14 and its runtime)
  chromium                  # the [browser] test of the HTML report
  parallel slurm-wlm munge  # memsim sweep on GNU parallel and Slurm (tests, tools/slurm-local.sh)
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
# env, not export: sudo would drop an exported DEBIAN_FRONTEND.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
