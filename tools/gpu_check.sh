#!/usr/bin/env bash
# What a GPU session runs on the device machine (see tests/README.md, "CUDA tests"):
#   run(command="bash tools/gpu_check.sh", carry=[build/libember.so.0.1.0, build/tests/test_cuda])
# Runs the CUDA test binary built here, then compute-sanitizer memcheck (and racecheck on the
# reduction tests) over it. Logs go to $OUT (or ./gpu_check_out). Exit status: 0 when all passed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-$PWD/gpu_check_out}
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
status=0
say() { echo "$*" | tee -a "$SUMMARY"; }

# The test binary's RUNPATH points at the build tree it was linked in; use this one instead.
if [ ! -e "$BUILD/libember.so.0" ] && [ -e "$BUILD/libember.so.0.1.0" ]; then
  ln -sf libember.so.0.1.0 "$BUILD/libember.so.0"
fi
export LD_LIBRARY_PATH="$PWD/$BUILD:/usr/local/cuda/lib64:/usr/local/cuda/lib:${LD_LIBRARY_PATH:-}"
BIN="$BUILD/tests/test_cuda"

say "== device"
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true) | tee -a "$SUMMARY"
say "== libraries"
ldd "$BIN" | tee "$OUT/ldd.txt" | grep -E "ember|cublas|openblas|not found" | tee -a "$SUMMARY"
if grep -q "not found" "$OUT/ldd.txt"; then
  say "FAIL: missing shared libraries (see ldd.txt)"
  exit 2
fi

say "== test_cuda"
timeout 300 "$BIN" --gtest_output=xml:"$OUT/test_cuda.xml" >"$OUT/test_cuda.txt" 2>&1
rc=$?
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]|tests ran" "$OUT/test_cuda.txt" | tee -a "$SUMMARY"
[ $rc -eq 0 ] || { say "FAIL: test_cuda exit $rc"; status=1; }

say "== test_cuda with CUDA_LAUNCH_BLOCKING=1 (kernels + copies)"
CUDA_LAUNCH_BLOCKING=1 timeout 120 "$BIN" --gtest_filter='CudaKernels.*:CudaCopy.*' \
  >"$OUT/test_cuda_blocking.txt" 2>&1
rc=$?
tail -n 3 "$OUT/test_cuda_blocking.txt" | tee -a "$SUMMARY"
[ $rc -eq 0 ] || { say "FAIL: blocking run exit $rc"; status=1; }

SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -z "$SAN" ]; then
  say "SKIP: compute-sanitizer not found"
else
  # The out-of-memory test makes cudaMalloc fail on purpose: leave it out of memcheck.
  say "== compute-sanitizer memcheck"
  timeout 360 "$SAN" --tool memcheck --leak-check full --error-exitcode 99 \
    "$BIN" --gtest_filter='-CudaAllocator.OutOfMemoryIsRecoverable' >"$OUT/memcheck.txt" 2>&1
  rc=$?
  grep -E "ERROR SUMMARY|LEAK SUMMARY|tests ran|FAILED" "$OUT/memcheck.txt" | tee -a "$SUMMARY"
  [ $rc -eq 0 ] || { say "FAIL: memcheck exit $rc"; status=1; }
  say "== compute-sanitizer racecheck (reductions)"
  timeout 120 "$SAN" --tool racecheck --error-exitcode 99 \
    "$BIN" --gtest_filter='CudaKernels.SumAndMean' >"$OUT/racecheck.txt" 2>&1
  rc=$?
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|tests ran|FAILED" "$OUT/racecheck.txt" | tee -a "$SUMMARY"
  [ $rc -eq 0 ] || { say "FAIL: racecheck exit $rc"; status=1; }
fi
say "== gpu_check status: $status"
exit $status
