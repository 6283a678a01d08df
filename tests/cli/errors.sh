#!/usr/bin/env bash
# Every documented error of the CLI: exit status 2 and one line on stderr naming the problem, never an abort
# or a backtrace.   errors.sh FLOPSCOPE FIXTURE_DIR
set -u
cli=$1 fixtures=$2 failed=0 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {  # expect STATUS STDERR_PATTERN ARGS...
  local want=$1 pattern=$2; shift 2
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  local bad=""
  [ "$got" = "$want" ] || bad="status $got, want $want"
  [ -z "$pattern" ] || grep -qE -- "$pattern" "$tmp/err" || bad="$bad; stderr lacks /$pattern/"
  ! grep -qE 'terminate called|Exception raised from|core dumped' "$tmp/err" || bad="$bad; raw abort or backtrace"
  if [ "$want" = 2 ] && [ "$(grep -c '^flopscope: error: ' "$tmp/err")" != 1 ]; then bad="$bad; not one error line"; fi
  if [ -n "$bad" ]; then
    echo "FAIL: flopscope $* -> $bad; stderr:"; cat "$tmp/err"; failed=1
  else
    echo "ok: flopscope $* -> $got"
  fi
}

printf 'not a zip' >"$tmp/garbage.pt"
: >"$tmp/empty.pt"
head -c 2000 "$fixtures/testnet_scripted.pt" >"$tmp/truncated.pt"
mkdir -p "$tmp/readonly" && chmod 500 "$tmp/readonly"
printf '{"schema_version": 1' >"$tmp/malformed.json"
printf '{"hello": "world"}' >"$tmp/foreign.json"
"$cli" analyze testnet -f json -q -o "$tmp/good.json"
"$cli" analyze testnet -i 4,10 -f json -q -o "$tmp/other-inputs.json"

expect 0 '' analyze testnet
expect 0 '' analyze "$fixtures/testnet_traced.pt" --input-shape 1,10 --format summary
expect 0 'looks frozen .*runs in eval mode.*batch norm is folded' analyze "$fixtures/bad/frozen.pt" --input-shape 10 --format summary
grep -q 'analysed in eval mode (a frozen model has no other)' "$tmp/err" || { echo "FAIL: a frozen model is not said to run in eval mode"; failed=1; }
expect 2 'is frozen .*only works in eval mode' analyze "$fixtures/bad/frozen.pt" --input-shape 10 --train
expect 2 'saved after torch.jit.optimize_for_inference.*save the model before' \
  analyze "$fixtures/bad/optimized_for_inference.pt" --input-shape 3,16,16
expect 2 'input 1 \(x\) is \[1, 5\] float32: if the file was traced, it runs only at the shapes it was traced with' \
  analyze "$fixtures/odd/fixed_shape.pt" --full-shape 1,5
# Files that are not TorchScript: say what they are and how to export TorchScript.
expect 2 'does not exist' analyze "$tmp/missing.pt" --input-shape 3
expect 2 'is a directory' analyze "$tmp" --input-shape 3
expect 2 'is an empty file' analyze "$tmp/empty.pt" --input-shape 3
expect 2 'not a zip archive .*torch.jit.save' analyze "$tmp/garbage.pt" --input-shape 3
# --memory-limit: -1 is the unset default's sentinel, not a value; NaN and 1e30 GiB would reach an undefined cast.
expect 2 "GiB are a number from 0 \(0: no limit\), not '-1'" analyze testnet --memory-limit -1
expect 2 "GiB are a number from 0 \(0: no limit\), not 'nan'" analyze testnet --memory-limit nan
expect 2 "'1e30' GiB is more bytes than 64 bits hold" analyze testnet --memory-limit 1e30
expect 0 '' analyze testnet --memory-limit 0.5 -f summary
expect 2 'truncated or corrupt zip archive' analyze "$tmp/truncated.pt" --input-shape 3
expect 2 'torch.save of a state_dict, not a TorchScript archive; save TorchScript' \
  analyze "$fixtures/bad/state_dict.pt" --input-shape 10
