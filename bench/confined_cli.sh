#!/usr/bin/env bash
# The command line's end-to-end time on a model file: confined (the default: one load, in a child) against
# --trust-model (in process, after the crash probe's load in a child: the path before confinement).
#   bench/confined_cli.sh FLOPSCOPE MODEL.pt RUNS [analyze options...]
# Prints the median wall time of each over RUNS runs, after one warm-up run each (page cache).
set -euo pipefail
flopscope=$1 model=$2 runs=$3
shift 3
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
time_runs() {
  "$flopscope" analyze "$model" "$@" -q -f summary > /dev/null
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$flopscope" analyze "$model" "$@" -q -f summary > /dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  done | median
}
confined=$(time_runs "$@")
trusted=$(time_runs "$@" --trust-model)
printf 'confined      %.3f s\ntrust-model   %.3f s\nconfined / trust-model  %.2f\n' "$confined" "$trusted" \
  "$(echo "$confined / $trusted" | bc -l)"
