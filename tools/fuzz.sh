#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) with clang, ASan and UBSan in build-fuzz/, then
# runs each for SECONDS (default 30) on a temporary copy of its seed corpus fuzz/corpus/<name>/.
# Fails if any fuzzer finds a crash, leak, sanitizer error or timeout; the input that triggered
# it is kept in build-fuzz/artifacts/. Usage: tools/fuzz.sh [seconds] [fuzzer-name...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-30}
shift || true
build=${EMBER_FUZZ_BUILD:-$root/build-fuzz}

bash tools/install_deps.sh
# clang and its libFuzzer/sanitizer runtimes (Debian: clang, libclang-rt-14-dev on bookworm).
if ! command -v clang++ > /dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a > /dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  pkgs=(clang)
  apt-cache show libclang-rt-14-dev > /dev/null 2>&1 && pkgs+=(libclang-rt-14-dev)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${pkgs[@]}"
fi

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Fuzz \
  -DEMBER_FUZZ=ON -DEMBER_CUDA=OFF -DEMBER_STATIC=ON -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for src in fuzz/*_fuzz.cpp; do
    n=$(basename "$src" .cpp)
    names+=("${n%_fuzz}")
  done
fi
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

mkdir -p "$build/artifacts"
failed=()
for n in "${names[@]}"; do
  corpus=$(mktemp -d)
  [ -d "fuzz/corpus/$n" ] && cp -r "fuzz/corpus/$n/." "$corpus/"
  dict=()
  [ -f "fuzz/$n.dict" ] && dict=(-dict="fuzz/$n.dict")
  echo "== fuzz_$n for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$build/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/artifacts/$n-" \
       "${dict[@]}" "$corpus" 2>&1 | tail -n 40; then
    failed+=("$n")
  fi
  rm -rf "$corpus"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (inputs in $build/artifacts/)"
  exit 1
fi
echo "all fuzzers ran ${secs}s without a crash"