expect 2 'torch.save of a pickled Python object \(__main__.TestNet\)' analyze "$fixtures/bad/pickled_module.pt" --input-shape 10
expect 2 'an exported program holds its inputs. shapes' analyze "$fixtures/bad/exported.pt2" --input-shape 10
# Inputs the model rejects: name the op, the module and the forward's signature.
expect 2 'give the input shape' analyze "$fixtures/testnet_scripted.pt"
expect 2 "takes 1 argument\(s\) but 2 input\(s\) were given: forward\(" \
  analyze "$fixtures/testnet_scripted.pt" -i 10 -i 10
expect 2 "forward failed in aten::linear \(module 'inner.fc2'\).*forward\(" analyze "$fixtures/testnet_scripted.pt" -i 9
expect 2 "forward failed in aten::(linear|addmm) \(module 'inner.fc2'\)" analyze testnet --input-shape 9
expect 2 'bad input shape' analyze testnet --input-shape 1,x
expect 2 'bad input shape' analyze testnet --input-shape 99999999999999999999
expect 2 'the inputs need .* GiB and the forward an estimated .* GiB more \(twice the largest input\), but only .* GiB is free' \
  analyze testnet -i 100000,100000,100000
expect 2 'either --input-shape .* or --full-shape' analyze testnet -i 10 --full-shape 1,10
# Options with unknown values.
expect 2 'unknown dtype' analyze testnet --dtype float8
# A count past int64 is an error naming the op, never a wrapped number: each Linear(10, 10) of TestNet costs
# 92233720368547758 * 10 * 10 = 2^63 - 8 MACs (fits), their sum does not.
expect 2 "the count of aten::linear \(module '.*'\) does not fit in 64 bits" \
  analyze "$fixtures/testnet_traced.pt" --full-shape 1,92233720368547758,10 --shape-only
# One dtype per input: a suffix on its shape; --dtype once, for the model and the inputs without their own.
expect 2 "input 2 \('1,10:float8'\): unknown dtype 'float8'" analyze testnet --full-shape 1,10 --full-shape 1,10:float8
expect 2 'a dtype follows the colon' analyze testnet --full-shape 1,10:
expect 2 '--dtype was given 2 times.*--full-shape 1,128:int64' analyze testnet --dtype float16 --dtype int64
expect 2 'either as shapes .* or as a file' analyze "$fixtures/testnet_traced.pt" --full-shape 1,10 --inputs "$tmp/x.pt"
expect 2 'cannot read --inputs' analyze "$fixtures/testnet_traced.pt" --inputs "$tmp/no-such-inputs.pt"
expect 2 'forward failed .*input 1 \(x\) is \[1, 10\] int64: give each input the dtype it needs.*:int64' \
  analyze "$fixtures/testnet_traced.pt" --full-shape 1,10:int64
expect 2 'unknown device' analyze testnet --device tpu
expect 2 'unknown op set' analyze testnet --ops everything
expect 2 'unknown format' analyze testnet --format yaml
expect 2 'unknown built-in model' analyze resnet5000
expect 2 'cannot write --output' analyze testnet -f json -o "$tmp/readonly/x/report.json"
# No file lost: an output that is an input (links followed) or is named twice is refused before anything is
# written, and a run that fails leaves an existing output as it was (outputs are renamed into place).
cp "$fixtures/testnet_traced.pt" "$tmp/model.pt" && ln -s model.pt "$tmp/link.pt"
before=$(sha256sum <"$tmp/model.pt")
expect 2 "--output '.*model.pt' is the input" analyze "$tmp/model.pt" -i 1,10 -o "$tmp/model.pt"
expect 2 "--output '.*link.pt' is the input" analyze "$tmp/model.pt" -i 1,10 -f json -o "$tmp/link.pt"
[ "$(sha256sum <"$tmp/model.pt")" = "$before" ] || { echo "FAIL: the model file was changed"; failed=1; }
expect 2 "--output '.*twice.out' is also --output" analyze testnet -f json,csv -o "$tmp/twice.out" -o "$tmp/./twice.out"
printf 'kept' >"$tmp/kept.json"
expect 2 'forward failed' analyze testnet --input-shape 9 -f json -o "$tmp/kept.json"
[ "$(cat "$tmp/kept.json")" = kept ] || { echo "FAIL: a failed run changed its --output"; failed=1; }
ls "$tmp" | grep -q flopscope-tmp && { echo "FAIL: a temporary output was left behind"; failed=1; }
expect 2 'needs one --output per format' analyze testnet -f json,csv -o "$tmp/one.txt"
expect 2 'not expected: --no-such-option' analyze --no-such-option
if "$cli" devices | grep -q '^no CUDA device'; then
  expect 2 'CUDA was requested but no CUDA device' analyze testnet --device cuda
  expect 2 'CUDA was requested but no CUDA device' peak
