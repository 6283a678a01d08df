#!/usr/bin/env bash
# The device check for a GPU machine (issues 5, 6, 7, 15, 16, 17 and 18), in stages that fit the machine's limits: each stage
# has its own timeout, no stage starts after the global deadline, and each writes its log under OUT/logs and one
# line to OUT/summary.txt as it ends (`STAGE: ok | failed (why) | skipped (why)`), so a kill loses nothing but the
# stage it interrupted. A device call brings back at most 8 files under OUT, so OUT holds two: summary.txt and
# logs.tar.gz (every stage's log and report, packed again as each stage ends). The models (over 500 MB) and the
# logs themselves are made in a scratch folder under TMPDIR, removed at exit. Stages run in order of value: the environment, the
# binaries (packed here by scripts/device-deps.sh when they fit, else built there), the GPU tests, the timing pass on
# ResNet-50 and ViT-B/16, the counter pass on ResNet-50, the bf16 4096^3 linear against ncu, fp32 CUDA-core FLOPs (the
# first device run's acceptance, issue 15), then a training step (TorchScript and .pt2, issue 18) and its counters,
# and a capped validate-ops sweep last (with prebuilt binaries, the Python package's build and GPU tests after it:
# the device's only compile then).
#
#   here:    scripts/device-deps.sh; scripts/gpu-check.sh --dry-run /tmp/gpu-dry   # every stage, on the CPU
#            scripts/rehearse-device-build.sh   # the device's two compiles, which no dry run takes (12 min)
#   device:  run(command="scripts/gpu-check.sh $OUT", carry=[".device-deps"], timeout_s=590)
#
# --dry-run runs every stage on a machine without a GPU: the packed binaries or the existing build/, the GPU tests
# allowed to skip, the analyses with --allow-cpu-fallback at batch 2, validate-ops listing its cases. On a GPU
# node a skipped GPU test is a failure. FLOPSCOPE_GPU_DEADLINE (seconds, default 540) bounds the whole run;
# FLOPSCOPE_GPU_STAGES (a comma-separated list of stage names) runs only those, e.g. in a second call:
#   run(command="FLOPSCOPE_GPU_STAGES=counters-resnet50-bf16,validate-ops scripts/gpu-check.sh $OUT", ...)
# where the list is what the first call's summary left (here, on the summary it brought back):
#   sed -n 's/^\([a-z0-9_-]*\): skipped (the global deadline.*/\1/p' summary.txt | paste -sd, -
set -uo pipefail
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
out=${1:?usage: scripts/gpu-check.sh [--dry-run] OUT_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deadline=${FLOPSCOPE_GPU_DEADLINE:-540}
# The limit of a stage that compiles from nothing (the build, the late Python package): 4 minutes on the device's 16
# cores; scripts/rehearse-device-build.sh raises it for this machine's 2.
build_limit=${FLOPSCOPE_GPU_BUILD_LIMIT:-240}
py=${FLOPSCOPE_TORCH_PYTHON:-python3}
# FLOPSCOPE_GPU_STAGES=a,b,...: only these stages run (with what they need: the environment, the binaries, the
# models), the rest are listed as not asked for. For a second device call that runs what the first one's deadline
# left: the stages `skipped (the global deadline ...)` in its summary.txt.
only=${FLOPSCOPE_GPU_STAGES:-}
model_stages=",timing-resnet50-bf16,timing-vit_b_16-bf16,step-resnet50-bf16,timing-resnet50-pt2,step-resnet50-pt2,counters-resnet50-bf16,step-counters-resnet50-bf16,"
known=",environment,build,gpu-tests,devices,python-gpu,models,linear-bf16,ncu-bf16-gemm,linear-fp32,validate-ops$model_stages"
for s in ${only//,/ }; do
  [[ $known == *",$s,"* ]] || { echo "gpu-check: no stage '$s' (FLOPSCOPE_GPU_STAGES); the stages:${known//,/ }" >&2; exit 2; }
done
deps=$repo/.device-deps/usr
mkdir -p "$out" || exit 2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/flopscope-gpu.XXXXXX") || exit 2
logs=$scratch/logs
models=$scratch/models
mkdir -p "$logs" "$models"
summary=$out/summary.txt
: >"$summary"
# pack, wanted, stage, skip: how a stage runs and what its summary line says.
source "$repo/scripts/gpu-check-stages.sh"
trap 'pack; rm -rf "$scratch"' EXIT
export LD_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
if [ $dry = 1 ]; then
  build=$repo/build
  batch=2
  venv=${FLOPSCOPE_VENV:-$HOME/.cache/flopscope/venv}  # scripts/setup.sh's, with torchvision
  [ -z "${FLOPSCOPE_TORCH_PYTHON:-}" ] && [ -x "$venv/bin/python" ] && py=$venv/bin/python
  build=${FLOPSCOPE_BUILD:-$build}
  cuda_flags="--device cuda --allow-cpu-fallback"
else
  build=$repo/build-gpu
  batch=32
  cuda_flags="--device cuda"
fi
cli=$build/flopscope
failed=0
# Stages that are shell functions run in a child bash under `timeout`: what they read is exported.
export dry out repo deps py scratch logs models build batch cuda_flags cli

# 1. The environment, first: what the rest depends on, and what explains a failure (4.4.0 is gVisor: no counters).
environment() {
  echo "uname -r: $(uname -r)"
  echo "nproc: $(nproc)"
  command -v nvidia-smi >/dev/null && nvidia-smi || echo "nvidia-smi: not found"
  command -v nvcc >/dev/null && nvcc --version | tail -n 2 || echo "nvcc: not found"
  "$py" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())'
  ls "$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')/../nvidia/cu13/lib" 2>/dev/null | grep -i cupti || true
  command -v ncu >/dev/null && ncu --version | tail -n 1 || echo "ncu: not found"
  [ -f /.dockerenv ] && echo "container: docker"
  grep -q -i "gvisor\|runsc" /proc/version 2>/dev/null && echo "sandbox: gVisor"
  return 0
}
stage environment 30 environment

# 2. The build. The command line and the GPU test programs travel prebuilt when scripts/device-deps.sh packed them
#    (.device-deps/prebuilt): built here against the same torch wheel from the same sources, which the manifest
#    records and this checks, then one run of the command line on this machine. Otherwise the device builds them,
#    only what the checks need, with every core. The dry run uses the packed binaries too, when there are any, so
#    that it rehearses the device's path; else the build the tests made.
configure_and_build() {  # configure_and_build TARGET...: the device's own build tree, $build
  # The packed OpenSSL's opensslconf.h lives in the multiarch folder, which is not on a compiler's default path
  # when it comes from .device-deps rather than /usr/include.
  local multiarch=$deps/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
  [ -d "$multiarch" ] || multiarch=
  # File by file: with 16 cores and no ccache, the files of a target compile in parallel, where unity groups of
  # eight (the 2-core default, cmake/unity.cmake) would leave most cores idle behind the largest group.
  # Ninja where the machine has it (the device's image does), else Make: a missing generator must not cost the build.
  local generator=Ninja
  ninja --version >/dev/null 2>&1 || generator="Unix Makefiles"
  cmake -S "$repo" -B "$build" -G "$generator" -DCMAKE_BUILD_TYPE=Release -DFLOPSCOPE_BUILD_BENCH=OFF \
    -DFLOPSCOPE_UNITY_BUILD=OFF -DCMAKE_PREFIX_PATH="$torch_prefix;$deps" -DOPENSSL_ROOT_DIR="$deps" -DFLOPSCOPE_PYTHON="$(command -v "$py")" \
    ${multiarch:+-DCMAKE_CXX_FLAGS=-isystem$multiarch} &&
    cmake --build "$build" -j "$(nproc)" --target "$@"
}
export -f configure_and_build
# prebuilt_fits: the packed binaries were built from these sources against this torch, and run here; else says why.
prebuilt_fits() {
  local manifest=$prebuilt/manifest
  [ -f "$manifest" ] || { echo "none packed (scripts/device-deps.sh)"; return 1; }
  cat "$manifest"
  local want have
  want=$(sed -n 's/^torch //p' "$manifest")
  have=$("$py" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>/dev/null)
  [ "$want" = "$have" ] || { echo "built against torch $want, this machine has torch ${have:-none}"; return 1; }
  want=$(sed -n 's/^sources //p' "$manifest")
  have=$("$repo/scripts/source-fingerprint.sh" "$repo")
  [ "$want" = "$have" ] || { echo "the sources changed since they were packed ($want, now $have)"; return 1; }
  "$prebuilt/flopscope" --version || { echo "the packed command line does not run here"; return 1; }
}
export -f prebuilt_fits
prebuilt=$repo/.device-deps/prebuilt
bin=$build      # where the command line and the GPU test programs are
late_python=0   # the package is built after the other stages when nothing else needed a build tree
torch_prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
torch_lib=$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
# The prebuilt programs find LibTorch (and the tests CUDA's runtime) in this machine's torch wheel.
export torch_prefix LD_LIBRARY_PATH=$torch_lib:$torch_lib/../../nvidia/cu13/lib:$LD_LIBRARY_PATH
export prebuilt
if timeout 60 bash -c prebuilt_fits >"$logs/prebuilt.log" 2>&1; then
  echo "prebuilt: ok (packed at $(sed -n 's/^commit //p' "$prebuilt/manifest"), this tree's sources, this torch)" >>"$summary"
  bin=$prebuilt
  [ $dry = 1 ] || late_python=1
else
  echo "prebuilt: not used ($(tail -n 1 "$logs/prebuilt.log" | cut -c1-200))" >>"$summary"
fi
if [ "$bin" != "$prebuilt" ]; then  # no binaries to take: this machine's build tree, made here on a device
  if [ $dry = 1 ]; then
    if [ -x "$cli" ]; then skip build "dry run: uses $build"; else stage build 1 false; fi
  else
    stage build "$build_limit" configure_and_build flopscope_cli flopscope_gpu_tests flopscope_cupti_gpu_tests ||
      { echo "no build: nothing else can run" >>"$summary"; exit 1; }
  fi
fi
cli=$bin/flopscope
export bin cli

# 3. The GPU tests. On a GPU node a skipped GPU test is a failure: its reason is a defect to fix.
# unless_skipped RC LOG PATTERN: RC, or 3 when LOG shows a skip (PATTERN) on a GPU node.
unless_skipped() {
  if [ $dry = 0 ] && grep -qE "$3" "$2"; then
    echo "a GPU test skipped on a GPU node"
    return 3
  fi
  return "$1"
}
export -f unless_skipped
gpu_tests() {
  local rc=0
  if [ "$bin" = "$prebuilt" ]; then  # no CTest files travel (they hold this machine's paths): the programs alone
    "$bin/flopscope_gpu_tests" || rc=$?
    "$bin/flopscope_cupti_gpu_tests" || rc=$?
  else
    ctest --test-dir "$build" -L gpu --output-on-failure -V || rc=$?
  fi
  unless_skipped $rc "$logs/gpu-tests.log" "\[  SKIPPED \]|\*\*\*Skipped|Skipped"
}
stage gpu-tests 120 gpu_tests
stage devices 20 "$cli" devices

# The Python package's GPU tests (tests/python/test_gpu.py): the build tree's package, pytest from .device-deps.
# It is built for this machine's Python; after the prebuilt binaries, that is the device's only compile, so it
# comes last there (the build tree is configured then).
python_gpu() {
  # The compiler's output goes to a log of its own, packed with the others: a failed build is read there.
  if [ -f "$build/CMakeCache.txt" ]; then
    cmake --build "$build" --target flopscope_python -j "$(nproc)" >"$logs/python-build.log" 2>&1
  else
    configure_and_build flopscope_python >"$logs/python-build.log" 2>&1
  fi || { tail -n 20 "$logs/python-build.log"; echo "no Python package build (logs/python-build.log)"; return 2; }
  # The interpreter's own pytest where it has one (the device's image does), else the one .device-deps carries; no
  # plugin loaded by entry point: the device's (xdist, cov, benchmark, ...) are not needed, nor checked against it.
  local carried=
  "$py" -c 'import pytest' 2>/dev/null || carried=$deps/../python
  PYTHONPATH="$build/python${carried:+:$carried}${PYTHONPATH:+:$PYTHONPATH}" PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    "$py" -m pytest -q -p no:cacheprovider -rs "$repo/tests/python/test_gpu.py"
  unless_skipped $? "$logs/python-gpu.log" "SKIPPED"
}
[ $late_python = 1 ] || stage python-gpu 150 python_gpu

# 4. The timing pass on real models made here, with the acceptance checks.
# The dry run links the TorchScript files the test zoo already traced rather than writing 450 MB more.
reuse=()
[ $dry = 1 ] && [ -d "$build/fixtures/zoo" ] && reuse=(--reuse "$build/fixtures/zoo")
stage models 120 "$py" "$repo/tests/gpu/make_gpu_models.py" "$models" "${reuse[@]}"
timing() {  # timing NAME FILE DTYPE
  local name=$1 file=$2 dtype=$3
  "$cli" analyze "$file" --full-shape "$batch,3,224,224" --dtype "$dtype" $cuda_flags --ops default --eval \
    -f table,gpu,json -o "$logs/$name.table.txt" -o "$logs/$name.gpu.txt" -o "$logs/$name.json" \
    --chrome-trace "$logs/$name.trace.json" || return $?
  if [ $dry = 1 ]; then
    "$py" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["gpu"]["skipped_reason"], r["gpu"]' "$logs/$name.json"
  else
    "$py" "$repo/tests/gpu/check_timing.py" "$logs/$name.json" "$file" "$dtype" "$batch"
  fi
}
if [ -f "$models/resnet50.pt" ]; then
  stage timing-resnet50-bf16 180 timing resnet50-bf16 "$models/resnet50.pt" bfloat16
  stage timing-vit_b_16-bf16 180 timing vit_b_16-bf16 "$models/vit_b_16.pt" bfloat16
else
  skip timing-resnet50-bf16 "no models"
  skip timing-vit_b_16-bf16 "no models"
fi

# 5. The counter pass on ResNet-50: per-module counters, outliers, roofline.
counters() {
  "$cli" analyze "$models/resnet50.pt" --full-shape "$batch,3,224,224" --dtype bfloat16 $cuda_flags --ops default \
    --eval --counters -f counters,json -o "$logs/counters-resnet50.txt" -o "$logs/counters-resnet50.json" \
    --roofline "$logs/counters-resnet50.svg"
}
if [ -f "$models/resnet50.pt" ]; then stage counters-resnet50-bf16 200 counters; else skip counters-resnet50-bf16 "no models"; fi

# 6. The tensor-op convention: the bf16 [4096,4096] x [4096,4096] linear must read ratio 1 (1.374e11 FLOPs); ncu
#    profiles the same product, the GEMM chosen by kernel name (not by launch count: randn launches first).
if [ $dry = 1 ]; then
  stage linear-bf16 60 "$cli" validate-ops --list --family linear --dtype bfloat16
  skip ncu-bf16-gemm "dry run: no GPU"
else
  stage linear-bf16 120 "$cli" validate-ops --family linear --dtype bfloat16
  cat >"$scratch/bf16_gemm.py" <<'PY'
import torch
a = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
b = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
torch.mm(a, b)
torch.cuda.synchronize()
PY
  if command -v ncu >/dev/null; then
    stage ncu-bf16-gemm 120 ncu --clock-control none -k 'regex:nvjet|gemm|cutlass|sm90' --launch-count 1 \
      --metrics sm__ops_path_tensor_src_bf16_dst_fp32.sum,dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
      "$py" "$scratch/bf16_gemm.py"
    echo "expected tensor ops for 4096^3 at 2 per MAC: $((2 * 4096 * 4096 * 4096))" >>"$logs/ncu-bf16-gemm.log"
  else
    skip ncu-bf16-gemm "ncu not found"
  fi
fi

# 7. fp32 on CUDA cores: the float32 linear with TF32 off (LibTorch's default for matrix products).
if [ $dry = 1 ]; then
  stage linear-fp32 60 "$cli" validate-ops --list --family linear --dtype float32
else
  stage linear-fp32 120 "$cli" validate-ops --family linear --dtype float32
fi

# 8. A training step on the GPU (issue 18): forward and backward per module, the step's MFU, every kernel joined.
# A step's report (ResNet-50's, from TorchScript or a .pt2): its backward counted; on the device, the whole step timed,
# every kernel on an op, no module above its peak.
check_step() {
  "$py" - "$1" "$dry" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["train_step"]["backward_macs"] > r["totals"]["macs"], r["train_step"]
if sys.argv[2] == "1":
    assert r["gpu"]["skipped_reason"], r["gpu"]
else:
    g = r["gpu"]
    assert g["ran"] and g["train_step"], g.get("skipped_reason")
    assert not r.get("export") or r["export"]["executed"], "the .pt2 was not executed on the device"
    assert g["attributed_share"] >= 0.99, g["attributed_share"]
    back = {m["module"]: m for m in g["backward_modules"]}
    assert back["layer1"]["kernel_ms"]["median"] > 0 and back[""]["macs"] == r["train_step"]["backward_macs"]
    assert all(m["peak_share"] is None or m["peak_share"] <= 1.0 for m in g["modules"] + g["backward_modules"])
    print("step: MFU", g["mfu"], "forward", g["modules"][0]["kernel_ms"]["median"], "ms, backward",
          back[""]["kernel_ms"]["median"], "ms, pass costs", g["wall_ms"]["median"] / g["plain_forward_ms"])
PY
}
export -f check_step  # the stages run in a shell of their own
step_timing() {
  "$cli" analyze "$models/resnet50.pt" --full-shape "$batch,3,224,224" --dtype bfloat16 $cuda_flags --eval \
    --train-step -f gpu,json -o "$logs/step-resnet50.gpu.txt" -o "$logs/step-resnet50.json" \
    --chrome-trace "$logs/step-resnet50.trace.json" || return $?
  check_step "$logs/step-resnet50.json"
}
if [ -f "$models/resnet50.pt" ]; then stage step-resnet50-bf16 180 step_timing; else skip step-resnet50-bf16 "no models"; fi

# 9. A torch.export .pt2 on the GPU: the graph runs op by op under the timing pass; its analytic report must be
#     graph mode's on the CPU (the same ops, the same counts), and the timing pass must have run.
pt2_timing() {
  "$cli" analyze "$models/resnet50.pt2" --dim x.0="$batch" --ops default -f json -o "$logs/pt2-graph.json" || return $?
  "$cli" analyze "$models/resnet50.pt2" --dim x.0="$batch" $cuda_flags --ops default -f gpu,json \
    -o "$logs/pt2-resnet50.gpu.txt" -o "$logs/pt2-resnet50.json" || return $?
  "$py" - "$logs/pt2-graph.json" "$logs/pt2-resnet50.json" "$dry" <<'PY'
import json, sys
graph, ran = (json.load(open(p)) for p in sys.argv[1:3])
macs = lambda r: {m["path"]: m["macs"] for m in r["modules"]}
assert macs(graph) == macs(ran), "the executed graph counts differently from graph mode"
if sys.argv[3] == "1":  # the CPU fallback: graph mode, the GPU pass skipped with its reason
    assert ran["gpu"]["skipped_reason"], ran["gpu"]
else:
    assert ran["export"]["executed"], "the .pt2 was not executed on the device"
    assert ran["gpu"]["ran"], ran["gpu"]
print("pt2 on the device: analytic report equals graph mode's; timing pass", "skipped (dry run)" if sys.argv[3] == "1" else "ran")
PY
}
if [ -f "$models/resnet50.pt2" ]; then stage timing-resnet50-pt2 180 pt2_timing; else skip timing-resnet50-pt2 "no models"; fi

# 10. A .pt2's training step on the GPU: the graph run with autograd on, forward and backward timed per module.
pt2_step() {
  "$cli" analyze "$models/resnet50.pt2" --dim x.0="$batch" $cuda_flags --train-step -f gpu,json \
    -o "$logs/pt2-step.gpu.txt" -o "$logs/pt2-step.json" || return $?
  check_step "$logs/pt2-step.json"
}
if [ -f "$models/resnet50.pt2" ]; then stage step-resnet50-pt2 120 pt2_step; else skip step-resnet50-pt2 "no models"; fi

# 11. The counter pass over a training step (batch 8, to keep the replay short): the backward runs on autograd's
#     device thread, and its collection must restart between ops there too, so no range is dropped.
step_counters() {
  "$cli" analyze "$models/resnet50.pt" --full-shape "8,3,224,224" --dtype bfloat16 $cuda_flags --ops default \
    --train-step --counters -f counters,json -o "$logs/step-counters.txt" -o "$logs/step-counters.json" || return $?
  "$py" - "$logs/step-counters.json" "$dry" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
if sys.argv[2] == "1":
    assert c["skipped_reason"], c
else:
    assert c["ran"], c["skipped_reason"]
    assert not any("dropped" in n for n in c["notes"]), c["notes"]
    assert not c["join"]["mismatches"] and c["join"]["unmatched_ranges"] == 0, c["join"]
print("step counters:", "; ".join(c["notes"]) or c["skipped_reason"])
PY
}
if [ -f "$models/resnet50.pt" ]; then stage step-counters-resnet50-bf16 180 step_counters; else skip step-counters-resnet50-bf16 "no models"; fi

# 12. Every formula family, last: the sweep is the longest and the least new.
if [ $dry = 1 ]; then
  stage validate-ops 60 "$cli" validate-ops --list
else
  stage validate-ops 200 "$cli" validate-ops
fi

[ $late_python = 0 ] || stage python-gpu "$build_limit" python_gpu

echo "done in $SECONDS s" >>"$summary"
cat "$summary"
exit $failed
