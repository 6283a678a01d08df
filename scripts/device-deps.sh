#!/usr/bin/env bash
# Packs into .device-deps/ (git-ignored) what a GPU machine needs and lacks (it has CMake, a compiler and torch,
# but no network and none of these packages), so that it travels with the tree:
#   usr/       the Debian build dependencies and the shared libraries the binaries load (FLOPSCOPE_DEPS_PREFIX)
#   python/    pytest, for the package's GPU tests
#   prebuilt/  the command line and the two GPU test programs from build/, built here against the same torch wheel
#              the device carries (torch 2.11.0+cu130), with a manifest: the torch they were built against and
#              the fingerprint of the sources (scripts/source-fingerprint.sh). scripts/gpu-check.sh runs them when
#              both match on the device, and builds there otherwise: the device's minutes go to the GPU, and an
#              unchecked compiler there cannot cost the run.
#
#   scripts/device-deps.sh          # here, before the device run (after a build); then carry .device-deps
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$repo/.device-deps
rm -rf "$out" && mkdir -p "$out"
# Headers, CMake package files, static libraries; the shared libraries these link against at run time.
pkgs=(libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libbenchmark1debian libssl-dev libssl3)
dpkg -L "${pkgs[@]}" | grep -vE '^/usr/share/(doc|man)/' | while read -r f; do
  if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "${f#/}"; fi
done | tar -C / -cf - -T - | tar -C "$out" -xf -
# libssl.a / libcrypto.a are not needed (the shared libraries are carried); drop them to save space.
rm -f "$out"/usr/lib/x86_64-linux-gnu/lib{ssl,crypto}.a
# pytest, pure Python, for the package's GPU tests (the device's python has torch, not pytest): wheels unpacked
# into .device-deps/python, which gpu-check.sh puts on PYTHONPATH.
py=${FLOPSCOPE_VENV:-$HOME/.cache/flopscope/venv}/bin/python
[ -x "$py" ] || py=python3
"$py" -m pip download -q --no-deps --only-binary=:all: --platform any --implementation py --abi none \
  --python-version 3.10 -d "$out/wheels" pytest pluggy iniconfig packaging \
  exceptiongroup tomli pygments
for w in "$out"/wheels/*.whl; do "$py" -m zipfile -e "$w" "$out/python"; done
rm -rf "$out/wheels"

# The prebuilt binaries, from build/ brought up to date first (a Release build, as scripts/setup.sh makes it).
build=${FLOPSCOPE_BUILD:-$repo/build}
if grep -q '^FLOPSCOPE_CUPTI_INCLUDE_DIR:PATH=/' "$build/CMakeCache.txt" 2>/dev/null &&
   grep -q '^CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt" &&
   ! grep -q '^FLOPSCOPE_SANITIZE:STRING=.' "$build/CMakeCache.txt"; then
  cmake --build "$build" -j "$(nproc)" --target flopscope_cli flopscope_gpu_tests flopscope_cupti_gpu_tests >/dev/null
  mkdir -p "$out/prebuilt"
  for bin in "$build/flopscope" "$build/tests/flopscope_gpu_tests" "$build/tests/flopscope_cupti_gpu_tests"; do
    strip --strip-unneeded -o "$out/prebuilt/$(basename "$bin")" "$bin"
  done
  {
    echo "torch $("$py" -c 'import torch; print(torch.__version__, torch.version.cuda)')"
    echo "sources $("$repo/scripts/source-fingerprint.sh" "$repo")"
    dirty=$(git -C "$repo" status --porcelain -- CMakeLists.txt cmake src cuda include tests python fuzz bench 2>/dev/null || true)  # no git: the commit line says unknown
    echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)${dirty:+ with uncommitted changes}"
  } >"$out/prebuilt/manifest"
else
  echo "device-deps: no prebuilt binaries ($build is not a Release build with the CUDA toolkit): the device builds them" >&2
fi
du -sh "$out"/*; du -sh "$out"
