#!/usr/bin/env bash
# The device check for a GPU machine (issues 5, 6 and 7), as one run: builds flopscope against that machine's
# own torch with the dependencies carried in .device-deps (scripts/device-deps.sh), runs the GPU tests, and
# runs the CLI on ResNet-50 and ViT-B/16 made there from torchvision. Every log goes into OUT_DIR/logs.tgz and
# the acceptance checks' results into OUT_DIR/summary.txt (the device tool returns at most 8 files).
#
#   here:    scripts/device-deps.sh
#   device:  run(command="scripts/gpu-check.sh $OUT", carry=[".device-deps"], timeout_s=590)
set -uo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${FLOPSCOPE_GPU_WORK:-/tmp/flopscope-gpu}
logs=$work/logs
build=$repo/build-gpu
py=${FLOPSCOPE_TORCH_PYTHON:-python3}
deps=$repo/.device-deps/usr
mkdir -p "$out" "$logs" "$work/models"
export LD_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
summary=$out/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
step() {  # step NAME CMD...: runs, logs, and notes the exit status in the summary
  local name=$1; shift
  local t0=$SECONDS
  "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  say "[$name] exit $rc in $((SECONDS - t0)) s"
  return $rc
}
finish() { tar -C "$work" -czf "$out/logs.tgz" logs; }
trap finish EXIT

{ nvidia-smi; "$py" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())'; \
  nproc; which ncu; } >"$logs/machine.log" 2>&1
say "device: $("$py" -c 'import torch; print(torch.cuda.get_device_name())' 2>&1)"

# 1. Build: only what the checks need, with every core.
torch_prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
step configure cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$deps" -DOPENSSL_ROOT_DIR="$deps" -DFLOPSCOPE_PYTHON="$(command -v "$py")" || exit 1
step build cmake --build "$build" -j "$(nproc)" --target flopscope_cli flopscope_gpu_tests flopscope_cupti_gpu_tests flopscope_bench \
  || { tail -n 30 "$logs/build.log" >>"$summary"; exit 1; }
cli=$build/flopscope

# 2. The GPU tests (each skips with its reason where something is missing).
step ctest-gpu ctest --test-dir "$build" -L gpu --output-on-failure -V
grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests passed|Skipped" "$logs/ctest-gpu.log" | tail -n 8 >>"$summary"
step devices "$cli" devices && cat "$logs/devices.log" >>"$summary"
step peak "$cli" peak && cat "$logs/peak.log" >>"$summary"

# 3. Real models, made here.
step models "$py" "$repo/tests/gpu/make_gpu_models.py" "$work/models" || exit 1
run_model() {  # run_model NAME FILE DTYPE
  local name=$1 file=$2 dtype=$3
  step "$name" "$cli" analyze "$file" --full-shape 32,3,224,224 --dtype "$dtype" --device cuda --ops default \
    --eval -f table,gpu,json,csv -o "$logs/$name.table.txt" -o "$logs/$name.txt" -o "$logs/$name.json" -o "$logs/$name.csv" \
    --chrome-trace "$logs/$name.trace.json"
  cat "$logs/$name.log" >>"$summary"
  head -n 70 "$logs/$name.txt" >>"$summary"
  step "$name-check" "$py" "$repo/tests/gpu/check_timing.py" "$logs/$name.json" "$file" "$dtype" 32
  cat "$logs/$name-check.log" >>"$summary"
}
run_model resnet50-fp32 "$work/models/resnet50.pt" float32
run_model resnet50-bf16 "$work/models/resnet50.pt" bfloat16
run_model vit_b_16-bf16 "$work/models/vit_b_16.pt" bfloat16

# The timing pass's own cost as a benchmark (issue 7): its forward and a do-nothing callback's over a plain one.
FLOPSCOPE_BENCH_MODELS=$work/models step bench-gpu "$build/bench/flopscope_bench" --benchmark_filter=gpu
grep -E "^gpu/" "$logs/bench-gpu.log" >>"$summary"

# 4. Hardware counters (docs/counters.md): the tensor-op convention first (the bf16 linear
#    [4096,4096] x [4096,4096] case must read ratio 1), then every formula family at awkward shapes.
step validate-ops-linear "$cli" validate-ops --family linear --dtype bfloat16
cat "$logs/validate-ops-linear.log" >>"$summary"
step validate-ops "$cli" validate-ops
tail -n 3 "$logs/validate-ops.log" >>"$summary"

# 5. Issue 6's other device checks: a float32 elementwise kernel's CUDA-core FLOPs, ResNet-50 with the
#    counter pass (per-module table, outliers, roofline, the pass's wall time), and ncu's counters for the
#    same bf16 4096^3 product beside flopscope's.
step validate-ops-add "$cli" validate-ops --ops all --family add --dtype float32
cat "$logs/validate-ops-add.log" >>"$summary"
for dtype in float32 bfloat16; do
  step "resnet50-$dtype-counters" "$cli" analyze "$work/models/resnet50.pt" --full-shape 32,3,224,224 --dtype "$dtype" \
    --device cuda --ops default --eval --counters -f counters,json -o "$logs/resnet50-$dtype-counters.txt" \
    -o "$logs/resnet50-$dtype-counters.json" --roofline "$logs/resnet50-$dtype-roofline.svg"
  head -n 80 "$logs/resnet50-$dtype-counters.txt" >>"$summary"
done
cat >"$work/bf16_gemm.py" <<'PY'
import torch
a = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
b = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
for _ in range(2):
    torch.mm(a, b)
torch.cuda.synchronize()
PY
if command -v ncu >/dev/null; then
  step ncu-bf16-gemm ncu --clock-control none --launch-skip 1 --launch-count 1 \
    --metrics sm__ops_path_tensor_src_bf16_dst_fp32.sum,dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
    "$py" "$work/bf16_gemm.py"
  grep -E "sm__ops_path|dram__bytes|gpu__time" "$logs/ncu-bf16-gemm.log" >>"$summary"
  say "expected tensor ops for 4096^3 at 2 per MAC: $((2 * 4096 * 4096 * 4096))"
fi

# 6. An Nsight Systems-style check of the NVTX ranges is not possible here (no nsys on the PATH); the
#    Chrome traces above are in logs.tgz for Perfetto.
say "done in $SECONDS s"
