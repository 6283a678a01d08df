#!/usr/bin/env bash
# Rehearses here, on a CPU machine, the two compiles scripts/gpu-check.sh makes on a GPU machine, which no dry run
# takes: the late build of the Python package after prebuilt binaries (the device's only compile on the usual path),
# and the build from nothing when no prebuilt binaries fit. The device has CMake, a compiler, CUDA and torch but
# none of our Debian build dependencies; it gets a copy of the tree without .git and build/, plus .device-deps.
# So this copies the tree as the device tool sends it and, in a mount namespace of its own, binds an empty folder
# or /dev/null over every header folder, CMake package and static library of those Debian packages (and ccache,
# which the device lacks): a compile that still reaches for one fails here as it would there.
#
#   scripts/device-deps.sh && scripts/rehearse-device-build.sh [WORK_DIR]
#
# Needs root (mount namespaces). Not in CI: file by file on 2 cores it takes about 12 minutes (2026-12-03: 624 s
# for the library and the package, 60 s more for the command line and the GPU test programs). The shared
# libraries the system needs itself (libssl.so.3 and the like) stay visible; the dev symlinks to them
# (libssl.so) too, since a bind over a link lands on its target. Exit 0 when both compiles succeeded.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-/tmp/flopscope-rehearsal}
venv=${FLOPSCOPE_VENV:-$HOME/.cache/flopscope/venv}
[ "$(id -u)" = 0 ] || { echo "rehearse-device-build: needs root for a mount namespace" >&2; exit 2; }
[ -f "$repo/.device-deps/prebuilt/manifest" ] ||
  { echo "rehearse-device-build: no .device-deps/prebuilt (run scripts/device-deps.sh after a build)" >&2; exit 2; }

rm -rf "$work" && mkdir -p "$work/tree" "$work/empty"
# The tree as the device tool sends it: tracked files and untracked ones git does not ignore, and the carried folder.
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  (cd "$repo" && xargs -0 -I{} sh -c 'test -e "$1" && printf "%s\0" "$1"' _ {}) |
  tar -C "$repo" --null -T - -cf - | tar -C "$work/tree" -xf -
cp -a "$repo/.device-deps" "$work/tree/"

# What the device lacks, from the packages scripts/device-deps.sh packs.
pkgs=(libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libssl-dev)
hide_dirs=$(dpkg -L "${pkgs[@]}" |
  grep -E '^(/usr/include/x86_64-linux-gnu|/usr/include|/usr/share/cmake|/usr/lib/x86_64-linux-gnu/cmake|/usr/src)/[^/]+$' |
  grep -v '^/usr/include/x86_64-linux-gnu$' | sort -u | while read -r d; do
    if [ -d "$d" ] && [ ! -L "$d" ]; then echo "$d"; fi
  done)
hide_files=$(dpkg -L "${pkgs[@]}" | grep -E '^/usr/(lib/x86_64-linux-gnu|share/pkgconfig|lib/x86_64-linux-gnu/pkgconfig)/[^/]+$' |
  sort -u | while read -r f; do if [ -f "$f" ] && [ ! -L "$f" ]; then echo "$f"; fi; done)
ccache=$(command -v ccache || true)
export work hide_dirs hide_files ccache venv

# Both runs are scripts/gpu-check.sh as on the device (not --dry-run), with limits for 2 cores, in the namespace.
unshare -m bash -euo pipefail -c '
  for d in $hide_dirs; do mount --bind "$work/empty" "$d"; done
  for f in $hide_files $ccache; do mount --bind /dev/null "$f"; done
  echo "hidden: $(echo $hide_dirs $hide_files $ccache | wc -w) paths"
  cd "$work/tree"
  export FLOPSCOPE_TORCH_PYTHON=$venv/bin/python FLOPSCOPE_GPU_DEADLINE=7200 FLOPSCOPE_GPU_BUILD_LIMIT=3600
  # 1. The usual path: prebuilt binaries fit, the Python package is compiled from nothing after the other stages.
  #    On a CPU its GPU tests skip, which on a "GPU node" is a failure: that failure is the expected end.
  FLOPSCOPE_GPU_STAGES=python-gpu scripts/gpu-check.sh "$work/prebuilt-path" || true
  # 2. No binaries fit: the build stage compiles the command line and the GPU test programs (in the build tree the
  #    first run configured, as on the device when the manifest does not match).
  rm -rf .device-deps/prebuilt
  FLOPSCOPE_GPU_STAGES=environment scripts/gpu-check.sh "$work/build-path" || true
'
# The verdicts, from the two summaries.
ok=1
grep -q '^prebuilt: ok' "$work/prebuilt-path/summary.txt" || { echo "run 1: the prebuilt binaries were not taken"; ok=0; }
if grep -q '^python-gpu: ok\|^python-gpu: failed (exit 3 .*a GPU test skipped' "$work/prebuilt-path/summary.txt"; then
  echo "run 1: the Python package compiled from nothing and its GPU tests ran (skipped on this CPU)"
else
  echo "run 1: $(grep '^python-gpu' "$work/prebuilt-path/summary.txt")"; ok=0
fi
if grep -q '^build: ok' "$work/build-path/summary.txt" && "$work/tree/build-gpu/flopscope" --version >/dev/null &&
   [ -x "$work/tree/build-gpu/tests/flopscope_gpu_tests" ] && [ -x "$work/tree/build-gpu/tests/flopscope_cupti_gpu_tests" ]; then
  echo "run 2: the command line and both GPU test programs built from the carried dependencies alone"
else
  echo "run 2: $(grep '^build' "$work/build-path/summary.txt")"; ok=0
fi
echo "summaries and logs: $work/prebuilt-path, $work/build-path"
[ $ok = 1 ]
