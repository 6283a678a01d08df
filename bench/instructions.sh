#!/usr/bin/env bash
# The instructions a bare forward and an analysis of a TorchScript model execute (bench/instructions.cpp under
# valgrind's callgrind): the same in every run, where a wall clock on a shared machine is not.
#
#   bench/instructions.sh [--max-ratio R] PROGRAM MODEL.pt [SHAPE] [REPEATS]
#
# PROGRAM is build/bench/flopscope_instructions; SHAPE the input's, default 1,4 (the tiny_ops models). Prints the
# instructions per forward and per analysis, the extra per recorded op, and analysis/forward. With --max-ratio,
# exits 1 when analysis/forward is above R (the test perf_instructions_tiny_ops: a budget, raised only on purpose,
# with the reason in docs/performance.md).
set -euo pipefail
max_ratio=""
if [ "${1:-}" = "--max-ratio" ]; then max_ratio=$2; shift 2; fi
if [ $# -lt 2 ]; then
  sed -n '4,5p' "$0" >&2
  exit 2
fi
program=$1 model=$2 shape=${3:-1,4} repeats=${4:-3}
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One thread: an intra-op pool would add its own instructions, differently in each run.
if ! OMP_NUM_THREADS=1 valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg" \
    "$program" "$model" "$shape" "$repeats" > "$out/stdout" 2> "$out/valgrind.log"; then
  tail -n 20 "$out/valgrind.log" >&2
  exit 1
fi
# Each dump's file names its trigger ("Client Request: forward") and its total ("totals: N").
total() {
  local f
  for f in "$out"/cg*; do
    if grep -q "^desc: Trigger: Client Request: $1\$" "$f"; then
      sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -n 1
      return
    fi
  done
}
forward=$(total forward) analysis=$(total analysis)
ops=$(sed -n 's/.*"recorded_ops": *\([0-9]*\).*/\1/p' "$out/stdout")
if [ -z "$forward" ] || [ -z "$analysis" ] || [ -z "$ops" ] || [ "$forward" -eq 0 ]; then
  echo "instructions: no counts came back (valgrind log: $(tail -n 3 "$out/valgrind.log" | tr '\n' ' '))" >&2
  exit 1
fi
awk -v f="$forward" -v a="$analysis" -v n="$ops" -v r="$repeats" -v max="$max_ratio" 'BEGIN {
  printf "recorded ops per forward      %d\n", n
  printf "instructions per forward      %.0f\n", f / r
  printf "instructions per analysis     %.0f\n", a / r
  printf "extra per recorded op         %.0f\n", (a - f) / r / n
  printf "analysis/forward              %.3f\n", a / f
  if (max != "" && a / f > max) {
    printf "over budget: analysis/forward %.3f > %s: the analysis executes more per op than it did; find the change (docs/performance.md, \"Instructions\") or raise the budget on purpose, saying why\n", a / f, max > "/dev/stderr"
    exit 1
  }
}'
