#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build, and run
# a one-line probe that prints a live table of kernel timer callbacks every 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" ./build/sonde run -e 'on tracepoint:timer:timer_start count by ksym(func)' \
  --interval 2s --duration "${SONDE_DEMO_DURATION:-10s}" --top 15
