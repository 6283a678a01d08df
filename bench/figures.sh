#!/usr/bin/env bash
# Runs every measurement docs/performance.md reports, one after the other (each needs the machine to
# itself), and writes each program's output to OUT_DIR (default build/figures), with the machine and date.
#
#   bench/figures.sh [OUT_DIR]          # about 25 minutes on a 2-core machine
#
# Needs: scripts/setup.sh (build/, the venv), the bench models
# (python bench/make_bench_models.py build/bench-models) and the fixtures (ctest -R make_fixtures).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build/figures}"
BUILD="$ROOT/build"
PY="${FLOPSCOPE_PYTHON:-$HOME/.cache/flopscope/venv/bin/python}"
mkdir -p "$OUT"
cd "$ROOT"

{
  date -u +%Y-%m-%dT%H:%MZ
  git rev-parse --short HEAD
  lscpu | grep -E '^(Model name|CPU\(s\))'
  uptime
} > "$OUT/machine.txt"

bench() {  # bench NAME FILTER [extra Google Benchmark flags...]
  local name=$1 filter=$2
  shift 2
  echo "== $name" >&2
  OMP_NUM_THREADS=1 "$BUILD/bench/flopscope_bench" --benchmark_filter="$filter" "$@" > "$OUT/$name.txt" 2>&1
}

bench analysis_over_forward 'torchscript|breakdown|builtin' --benchmark_min_time=2 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true
echo "== analysis_over_forward_2_threads" >&2  # both cores, as a user runs it
"$BUILD/bench/flopscope_bench" --benchmark_filter='torchscript/resnet50_b1|breakdown/resnet50' --benchmark_min_time=2 \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true > "$OUT/analysis_over_forward_2_threads.txt" 2>&1
bench per_op 'tiny_ops' --benchmark_min_time=1
bench reports 'report' --benchmark_min_time=1

echo "== page faults" >&2
for mode in forward analysis; do
  OMP_NUM_THREADS=1 perf stat -x, -e page-faults "$BUILD/bench/flopscope_peak_memory" \
    "$BUILD/bench-models/resnet50.pt" 1,3,224,224 "$mode" 30 > "$OUT/page_faults_$mode.txt" 2>&1 || true
done

echo "== shape-only" >&2
OMP_NUM_THREADS=1 "$BUILD/bench/flopscope_shape_only_bench" "$BUILD/fixtures/resnet50_scripted.pt" 3,224,224 \
  --benchmark_min_time=3 > "$OUT/shape_only.txt" 2>&1

echo "== scaling" >&2
"$PY" bench/scaling.py --runs 3 > "$OUT/scaling.txt" 2>&1
echo "== peers" >&2
"$PY" bench/peers.py --model resnet50 --runs 3 > "$OUT/peers.txt" 2>&1
echo "written to $OUT" >&2
