#!/usr/bin/env bash
# GPT-2 124M's steady-state GPU time per op (EMBER_CUDA_PROFILE, Note [CUDA op profile]): runs
# examples/gpt2 for 3 and for 13 steps with the profile on and prints the difference divided by
# 10 - one step, without the first step's warm-up or the final sample. On the device machine:
#   run(command="BUILD=build-gpu bash tools/gpu_profile.sh", carry=["build-gpu"])
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
. tools/gpu_env.sh
out=${OUT:-$(mktemp -d)}
G="--layers 12 --heads 12 --dim 768 --context 1024 --batch 16 --vocab 50257 --bf16"
for s in 3 13; do
  EMBER_CUDA_PROFILE=1 EMBER_CUDA_PROFILE_ROWS=400 timeout "${T_STEP:-90}" "$BUILD/examples/gpt2" \
    $G --steps "$s" >"$out/profile_$s.txt" 2>&1 || { echo "gpt2 --steps $s failed"; exit 1; }
done
python3 - "$out/profile_3.txt" "$out/profile_13.txt" "${ROWS:-45}" <<'PY'
import re, sys
def load(path):
    rows = {}
    for line in open(path):
        m = re.match(r'^(.*?)\s+(\d+)\s+([\d.]+)\s+([\d.-]+)\s+[\d.]+%$', line.rstrip())
        if m:
            rows[m.group(1).strip()] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
    return rows
a, b = load(sys.argv[1]), load(sys.argv[2])
rows = []
for k, v in b.items():
    u = a.get(k, (0, 0.0, 0.0))
    rows.append((k, (v[0] - u[0]) / 10, (v[1] - u[1]) / 10, (v[2] - u[2]) / 10))
rows.sort(key=lambda r: -r[2])
print("per step: %.1f ms of GPU time, %.0f launches (profiled: slower than an unprofiled run)"
      % (sum(r[2] for r in rows), sum(r[1] for r in rows)))
print("%-56s %9s %9s %9s" % ("op", "launches", "ms", "idle ms"))
for r in rows[:int(sys.argv[3])]:
    print("%-56s %9.1f %9.3f %9.3f" % r)
PY
