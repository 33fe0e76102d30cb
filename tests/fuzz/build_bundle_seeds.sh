#!/usr/bin/env bash
# build_bundle_seeds.sh SONDE EXAMPLES_DIR OUT_DIR: one bundle per example, and one
# holding several (examples whose metric names differ: a bundle exports a name once), as
# seeds for fuzz_bundle.
set -euo pipefail
sonde=$1 examples=$2 out=$3
mkdir -p "$out"
for f in "$examples"/*.sonde; do
  "$sonde" build "$f" -o "$out/$(basename "$f" .sonde).bundle"
done
"$sonde" build "$examples"/timers.sonde "$examples"/syscount.sonde "$examples"/tcpretrans.sonde \
  -o "$out/several.bundle"