fi
expect 2 'measures a CUDA device' peak --device cpu
expect 2 'unknown device' peak --device gpu7
expect 2 '--gpu-forwards must be 1 or more' analyze testnet --gpu-forwards 0
expect 2 'unknown --peaks' analyze testnet --peaks datasheet
expect 2 'cannot write --chrome-trace' analyze testnet --device cuda --allow-cpu-fallback --chrome-trace "$tmp/readonly/x/trace.json"
expect 2 'use them with --device cuda' analyze testnet --counters
expect 2 'use it with --device cuda' analyze testnet --chrome-trace "$tmp/trace.json"
expect 2 '--counter-tolerance must be 0 or more' analyze testnet --device cuda --counters --counter-tolerance -1
# compare's inputs.
expect 2 'cannot read report' compare "$tmp/none.json" "$tmp/good.json"
expect 2 'is not valid JSON' compare "$tmp/malformed.json" "$tmp/good.json"
expect 2 'is not a flopscope report' compare "$tmp/good.json" "$tmp/foreign.json"
expect 2 'different inputs' compare "$tmp/good.json" "$tmp/other-inputs.json"
cp "$tmp/good.json" "$tmp/base.json"
expect 2 "--output '.*base.json' is the input" compare "$tmp/base.json" "$tmp/good.json" -o "$tmp/base.json"
cmp -s "$tmp/base.json" "$tmp/good.json" || { echo "FAIL: compare emptied its base report"; failed=1; }
expect 2 'unknown metric' compare "$tmp/good.json" "$tmp/good.json" --rtol speed=0.1
expect 2 'bad --rtol value' compare "$tmp/good.json" "$tmp/good.json" --rtol lots
# A NaN tolerance passes no comparison: as a regression gate it would let every change through.
expect 2 "bad --atol value 'nan'" compare "$tmp/good.json" "$tmp/good.json" --atol nan
expect 2 '--tolerance must be 0 or more' validate-ops --tolerance nan --list
# Odd models (tests/fixtures): a clean error or a report.
odd=$fixtures/odd
expect 2 "forward failed after aten::linear \(module 'fc'\): .*this model refuses every input" analyze "$odd/raises.pt" -i 10
expect 2 "forward failed in aten::(linear|addmm) \(module 'inner.fc2'\).*Long and Float" analyze testnet --dtype int64
expect 0 'never called during the trace.*' analyze "$odd/data_dependent.pt" -i 10 -f summary
grep -q 'negative' "$tmp/err" || { echo "FAIL: the untaken branch's module is not named"; failed=1; }
expect 0 '' analyze "$odd/shared_twice.pt" -i 10 -f json -o "$tmp/shared.json"
python3 - "$tmp/shared.json" <<'PY' || { echo "FAIL: shared submodule"; failed=1; }
import json, sys
r = json.load(open(sys.argv[1]))
mods = {m["path"]: m for m in r["modules"]}
# Linear(10, 10) under two names: the scripted file holds two objects sharing one weight, which it cannot
# tell from two tied modules, so both names stay, each credited with its own call; the weight counts once.
assert list(mods) == ["", "first", "second"], list(mods)
assert mods["first"]["macs"] == 100 and mods["second"]["macs"] == 100, mods
assert mods["first"]["parameters"] == 110 and mods["second"]["parameters"] == 0 and mods[""]["parameters"] == 110, mods
PY
# What a model prints or warns is shown once, quoted as the model's, never on stdout and never raw.
expect 0 '' analyze "$odd/talks.pt" --full-shape 1,4 -f json -o "$tmp/talks.json"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/talks.json" || { echo "FAIL: talks.json"; failed=1; }
"$cli" analyze "$odd/talks.pt" --full-shape 1,4 -f json >"$tmp/out" 2>"$tmp/err"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/out" || { echo "FAIL: a model's print broke -f json"; failed=1; }
grep -qF 'flopscope: the model printed: "flopscope: error: forged\n\x1b[31mred"' "$tmp/err" &&
  grep -qF 'flopscope: the model warned: "careful \x1b]0;title\x07"' "$tmp/err" &&
  ! grep -q $'\x1b' "$tmp/err" && ! grep -q '^flopscope: error' "$tmp/err" ||
  { echo "FAIL: the model's words are not quoted as the model's:"; cat "$tmp/err"; failed=1; }
