#!/usr/bin/env bash
# Side-by-side CUDA benchmark on a GPU machine: ember's bench_cuda (bench/cuda_bench.cpp) and
# PyTorch's bench/cuda_bench.py, same rows, same GPU, one command; prints each row's medians and
# the ratio PyTorch/ember (above 1: ember is faster).
#   BUILD=<dir with libember.so.0 and bench/bench_cuda> bash tools/gpu_bench.sh [reps]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
REPS=${1:-50}
. tools/gpu_env.sh
export LC_ALL=C
out=$(mktemp -d)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c "import torch; print('PyTorch', torch.__version__)"
"$BUILD/bench/bench_cuda" "$REPS" >"$out/ember.tsv" || { echo "bench_cuda failed"; exit 1; }
python3 bench/cuda_bench.py "$REPS" >"$out/torch.tsv" || { echo "cuda_bench.py failed"; exit 1; }
printf "%-28s %12s %12s %8s\n" row "ember ms" "PyTorch ms" ratio
join -t $'\t' <(sort "$out/ember.tsv") <(sort "$out/torch.tsv") |
  awk -F'\t' '{ printf "%-28s %12.4f %12.4f %7.2fx\n", $1, $2, $3, $3 / $2 }'
