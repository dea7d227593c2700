#!/usr/bin/env bash
# Builds, on this (GPU-less) machine, what tools/gpu_session.sh runs on the device machine and
# puts it in build-gpu/ (git-ignored; carry it with run(..., carry=["build-gpu"])):
# libember.so.0.1.0, tests/test_cuda, tests/test_opdb, examples/gpt2 and bench/bench_cuda,
# built with CUDA on in BUILD_DIR (default build-ci, the CI's build folder, so ccache and an
# earlier tools/test.sh build are reused). Prints the libraries a binary needs that the device
# machine may lack and the sizes (the carry limit is 64 MiB).
#   bash tools/gpu_build.sh && echo 'run(command="SKIP_SANITIZER=1 BUILD=build-gpu SRC='$PWD' \
#     bash tools/gpu_session.sh", carry=["build-gpu"], timeout_s=600)'
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build-ci}
[ -x /usr/local/cuda/bin/nvcc ] || { echo "no nvcc in /usr/local/cuda/bin: cannot build CUDA" >&2; exit 1; }
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_WERROR=ON -DEMBER_CUDA=ON \
  -DEMBER_BUILD_BENCH=ON >/dev/null
cmake --build "$dir" --parallel "$(nproc)" --target ember test_cuda test_opdb gpt2 bench_cuda
rm -rf build-gpu
mkdir -p build-gpu/tests build-gpu/examples build-gpu/bench
cp "$dir/libember.so.0.1.0" build-gpu/
cp "$dir/tests/test_cuda" "$dir/tests/test_opdb" build-gpu/tests/
cp "$dir/examples/gpt2" build-gpu/examples/
cp "$dir/bench/bench_cuda" build-gpu/bench/
echo "build-gpu: $(du -sh build-gpu | cut -f1) (source of its golden files: SRC=$PWD)"
# Libraries outside the toolkit and the C/C++ runtime that the device machine may not have.
ldd build-gpu/libember.so.0.1.0 build-gpu/tests/test_cuda | grep "=>" | awk '{print $1}' |
  grep -vE "^(libc|libm|libstdc\+\+|libgcc_s|ld-linux|libdl|librt|libpthread|libcuda|libcudart|libcublas|libcublasLt|libember|libgtest|libopenblas|libgfortran|libquadmath|libz)\." |
  sort -u | sed 's/^/needs (check the device machine has it): /' || true
