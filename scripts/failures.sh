#!/usr/bin/env bash
# After a failed ctest run in build directory $1: each failed test's failure messages
# (gtest's "Failure" lines and what follows them) and its measured figures, a few lines
# each, so that the end of a long log says why every test failed, not only the first.
set -uo pipefail
dir=${1:?usage: failures.sh BUILD_DIR}
failed=$dir/Testing/Temporary/LastTestsFailed.log
log=$dir/Testing/Temporary/LastTest.log
[[ -r $failed && -r $log ]] || exit 0
echo "test.sh: why each test failed ($log has all of it)" >&2
while IFS= read -r line; do
  name=${line#*:}
  echo "-- $name" >&2
  awk -v name="$name" '
    $0 ~ /^[0-9]+\/[0-9]+ Test: / { inside = (substr($0, index($0, "Test: ") + 6) == name); output = 0 }
    !inside { next }
    /^Output:$/ { output = 1; next }
    /^<end of output>/ { inside = 0; next }
    !output { next }
    /Failure$|Failure |\[ measured \]|Expected|Which is|Actual|SKIPPED|Timeout|Exception/ {
      after = 6
    }
    after > 0 && printed < 40 { print "  " $0; printed++; after-- }
  ' "$log" >&2
done <"$failed"
