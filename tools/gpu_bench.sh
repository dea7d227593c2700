#!/usr/bin/env bash
# Side-by-side CUDA benchmark on a GPU machine: ember's bench_cuda (bench/cuda_bench.cpp) and
# PyTorch's bench/cuda_bench.py, same rows, same GPU, one command; prints each row's medians and
# the ratio PyTorch/ember (above 1: ember is faster). Memory-bound rows also get GB/s (bytes read
# plus written, per side) and ember's GB/s as a share of ember's device-to-device copy row.
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
printf "%-40s %10s %10s %7s %16s %16s %7s\n" row "ember ms" "torch ms" ratio "ember rate" \
  "torch rate" "of copy"
# Bytes each memory-bound row moves (float32: 16M elements = 64 MiB; softmax/layer_norm over
# 4096x4096; embedding 8192 rows of 768 read and written; cross_entropy reads 8192x1024 logits)
# and the flops of the compute rows (attention: causal, half of 4*B*H*T*T*D forward; the
# backward 2.5 times the forward, FlashAttention's count; convolution backward: 2 times forward).
join -t $'\t' <(sort "$out/ember.tsv") <(sort "$out/torch.tsv") |
  awk -F'\t' 'BEGIN {
      m = 16 * 1048576 * 4;
      bytes["copy 16M f32 (d2d)"] = 2 * m; bytes["add 16M f32"] = 3 * m;
      bytes["gelu 16M f32"] = 2 * m; bytes["sum 16M f32"] = m;
      bytes["softmax 4096x4096 f32"] = 2 * m; bytes["layer_norm 4096x4096 f32"] = 2 * m;
      bytes["embedding 8192x768"] = 2 * 8192 * 768 * 4;
      bytes["cross_entropy 8192x1024"] = 8192 * 1024 * 4;
      mm = 2 * 4096 ^ 3; lm = 2 * 16384 * 50257 * 768;
      flops["mm 4096 f32 (no tf32)"] = mm; flops["mm 4096 tf32"] = mm; flops["mm 4096 bf16"] = mm;
      flops["lm-head x W^T bf16"] = lm; flops["lm-head g W bf16"] = lm;
      flops["lm-head g^T x bf16"] = lm;
      at = 4 * 8 * 12 * 1024 * 1024 * 64 / 2;
      flops["sdpa fwd b8h12 t1024 d64 causal bf16"] = at;
      flops["sdpa fwd+bwd b8h12 t1024 d64 causal bf16"] = 3.5 * at;
      flops["sdpa fwd+bwd b8h12 t1024 d64 causal bf16 dropout 0.1"] = 3.5 * at;
      flops["sdpa fwd+bwd b8h12 t1024 d64 padding mask bf16"] = 2 * 3.5 * at;
      cv = 2 * 32 * 128 * 128 * 9 * 28 * 28;
      flops["conv2d 3x3 128c 28x28 b32 f32 fwd"] = cv;
      flops["conv2d 3x3 128c 28x28 b32 bf16 fwd+bwd"] = 3 * cv;
      ops["add 64 f32 x1000 queued"] = 1000;
    }
    { ms[NR] = $2; tms[NR] = $3; name[NR] = $1; if ($1 == "copy 16M f32 (d2d)") copy = bytes[$1] / $2 / 1e6 }
    END {
      for (i = 1; i <= NR; ++i) {
        printf "%-40s %10.4f %10.4f %6.2fx", name[i], ms[i], tms[i], tms[i] / ms[i];
        if (name[i] in bytes) {
          gb = bytes[name[i]] / ms[i] / 1e6;
          printf " %11.0f GB/s %11.0f GB/s", gb, bytes[name[i]] / tms[i] / 1e6;
          if (copy > 0) printf " %6.0f%%", 100 * gb / copy;
        } else if (name[i] in flops) {
          printf " %8.1f TFLOP/s %8.1f TFLOP/s", flops[name[i]] / ms[i] / 1e9, flops[name[i]] / tms[i] / 1e9;
        } else if (name[i] in ops) {
          printf " %11.2f us/op %11.2f us/op", 1000 * ms[i] / ops[name[i]], 1000 * tms[i] / ops[name[i]];
        }
        printf "\n";
      }
    }'
