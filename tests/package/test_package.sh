#!/usr/bin/env bash
# flopscope as a CMake package: install the build into a fresh prefix, build tests/package/consumer against it
# with find_package(flopscope), and run it.   test_package.sh BUILD_DIR TORCH_CMAKE_PREFIX
set -euo pipefail
build=$1 torch_prefix=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$here/consumer" -B "$tmp/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix;$torch_prefix" -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/consumer"
