#!/usr/bin/env bash
# Configures and builds sonde into build/ (build/sonde, build/sonde-agent, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SONDE_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_PREFIX_PATH=/usr/lib/llvm-16 ${SONDE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
