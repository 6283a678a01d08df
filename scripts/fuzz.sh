#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for SECONDS (default 120) from the seed corpus
# in tests/fuzz/corpus. A crash leaves its input in build-fuzz/artifacts/TARGET/ and fails the script; turn
# each one into a regression test.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]      targets: shape_fuzz report_fuzz model_fuzz export_fuzz
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-120}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(shape_fuzz report_fuzz model_fuzz export_fuzz)
build=${FLOPSCOPE_FUZZ_BUILD:-$repo/build-fuzz}
"$repo/scripts/setup.sh" >/dev/null 2>&1 || { echo "fuzz: setup failed (run scripts/setup.sh)"; exit 2; }
py=${FLOPSCOPE_TORCH_PYTHON:-${FLOPSCOPE_VENV:-$HOME/.cache/flopscope/venv}/bin/python}
torch_prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
CXX=clang++ cmake -S "$repo/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$torch_prefix" \
  >/dev/null 2>&1 || { echo "fuzz: configure failed"; exit 2; }
cmake --build "$build" -j "$(nproc)" >/dev/null 2>&1 || { echo "fuzz: build failed (cmake --build $build)"; exit 2; }

export LSAN_OPTIONS=suppressions=$repo/tests/sanitizers/lsan.supp:print_suppressions=0
failed=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  cp -n "$repo/tests/fuzz/corpus/${t%_fuzz}/"* "$corpus/" 2>/dev/null
  cp -n "$repo/tests/fuzz/regressions/${t%_fuzz}_"* "$corpus/" 2>/dev/null  # past crashes stay in the corpus
  log=$build/$t.log
  before=$(ls "$artifacts" | wc -l)
  "$build/$t" "$corpus" -max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    -rss_limit_mb=4096 >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "$t: ${seconds}s, ${runs:-?} inputs, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files, exit $rc"
  if [ "$rc" != 0 ]; then failed=1; grep -m5 -E 'ERROR|SUMMARY|crash-|deadly' "$log"; fi
  # A run that exits 0 yet leaves crash-* files: a crash inside model_fuzz's probe child (src/model/probe_child.cpp)
  # that went through libFuzzer's death callback, which the parent read as InvalidInput, as it should. The child
  # resets the deadly signals, so LibTorch's segfaults leave no file; an error AddressSanitizer finds in a call
  # LibTorch makes (malloc, memcpy) still does (docs/reliability.md).
  new=$(( $(ls "$artifacts" | wc -l) - before ))
  [ "$rc" = 0 ] && [ "$new" -gt 0 ] &&
    echo "$t: $new new file(s) in $artifacts from a run that exited 0: crashes in the probe's child, read as InvalidInput"
done
exit $failed
