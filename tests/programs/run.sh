#!/usr/bin/env bash
# Installs ember from BUILD_DIR into a temporary prefix, builds tests/programs against it as an
# outside project would, and runs every program. Usage: run.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# C++17, as libtorch programs usually are: ember's public headers must stay valid C++17.
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_CXX_STANDARD_REQUIRED=ON \
  -DCMAKE_CXX_EXTENSIONS=OFF >/dev/null
cmake --build "$work/build" >/dev/null
status=0
for src in "$here"/*.cpp; do
  name=$(basename "$src" .cpp)
  if LD_LIBRARY_PATH="$work/prefix/lib:${LD_LIBRARY_PATH:-}" "$work/build/$name" >"$work/$name.log" 2>&1; then
    echo "program $name: ok"
  else
    echo "program $name: FAILED"; cat "$work/$name.log"; status=1
  fi
done
exit $status
