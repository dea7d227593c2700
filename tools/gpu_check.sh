#!/usr/bin/env bash
# What a GPU session runs on the device machine (see tests/README.md, "CUDA tests"):
#   run(command="BUILD=build-bench bash tools/gpu_check.sh",
#       carry=[build-bench/libember.so.0.1.0, build-bench/tests/test_cuda, build-bench/tests/test_opdb])
# SKIP_SANITIZER=1 leaves out the compute-sanitizer phases; MEMCHECK_FILTER picks the tests
# memcheck runs (default: all but the out-of-memory and the 2 GB tests).
# Runs the CUDA test binary built here, the op database on CUDA (when test_opdb is there), then
# compute-sanitizer memcheck (and racecheck on the reduction tests) over the CUDA tests.
# $OUT (or ./gpu_check_out) gets summary.txt and logs.tgz with every log (the device tool brings
# back only a few files). Exit status: 0 when all passed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FINAL=${OUT:-$PWD/gpu_check_out}
mkdir -p "$FINAL"
OUT=$(mktemp -d)/gpu_check
mkdir -p "$OUT"
SUMMARY="$FINAL/summary.txt"
trap 'tar czf "$FINAL/logs.tgz" -C "$(dirname "$OUT")" gpu_check' EXIT
: >"$SUMMARY"
status=0
say() { echo "$*" | tee -a "$SUMMARY"; }

# The test binary's RUNPATH points at the build tree it was linked in; use this one instead (and
# the toolkit's, cuBLAS's and cuDNN's folders: tools/gpu_env.sh).
. tools/gpu_env.sh
# Time limits (seconds) of each phase, so the whole check fits a device lease.
T_TESTS=${T_TESTS:-300}
T_OPDB=${T_OPDB:-300}
T_MEMCHECK=${T_MEMCHECK:-360}
T_RACECHECK=${T_RACECHECK:-120}
BIN="$BUILD/tests/test_cuda"

say "== device"
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true) | tee -a "$SUMMARY"
say "== libraries"
ldd "$BIN" | tee "$OUT/ldd.txt" | grep -E "ember|cublas|openblas|not found" | tee -a "$SUMMARY"
say "cuDNN: ${GPU_ENV_CUDNN:-none found}"
if grep -q "not found" "$OUT/ldd.txt"; then
  say "FAIL: missing shared libraries (see ldd.txt)"
  exit 2
fi

say "== test_cuda"
timeout "$T_TESTS" "$BIN" --gtest_output=xml:"$OUT/test_cuda.xml" >"$OUT/test_cuda.txt" 2>&1
rc=$?
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]|tests? from .* ran\." "$OUT/test_cuda.txt" | grep -v "SKIPPED \] [A-Z]" | tee -a "$SUMMARY"
[ $rc -eq 0 ] || { say "FAIL: test_cuda exit $rc"; status=1; }

say "== test_cuda with CUDA_LAUNCH_BLOCKING=1 (kernels + copies)"
CUDA_LAUNCH_BLOCKING=1 timeout 120 "$BIN" --gtest_filter='CudaKernels.*:CudaCopy.*' \
  >"$OUT/test_cuda_blocking.txt" 2>&1
rc=$?
tail -n 3 "$OUT/test_cuda_blocking.txt" | tee -a "$SUMMARY"
[ $rc -eq 0 ] || { say "FAIL: blocking run exit $rc"; status=1; }

