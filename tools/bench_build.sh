#!/usr/bin/env bash
# Build rows of the benchmark: compile + link time of a hello-world that includes the umbrella
# header <torch/torch.h> (median of 3, no ccache), against ember's installed package and against
# Debian's libtorch; size of ember's installed library vs libtorch's own .so files.
#   tools/bench_build.sh [BUILD_DIR] [OUT_TSV]
# BUILD_DIR must hold a built ember (tools/bench.sh builds build-bench). Writes one row per line:
# NAME <tab> EMBER <tab> LIBTORCH <tab> UNIT, read by bench_ops --extra.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
build=${1:-build-bench}
out=${2:-$build/build_rows.tsv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null

cat >"$work/hello.cpp" <<'CPP'
#include <torch/torch.h>

#include <iostream>

int main() {
  torch::Tensor t = torch::rand({2, 3});
  std::cout << t << std::endl;
}
CPP
mkdir -p "$work/ember" "$work/torch"
cat >"$work/ember/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(hello_ember CXX)
set(CMAKE_CXX_STANDARD 17)  # as libtorch programs usually are (ember::torch asks for 17)
find_package(ember REQUIRED)
add_executable(hello $work/hello.cpp)
target_link_libraries(hello ember::torch)
CMAKE
cat >"$work/torch/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(hello_torch CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(Torch REQUIRED PATHS /usr/lib/x86_64-linux-gnu/cmake/Torch)
add_executable(hello $work/hello.cpp)
target_link_libraries(hello \${TORCH_LIBRARIES})
CMAKE

# Median of 3 clean builds of the hello target; prints seconds.
time_hello() {
  local dir=$1 times=()
  for _ in 1 2 3; do
    ninja -C "$dir" -t clean >/dev/null
    local t0 t1
    t0=$(date +%s.%N)
    ninja -C "$dir" hello >"$dir/build.log" || { cat "$dir/build.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n 2p
}

cfg=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=)
cmake -S "$work/ember" -B "$work/ember/b" "${cfg[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake -S "$work/torch" -B "$work/torch/b" "${cfg[@]}" >/dev/null 2>&1
echo "build: timing hello-world (ember)..." >&2
t_ember=$(time_hello "$work/ember/b")
"$work/ember/b/hello" >/dev/null
echo "build: timing hello-world (libtorch)..." >&2
t_torch=$(time_hello "$work/torch/b")
"$work/torch/b/hello" >/dev/null

# Sizes of regular library files (symlinks not counted twice), in MB.
size_mb() { stat -c %s "$@" | awk '{s += $1} END {printf "%.2f", s / 1e6}'; }
mapfile -t ember_libs < <(find "$work/prefix" -type f \( -name 'lib*.so*' -o -name 'lib*.a' \))
libdir=/usr/lib/x86_64-linux-gnu
torch_libs=()
for l in libtorch libtorch_cpu libc10 libtorch_global_deps; do
  torch_libs+=("$(readlink -f "$libdir/$l.so")")
done
s_ember=$(size_mb "${ember_libs[@]}")
s_torch=$(size_mb "${torch_libs[@]}")

{
  printf 'build: hello-world compile+link, median of 3\t%s\t%s\ts\n' "$t_ember" "$t_torch"
  printf 'build: installed library size\t%s\t%s\tMB\n' "$s_ember" "$s_torch"
} >"$out"
cat "$out" >&2
