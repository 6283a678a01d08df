#!/usr/bin/env bash
# The stage runner of scripts/gpu-check.sh (scripts/gpu-check-stages.sh) on stand-in commands, where a device run
# cannot check it: each summary line, which stages a second device call reruns (the sed line of gpu-check.sh's
# header, run as written there), and the logs packed as each stage ends.
#
#   bash tests/gpu/gpu_check_stages_test.sh REPO
set -uo pipefail
repo=${1:?usage: gpu_check_stages_test.sh REPO}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out scratch=$work/scratch logs=$work/scratch/logs summary=$work/out/summary.txt
mkdir -p "$out" "$logs"
only="" model_stages=",timing-resnet50-bf16," failed=0
source "$repo/scripts/gpu-check-stages.sh"
errors=0
expect() {  # expect NAME PATTERN: the summary's line for stage NAME matches PATTERN (an extended regex, whole)
  local got
  got=$(grep "^$1: " "$summary")
  [[ $got =~ ^$2$ ]] || { echo "FAIL $1: expected '$2', got '$got'"; errors=$((errors + 1)); }
}
s='[01]'  # a stage's whole seconds: a quick one may cross a second's boundary

SECONDS=0
deadline=600
stage quick 5 true
expect quick "quick: ok \\($s s\\)"
stage bad 5 bash -c 'echo starting; echo "no such file" >&2; exit 3'
expect bad "bad: failed \\(exit 3 in $s s: no such file\\)"
[ $failed = 1 ] || { echo "FAIL a failed stage left failed=$failed"; errors=$((errors + 1)); }
greet() { echo "hello from a function stage"; }
stage function 5 greet
expect function "function: ok \\($s s\\)"
grep -qx "hello from a function stage" "$logs/function.log" || { echo "FAIL the function stage's log"; errors=$((errors + 1)); }
# Its own limit, well inside the deadline: a failure (the stage is slower than it may be).
stage slow 1 sleep 30
expect slow "slow: failed \\(timed out after 1 s\\)"

# The deadline 2 s away: a stage asking for 60 s is cut off there, and is to be run again, not a failure.
failed=0
deadline=$((SECONDS + 2))
stage cut 60 sleep 30
expect cut "cut: skipped \\(the global deadline of $deadline s cut it off after [23] s; its log holds what it did\\)"
[ $failed = 0 ] || { echo "FAIL a stage cut off by the deadline counted as failed"; errors=$((errors + 1)); }
stage late 60 true
expect late "late: skipped \\(the global deadline of $deadline s had passed\\)"
skip nogpu "ncu not found"
expect nogpu "nogpu: skipped \\(ncu not found\\)"

# The second call's list, by the command gpu-check.sh's header gives: the deadline's stages, and only those.
rerun=$(sed -n 's/^#   \(sed -n .*\)$/\1/p' "$repo/scripts/gpu-check.sh")
[ -n "$rerun" ] || { echo "FAIL no sed line in gpu-check.sh's header"; errors=$((errors + 1)); }
list=$(cd "$out" && eval "$rerun")
[ "$list" = "cut,late" ] || { echo "FAIL the rerun list is '$list', not 'cut,late'"; errors=$((errors + 1)); }

# Selection: a stage not asked for is listed as such; the models are made for a stage that needs them.
only="linear-fp32,timing-resnet50-bf16"
deadline=$((SECONDS + 600))
stage other 5 true
expect other "other: skipped \\(not in FLOPSCOPE_GPU_STAGES\\)"
wanted models || { echo "FAIL the models not wanted for timing-resnet50-bf16"; errors=$((errors + 1)); }
only="linear-fp32"
wanted models && { echo "FAIL the models wanted for linear-fp32 alone"; errors=$((errors + 1)); }

# Every stage that ran has its log in the archive, packed as it ended.
packed=$(tar -tzf "$out/logs.tar.gz" | sort | tr '\n' ' ')
[ "$packed" = "logs/ logs/bad.log logs/cut.log logs/function.log logs/quick.log logs/slow.log " ] ||
  { echo "FAIL logs.tar.gz holds: $packed"; errors=$((errors + 1)); }

cat "$summary"
[ $errors = 0 ] && echo "gpu-check stages: all checks passed"
exit $((errors > 0))