# The op database with its inputs on the GPU. An op that crashes instead of raising must not hide
# the rest: after a crash every sample of that op is excluded and the run goes on (max 60).
OPDB="$BUILD/tests/test_opdb"
if [ -x "$OPDB" ]; then
  say "== test_opdb on CUDA (OpDbCuda.*, OpDbCuda16.*)"
  exclude=""
  : >"$OUT/opdb_crashes.txt"
  opdb_start=$SECONDS
  for attempt in $(seq 1 60); do
    [ $((SECONDS - opdb_start)) -lt "$T_OPDB" ] || { say "opdb: out of time"; break; }
    timeout "$T_OPDB" "$OPDB" --gtest_filter="Golden/OpDbCuda.*:Golden/OpDbCuda16.*${exclude:+-$exclude}" \
      >"$OUT/opdb_cuda_$attempt.txt" 2>&1
    rc=$?
    log="$OUT/opdb_cuda_$attempt.txt"
    if grep -qE "tests? from .* ran\." "$log"; then
      # A device fault (sticky: every later CUDA call fails) counts as a crash of the first test
      # that reported it.
      fault=$(grep -n -m1 "CUDA error: an illegal\|CUDA error: misaligned\|CUDA error: unspecified" "$log" |
        cut -d: -f1)
      [ -n "$fault" ] || break
      crashed=$(head -n "$fault" "$log" | grep -E "^\[ RUN      \]" | tail -n 1 | awk '{print $4}')
      rc=fault
    else
      crashed=$(grep -E "^\[ RUN      \]" "$log" | tail -n 1 | awk '{print $4}')
    fi
    [ -n "$crashed" ] || { say "FAIL: test_opdb exit $rc before any test"; break; }
    say "CRASH (exit $rc) in $crashed"
    echo "$crashed $rc" >>"$OUT/opdb_crashes.txt"
    exclude="${exclude:+$exclude:}${crashed%%__*}__*"
  done
  last="$OUT/opdb_cuda_$attempt.txt"
  cat "$OUT"/opdb_cuda_*.txt >"$OUT/opdb_cuda_all.txt"
  grep -E "^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]|tests? from .* ran\." "$last" | tee -a "$SUMMARY"
  # Which ops lack a kernel (from the skip messages) and which failed.
  grep -o "\[[a-z_0-9]*\] no kernel registered for device cuda" "$OUT/opdb_cuda_all.txt" |
    sort | uniq -c | sort -rn >"$OUT/opdb_missing_kernels.txt"
  say "distinct missing CUDA kernels: $(wc -l <"$OUT/opdb_missing_kernels.txt")"
  head -n 40 "$OUT/opdb_missing_kernels.txt" >>"$SUMMARY"
  grep -E "^\[  FAILED  \] Golden" "$last" | sed 's/ (.*//' | sort -u >"$OUT/opdb_failed.txt"
  say "failed samples: $(wc -l <"$OUT/opdb_failed.txt") (opdb_failed.txt); crashes: $(wc -l <"$OUT/opdb_crashes.txt")"
  sed 's/__.*//' "$OUT/opdb_failed.txt" | sort | uniq -c | sort -rn | head -n 40 >>"$SUMMARY"
  [ -s "$OUT/opdb_failed.txt" ] || [ -s "$OUT/opdb_crashes.txt" ] && status=1
fi

SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "${SKIP_SANITIZER:-}" ]; then
  say "SKIP: compute-sanitizer (SKIP_SANITIZER set)"
elif [ -z "$SAN" ]; then
  say "SKIP: compute-sanitizer not found"
else
  # The out-of-memory test makes cudaMalloc fail on purpose: leave it out of memcheck. No leak
  # check: the caching allocator (like PyTorch's) and cuBLAS keep their memory until exit.
  say "== compute-sanitizer memcheck"
  timeout "$T_MEMCHECK" "$SAN" --tool memcheck --leak-check no --error-exitcode 99 \
    "$BIN" --gtest_filter="${MEMCHECK_FILTER:--CudaAllocator.OutOfMemoryIsRecoverable:CudaKernels.LargeNonContiguousOperandsAreSplit}" \
    >"$OUT/memcheck.txt" 2>&1
  rc=$?
  grep -E "ERROR SUMMARY|LEAK SUMMARY|tests? from .* ran\.|FAILED" "$OUT/memcheck.txt" | tee -a "$SUMMARY"
  [ $rc -eq 0 ] || { say "FAIL: memcheck exit $rc"; status=1; }
  say "== compute-sanitizer racecheck (reductions)"
  timeout "$T_RACECHECK" "$SAN" --tool racecheck --error-exitcode 99 \
    "$BIN" --gtest_filter='CudaKernels.SumAndMean' >"$OUT/racecheck.txt" 2>&1
  rc=$?
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|tests? from .* ran\.|FAILED" "$OUT/racecheck.txt" | tee -a "$SUMMARY"
  [ $rc -eq 0 ] || { say "FAIL: racecheck exit $rc"; status=1; }
fi
say "== gpu_check status: $status"
exit $status
