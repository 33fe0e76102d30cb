#!/usr/bin/env bash
# clang-tidy (Debian's clang-tidy 14) over the product code, with the checks of
# .clang-tidy, every warning an error. Reads build/compile_commands.json (run
# scripts/build.sh first). Arguments: files to check instead of all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SONDE_BUILD_DIR:-build}
if [[ ! -f $build_dir/compile_commands.json ]]; then
  echo "tidy.sh: $build_dir/compile_commands.json is missing: run scripts/build.sh first" >&2
  exit 2
fi
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'compiler/*.cpp' 'runtime/*.cpp' 'support/*.cpp' \
    'format/*.cpp' 'tools/*.cpp' | grep -v -e '^compiler/clang/plugin/' -e '^compiler/parse/')
fi
# The LLVM plugin is compiled against LLVM's headers with its own flags and is left to
# the compiler's warnings: clang-tidy 14 cannot parse LLVM 16's headers. Nor can it parse
# ANTLR 4.9's (misc/InterpreterDataReader.h), which only compiler/parse includes.
run-clang-tidy-14 -quiet -p "$build_dir" -j "$(nproc)" "${files[@]}"