expect 2 "forward failed in aten::view .*before that the model warned \"the mask is wrong\"" \
  analyze "$odd/warn_then_fail.pt" --full-shape 1,4
expect 0 'while loading, the model printed: "loading \\x1b\[2J"' analyze "$odd/prints_on_load.pt" --full-shape 2 -f summary
# Memory limits: RLIMIT_AS counts (AddressSanitizer reserves terabytes of address space: not under it).
if [ -z "${ASAN_OPTIONS:-}" ]; then
  # 1.5 GiB of inputs fit in 2.5 GiB of address space, but not with the forward's estimated 3 GiB.
  ( ulimit -v 2500000; expect 2 'the forward an estimated 3.0 GiB more .* is free \(RLIMIT_AS' \
      analyze testnet --full-shape 393216,1024; exit $failed ) || failed=1
  # A forward of ten million ops fills the capture's budget: one line, the forward stopped, no log per op.
  ( ulimit -v 1500000; expect 2 'cannot analyse this forward: the capture.s records went over its memory budget' \
      analyze "$odd/long_loop.pt" --full-shape 1; exit $failed ) || failed=1
fi
expect 0 '' analyze "$odd/many_modules.pt" -i 4 -f summary,csv -o "$tmp/many.txt" -o "$tmp/many.csv"
[ "$(wc -l <"$tmp/many.csv")" = 10002 ] || { echo "FAIL: 10 000-module CSV has $(wc -l <"$tmp/many.csv") lines"; failed=1; }
grep -q 'Model Flops:0.16M' "$tmp/many.txt" || { echo "FAIL: 10 000 x Linear(4, 4) should be 160K MACs"; failed=1; }

# FIFOs would block forever: refused as a model, as --inputs and as an output (stdout into a pipe is fine).
mkfifo "$tmp/fifo"
for args in "analyze $tmp/fifo -i 10" "analyze $fixtures/testnet_traced.pt --inputs $tmp/fifo" \
            "analyze testnet -f json -o $tmp/fifo"; do
  # shellcheck disable=SC2086
  timeout 60 "$cli" $args >/dev/null 2>"$tmp/err"; status=$?
  if [ "$status" != 2 ] || ! grep -q "is a FIFO" "$tmp/err"; then
    echo "FAIL: flopscope $args -> $status, want 2 and 'is a FIFO'"; cat "$tmp/err"; failed=1
  else
    echo "ok: flopscope $args -> 2"
  fi
