#!/usr/bin/env bash
# Packs the Debian build dependencies into .device-deps/ (git-ignored) so they can travel to a GPU machine
# that has CMake, a compiler and torch but no network and none of these packages. scripts/gpu-check.sh
# builds with them (FLOPSCOPE_DEPS_PREFIX).
#
#   scripts/device-deps.sh          # here, before the device run; then carry .device-deps
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$repo/.device-deps
rm -rf "$out" && mkdir -p "$out"
grep -qx '/.device-deps/' "$repo/.git/info/exclude" 2>/dev/null || echo '/.device-deps/' >>"$repo/.git/info/exclude"
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
du -sh "$out"
