#!/usr/bin/env bash
# Sets up everything flopscope needs and builds it. Idempotent: on a machine where everything is already
# there it only runs an incremental build (seconds).
#
#   scripts/setup.sh            # system packages, LibTorch venv, configure + build
#
# Environment:
#   FLOPSCOPE_VENV   the virtual environment holding torch (default: ~/.cache/flopscope/venv, outside the tree)
#   FLOPSCOPE_BUILD  the build directory (default: <repo>/build)
#   FLOPSCOPE_PYTHON the python that creates the venv (default: python3)
#   FLOPSCOPE_TORCH_PYTHON  use this python's torch instead of the venv (GPU nodes: their own torch)
#   FLOPSCOPE_DEPS_PREFIX   the build dependencies packed by scripts/device-deps.sh: no apt (offline GPU nodes)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${FLOPSCOPE_VENV:-$HOME/.cache/flopscope/venv}
build=${FLOPSCOPE_BUILD:-$repo/build}
torch_version=2.11.0
torchvision_version=0.26.0

log() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. System packages (Debian) -----------------------------------------------------------------
# Headers and tools only (valgrind: the instruction budget, bench/instructions.sh); the CUDA toolkit comes with the
# machine image and is optional.
packages=(cmake g++ make ccache libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libssl-dev valgrind)
missing=()
[ -z "${FLOPSCOPE_DEPS_PREFIX:-}" ] || packages=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { "${sudo_cmd[@]}" apt-get update -q >/dev/null && "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

# --- 2. LibTorch from the torch wheel, in a venv outside the source tree ---------------------------
if [ -n "${FLOPSCOPE_TORCH_PYTHON:-}" ]; then
  py=$FLOPSCOPE_TORCH_PYTHON
  log "using the torch of $py"
else
  py=$venv/bin/python
  have() { "$py" -c "import torch, torchvision, jsonschema, mmengine.analysis, fvcore.nn, transformers, timm, pytest, pandas, scikit_build_core, sys; sys.exit(not (torch.__version__.startswith('$torch_version') and torchvision.__version__.startswith('$torchvision_version')))" 2>/dev/null; }
  if ! have; then
    log "creating $venv with torch==$torch_version torchvision==$torchvision_version (several GB, once)"
    [ -x "$py" ] || "${FLOPSCOPE_PYTHON:-python3}" -m venv "$venv"
    "$py" -m pip install -q --upgrade pip
    "$py" -m pip install -q "torch==$torch_version" "torchvision==$torchvision_version" numpy jsonschema \
      packaging mmengine-lite fvcore "transformers==5.23.0" "timm==1.0.31" \
      pytest pandas scikit-build-core  # the reference tools, the zoo and pytest: tests only; the package's build backend
    have || { log "torch $torch_version did not install into $venv"; exit 1; }
  fi
fi
torch_prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')

# --- 3. Configure and build ---------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ] || ! grep -q "FLOPSCOPE_PYTHON:FILEPATH=$py\$" "$build/CMakeCache.txt"; then
  log "configuring $build"
  prefix=$torch_prefix extra=()
  if [ -n "${FLOPSCOPE_DEPS_PREFIX:-}" ]; then
    prefix="$torch_prefix;$FLOPSCOPE_DEPS_PREFIX"
    extra=(-DOPENSSL_ROOT_DIR="$FLOPSCOPE_DEPS_PREFIX")
  fi
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DFLOPSCOPE_PYTHON="$py" "${extra[@]}" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$build" -j "$jobs" >&2 || { log "build failed (rerun: cmake --build $build)"; exit 1; }

# --- 4. The Python package, into the venv ---------------------------------------------------------------
# `pip install .` of the repository, from the build just made (scikit-build-core reuses its build directory, so only
# a changed extension module is rebuilt): `import flopscope` in the venv is this build's. Not for another python
# (FLOPSCOPE_TORCH_PYTHON, GPU nodes): the tests there import the build tree's package (${build}/python).
if [ -z "${FLOPSCOPE_TORCH_PYTHON:-}" ] && [ -d "$build/python/flopscope" ]; then
  CMAKE_GENERATOR="Unix Makefiles" "$py" -m pip install -q --no-build-isolation --no-deps \
    -C build-dir="$build" -C cmake.define.FLOPSCOPE_BUILD_TESTS=ON -C cmake.define.FLOPSCOPE_BUILD_BENCH=ON \
    -C cmake.define.FLOPSCOPE_PYTHON="$py" "$repo" >&2 || { log "installing the Python package failed"; exit 1; }
fi
