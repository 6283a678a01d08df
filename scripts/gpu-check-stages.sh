# The stage runner of scripts/gpu-check.sh, sourced by it (and by tests/gpu/gpu_check_stages_test.sh, which runs
# these functions on stand-in commands). They read the caller's variables: out (where summary.txt and
# logs.tar.gz go), scratch (holding logs/), logs, summary, deadline (seconds since the script started, bash's
# SECONDS), only and model_stages (FLOPSCOPE_GPU_STAGES and the stages that need the models); stage sets failed=1.
#
# The summary's words are read by a program: a second device call reruns the stages whose line starts
# `NAME: skipped (the global deadline` (gpu-check.sh's header has the sed line), so a stage the deadline cut off
# says so in those words, never "failed".

# pack: OUT/logs.tar.gz made anew from the logs so far, replaced whole (a kill never leaves half an archive).
pack() {
  tar -czf "$out/.logs.tar.gz.part" -C "$scratch" logs && mv -f "$out/.logs.tar.gz.part" "$out/logs.tar.gz"
}

wanted() {  # wanted NAME: the stage is asked for
  case $1 in
    environment | build) return 0 ;;
    models) [ -z "$only" ] && return 0
      local s
      for s in ${only//,/ }; do [[ $model_stages == *",$s,"* ]] && return 0; done
      return 1 ;;
    *) [ -z "$only" ] || [[ ",$only," == *",$1,"* ]] ;;
  esac
}

# stage NAME LIMIT_S CMD...: runs CMD under its own timeout unless the deadline has passed or it was not asked for;
# logs to logs/NAME.log; one summary line. A stage that starts with less time left than its limit runs until the
# deadline; if that cuts it off, it is listed as skipped by the deadline (to run again), not as failed.
stage() {
  local name=$1 limit=$2
  shift 2
  if ! wanted "$name"; then
    echo "$name: skipped (not in FLOPSCOPE_GPU_STAGES)" >>"$summary"
    return 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "$name: skipped (the global deadline of ${deadline} s had passed)" >>"$summary"
    return 1
  fi
  local left=$((deadline - SECONDS)) clipped=0
  if [ "$limit" -gt "$left" ]; then limit=$left; clipped=1; fi
  local t0=$SECONDS
  if declare -F "$1" >/dev/null; then
    export -f "$1"
    timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" >"$logs/$name.log" 2>&1
  else
    timeout --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1
  fi
  local rc=$?
  local took=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then
    echo "$name: ok (${took} s)" >>"$summary"
  elif { [ $rc -eq 124 ] || [ $rc -eq 137 ]; } && [ $clipped = 1 ]; then
    echo "$name: skipped (the global deadline of ${deadline} s cut it off after ${took} s; its log holds what it did)" >>"$summary"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "$name: failed (timed out after ${limit} s)" >>"$summary"
    failed=1
  else
    echo "$name: failed (exit $rc in ${took} s: $(grep -v '^\s*$' "$logs/$name.log" | tail -n 1 | cut -c1-200))" >>"$summary"
    failed=1
  fi
  pack
  return $rc
}

skip() {  # skip NAME WHY: a stage that cannot run here, for a reason other than the deadline
  if wanted "$1"; then echo "$1: skipped ($2)" >>"$summary"; else echo "$1: skipped (not in FLOPSCOPE_GPU_STAGES)" >>"$summary"; fi
}
