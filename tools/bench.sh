#!/usr/bin/env bash
# Builds and runs the side-by-side benchmarks against libtorch: tools/bench.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed" || {
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libtorch-dev; }
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_BENCH=ON \
  -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench --target bench_ops
./build-bench/bench/bench_ops "${1:-7}"
