#!/usr/bin/env bash
# The CLI's documented exit statuses and one-line errors: cli_exit_status.sh FLOPSCOPE FIXTURE_DIR
set -u
cli=$1 fixtures=$2 failed=0 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {  # expect STATUS STDERR_PATTERN ARGS...
  local want=$1 pattern=$2; shift 2
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" != "$want" ] || { [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/err"; } || [ "$(grep -c 'terminate called\|Exception raised from' "$tmp/err")" != 0 ]; then
    echo "FAIL: flopscope $* -> status $got (want $want), stderr:"; cat "$tmp/err"; failed=1
  else
    echo "ok: flopscope $* -> $got"
  fi
}

printf 'not a zip' >"$tmp/garbage.pt"
head -c 2000 "$fixtures/testnet_scripted.pt" >"$tmp/truncated.pt"
expect 0 '' analyze testnet
expect 0 '' analyze "$fixtures/testnet_traced.pt" --input-shape 1,10 --no-table
expect 2 'does not exist' analyze "$tmp/missing.pt" --input-shape 3
expect 2 'is a directory' analyze "$tmp" --input-shape 3
expect 2 'cannot load .* as a TorchScript model' analyze "$tmp/garbage.pt" --input-shape 3
expect 2 'cannot load .* as a TorchScript model' analyze "$tmp/truncated.pt" --input-shape 3
expect 2 'give the input shape' analyze "$fixtures/testnet_scripted.pt"
expect 2 'bad input shape' analyze testnet --input-shape 1,x
expect 2 "forward failed" analyze testnet --input-shape 9
expect 2 'unknown built-in model' analyze resnet5000
if "$cli" devices | grep -q '^no CUDA device'; then
  expect 2 'CUDA was requested but no CUDA device' analyze testnet --device cuda
fi
expect 2 'unknown device' analyze testnet --device tpu
expect 2 '' analyze --no-such-option
exit $failed