done
"$cli" analyze testnet -f arch -q -o /dev/stdout | grep -q '^TestNet(' || { echo "FAIL: -o /dev/stdout into a pipe"; failed=1; }

# A reader that leaves early (| head -c 1) ends the command quietly with its own status, not SIGPIPE's 141.
"$cli" analyze resnet50 -f json,table,arch -q 2>"$tmp/err" | head -c 1 >/dev/null  # 84 KB, past the 64 KB pipe buffer
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || { echo "FAIL: analyze | head -c 1 -> $status, want 0"; failed=1; }
[ ! -s "$tmp/err" ] || { echo "FAIL: analyze | head -c 1 wrote to stderr:"; cat "$tmp/err"; failed=1; }

# Hostile and careless inputs (tests/fixtures/make_bad_inputs.py says what each is).
bad=$tmp/bad
python3 "$(dirname "$0")/../fixtures/make_bad_inputs.py" "$bad" "$tmp/good.json" "$fixtures/testnet_scripted.pt"
expect 0 '' analyze "$bad/outside_root.pt" -i 10 -f summary
if [ -z "${ASAN_OPTIONS:-}" ]; then  # a 1 GB address space: inflating the bomb's 1 GiB pickle would fail
  ( ulimit -v 1000000; expect 2 'is a torch.save of a state_dict' analyze "$bad/zip_bomb.pt" -i 3; exit $failed ) || failed=1
else
  expect 2 'is a torch.save of a state_dict' analyze "$bad/zip_bomb.pt" -i 3
fi
expect 2 'report_nested.json is not a flopscope report \(JSON nested more than 64 levels deep\)' \
  compare "$bad/report_nested.json" "$tmp/good.json"
expect 2 '"schema_version" is 4294967297, not an integer from 0' compare "$tmp/good.json" "$bad/report_version_big.json"
expect 2 '"schema_version" is 1.9, not an integer' compare "$bad/report_version_real.json" "$tmp/good.json"
expect 2 '"depth" is 1e\+300, not an integer' compare "$tmp/good.json" "$bad/report_depth_huge.json"
# Names from a report reach the terminal and the JUnit XML made printable: no control byte but the newline.
for format in table junit json; do
  expect 1 '' compare "$bad/report_hostile_names.json" "$bad/report_hostile_more.json" -f $format -o "$tmp/hostile.$format"
  ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]' "$tmp/hostile.$format" ||
    { echo "FAIL: compare -f $format wrote a control byte"; failed=1; }
done
python3 - "$tmp/hostile.junit" <<'PY' || { echo "FAIL: JUnit with hostile names"; failed=1; }
import sys, xml.etree.ElementTree as ET
names = [c.get("name") for c in ET.parse(sys.argv[1]).getroot().iter("testcase")]
assert '"\\x1b[2J\\x1b]0;owned\\x07"' in names and 'quote" <tag> & amp' in names, names
PY

# Inputs the fuzzers found crashing flopscope (tests/fuzz/regressions).
regressions=$(dirname "$0")/../fuzz/regressions
expect 2 'is not valid JSON' compare "$regressions/report_number_overflow.json" "$tmp/good.json"
expect 2 'cannot load TorchScript .* its code does not parse' \
  analyze "$regressions/model_bad_torchscript_source.pt" --input-shape 10
expect 2 'truncated or corrupt zip archive' analyze "$regressions/model_corrupt_central_directory.pt" --input-shape 10
# LibTorch segfaulted on these archives (on some runs, or every run), highlighting the parse error from a corrupt
# debug record; the records are no longer loaded, so each is the parse error, in the probe's child and here alike.
expect 2 'cannot load TorchScript .* its code does not parse' \
  analyze "$regressions/model_libtorch_segfault.pt" --input-shape 10
expect 2 'cannot load TorchScript .* its code does not parse' analyze "$fixtures/bad/corrupt_debug_info.pt" --input-shape 10
expect 1 '' compare "$tmp/good.json" "$regressions/report_huge_metric.json" --format junit
exit $failed
