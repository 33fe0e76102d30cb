#!/usr/bin/env bash
# Builds sonde and passes the whole test suite: unit tests, and end-to-end tests that
# load and attach real BPF programs (root is required for those; never skipped quietly).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: the end-to-end tests load BPF programs and need root; re-running under sudo" >&2
  exec sudo -E "$0" "$@"
fi
# Unit tests in parallel, kernel tests one at a time (they are marked RUN_SERIAL).
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600 "$@"
