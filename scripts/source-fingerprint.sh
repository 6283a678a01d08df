#!/usr/bin/env bash
# Prints one hash of every file the C++ build reads from the tree (CMake files, sources, headers), so that
# binaries built in one copy of the tree can be matched to another copy without git: scripts/device-deps.sh
# records it beside the binaries it packs, scripts/gpu-check.sh compares it on the device before using them.
# Over-inclusive on purpose (every test source too): a stale match would run old code on the GPU.
#
#   scripts/source-fingerprint.sh [REPO]
set -euo pipefail
repo=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$repo"
find CMakeLists.txt cmake src cuda include tests python fuzz bench -type f \
  \( -name '*.cpp' -o -name '*.h' -o -name '*.cmake' -o -name '*.in' -o -name 'CMakeLists.txt' \) -print0 |
  LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
