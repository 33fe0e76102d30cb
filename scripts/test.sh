#!/usr/bin/env bash
# Builds sonde, runs clang-tidy on it and passes the whole test suite: unit tests, and
# end-to-end tests that load and attach real BPF programs (root is required for those;
# never skipped quietly).
# Then the same tests built with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/), and a bounded run of the fuzzers (scripts/fuzz.sh, build-fuzz/).
#
#   SONDE_SANITIZERS=0      skip the sanitizer build and its tests
#   SONDE_FUZZ_SECONDS=N    seconds per fuzz target (default 120; 0 skips fuzzing)
#   SONDE_BUSY_CORES=N      keep N cores busy (`yes >/dev/null`) while the tests run, to
#                           show that no test depends on an idle machine
# Arguments go to ctest (e.g. -R Capacity), for both test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=${SONDE_SANITIZERS:-1}
fuzz_seconds=${SONDE_FUZZ_SECONDS:-120}

timings=()
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "test.sh: $name" >&2
  "$@"
  timings+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}
report() {
  echo "test.sh: stage times" >&2
  for t in "${timings[@]}"; do echo "  $t" >&2; done
}

stage "setup" ./scripts/setup.sh
stage "build" ./scripts/build.sh
# clang-tidy's curated checks (.clang-tidy) on the product code, every finding an error.
stage "clang-tidy" ./scripts/tidy.sh
if [[ $sanitizers != 0 ]]; then
  stage "build (sanitizers)" env SONDE_BUILD_DIR=build-asan SONDE_CMAKE_ARGS=-DSONDE_SANITIZE=ON ./scripts/build.sh
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: the end-to-end tests load BPF programs and need root; re-running under sudo" >&2
  exec sudo -E "$0" "$@"
fi
busy_pids=()
stop_busy() {
  ((${#busy_pids[@]})) && kill "${busy_pids[@]}" 2>/dev/null || true
}
trap 'stop_busy; report' EXIT
for ((i = 0; i < ${SONDE_BUSY_CORES:-0}; i++)); do
  yes >/dev/null &
  busy_pids+=($!)
done
((${#busy_pids[@]})) && echo "test.sh: ${#busy_pids[@]} busy loops running (pids ${busy_pids[*]})" >&2
# Runs a ctest command (the rest of the arguments) for build directory $1; when tests
# fail, repeats at the end why each one failed (scripts/failures.sh), so that the tail
# of a long log names every failure, not only the output of the first.
run_tests() {
  local dir=$1 status=0
  shift
  "$@" || status=$?
  ((status == 0)) || ./scripts/failures.sh "$dir"
  return "$status"
}
# Unit tests in parallel, kernel tests one at a time (they are marked RUN_SERIAL).
stage "tests" run_tests build ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600 "$@"
if [[ $sanitizers != 0 ]]; then
  # Any report fails the test that triggered it: UBSan aborts (-fno-sanitize-recover),
  # ASan and LeakSanitizer exit non-zero. The generated-programs hunt runs its seed's
  # first programs for 120 s here (about 280 of the 900 the plain run loads; it would
  # take all of its 300 s deadline for about 690): the sanitizers watch the same paths,
  # and the stage stays three minutes shorter.
  stage "tests (sanitizers)" run_tests build-asan env ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1 SONDE_GEN_SECONDS="${SONDE_GEN_SECONDS:-120}" \
    ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 900 "$@"
fi
if [[ $fuzz_seconds != 0 ]]; then
  stage "fuzzing" env SONDE_FUZZ_SECONDS="$fuzz_seconds" ./scripts/fuzz.sh
fi
