#!/usr/bin/env bash
# Builds ember in Release and runs an example program: tools/run_example.sh [name]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
name=${1:-fit_line}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_TESTS=OFF
cmake --build build --parallel "$(nproc)" --target "$name"
"./build/examples/$name"
