#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-16 (ASan + UBSan) into build-fuzz/ and runs
# each for a bounded time (SONDE_FUZZ_SECONDS, default 120 per target), seeded from
# examples/, stdlib/, bundles built from examples/ and every past crash
# (tests/fuzz/regressions/). A crash fails the run; its input is left in
# build-fuzz/artifacts/: fix the bug, then add the input to
# tests/fuzz/regressions/<target>/, where every build replays it as a unit test.
# fuzz_bundle mutates a bundle's bytes; fuzz_bundle_fields (structure-aware) decodes it,
# changes one field and encodes it again with a right checksum, so it reaches
# validation and the collector.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SONDE_FUZZ_SECONDS:-120}
build_dir=${SONDE_FUZZ_BUILD_DIR:-build-fuzz}
sonde=${SONDE_BINARY:-build/sonde}  # builds the bundle seeds

CC=clang-16 CXX=clang++-16 cmake -S . -B "$build_dir" -G Ninja -DCMAKE_PREFIX_PATH=/usr/lib/llvm-16 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSONDE_FUZZ=ON -DSONDE_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target fuzz_source fuzz_bundle fuzz_bundle_fields

corpus=$build_dir/corpus
artifacts=$build_dir/artifacts
mkdir -p "$corpus/fuzz_source" "$corpus/fuzz_bundle" "$corpus/fuzz_bundle_fields" "$artifacts"
seeds=$build_dir/seeds
rm -rf "$seeds" && mkdir -p "$seeds/fuzz_source" "$seeds/fuzz_bundle" "$seeds/fuzz_bundle_fields"
cp examples/*.sonde stdlib/*.sonde "$seeds/fuzz_source/"
tests/fuzz/build_bundle_seeds.sh "$sonde" examples "$seeds/fuzz_bundle" 2>/dev/null
cp "$seeds/fuzz_bundle"/* "$seeds/fuzz_bundle_fields/"

# The source fuzzer checks programs against the fixture kernel (tests/fixtures/kernel/):
# what it finds replays the same on every machine.
status=0
for target in fuzz_source fuzz_bundle fuzz_bundle_fields; do
  dict=()
  [[ -f tests/fuzz/$target.dict ]] && dict=(-dict="tests/fuzz/$target.dict")
  echo "fuzz: $target for ${seconds}s" >&2
  if ! "$build_dir/fuzz/$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
      "$corpus/$target" "$seeds/$target" "tests/fuzz/regressions/$target" 2> "$build_dir/$target.log"; then
    status=1
    echo "fuzz: $target found a failure; input in $artifacts/:" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$build_dir/$target.log" >&2 || tail -20 "$build_dir/$target.log" >&2
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build_dir/$target.log" >&2 || true
done
exit $status
