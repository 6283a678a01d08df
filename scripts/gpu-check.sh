#!/usr/bin/env bash
# The device check for a GPU machine: builds flopscope against that machine's own torch (its python3), runs
# the whole test suite and the CLI on ResNet-50 on CUDA, and writes every log under OUT_DIR.
#
#   scripts/gpu-check.sh OUT_DIR        (on the device tool: scripts/gpu-check.sh "$OUT")
set -uo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out"
export FLOPSCOPE_TORCH_PYTHON=${FLOPSCOPE_TORCH_PYTHON:-python3}
export FLOPSCOPE_BUILD=${FLOPSCOPE_BUILD:-$repo/build-gpu}
step() { local name=$1; shift; echo "== $name: $*"; "$@" >"$out/$name.log" 2>&1; local rc=$?; echo "   exit $rc"; tail -n 5 "$out/$name.log"; }

{ nvidia-smi; "$FLOPSCOPE_TORCH_PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available())'; } >"$out/machine.log" 2>&1
step setup "$repo/scripts/setup.sh"
step devices "$FLOPSCOPE_BUILD/flopscope" devices
step ctest ctest --test-dir "$FLOPSCOPE_BUILD" --output-on-failure -j 8
step ctest-gpu ctest --test-dir "$FLOPSCOPE_BUILD" --output-on-failure -L gpu -V
step resnet50-cuda "$FLOPSCOPE_BUILD/flopscope" analyze resnet50 --device cuda
step resnet50-cuda-torchscript "$FLOPSCOPE_BUILD/flopscope" analyze "$FLOPSCOPE_BUILD/fixtures/resnet50_traced.pt" \
  --input-shape 3,224,224 --device cuda
step resnet50-cpu "$FLOPSCOPE_BUILD/flopscope" analyze resnet50
echo "logs in $out"
