#!/usr/bin/env bash
# Registers, spills and shared memory of every kernel in one CUDA source, from ptxas -v, without a
# GPU: compiles the file with the build's own nvcc command (a CUDA-on build dir) into a scratch
# object. Usage: tools/ptxas_usage.sh build-ci src/cuda/attention.cu [name filter]
set -euo pipefail
BUILD=${1:?build dir}
SRC=${2:?source .cu}
FILTER=${3:-}
obj="CMakeFiles/ember.dir/${SRC}.o"
cmd=$(cd "$BUILD" && ninja -t commands "$obj" | tail -n 1)
[ -n "$cmd" ] || { echo "no compile command for $obj in $BUILD" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmd=${cmd//\/usr\/bin\/ccache /}
cmd=${cmd/-o $obj/-o $out/k.o}
(cd "$BUILD" && eval "$cmd -Xptxas -v") >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
python3 - "$out/log" "$FILTER" <<'PY'
import re, subprocess, sys
log, filt = open(sys.argv[1]).read().split("\n"), sys.argv[2]
rows, cur, spill = [], None, None
for line in log:
    m = re.search(r"Compiling entry function '(\S+)'", line)
    if m:
        cur = m.group(1)
        continue
    m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
    if m and cur:
        spill = m.groups()
        continue
    m = re.search(r"Used (\d+) registers", line)
    if m and cur:
        name = subprocess.run(["c++filt", cur], capture_output=True, text=True).stdout.strip()
        name = re.sub(r"^(void )?ember::cuda::(\w+::)*", "", name)
        smem = re.search(r"(\d+) bytes smem", line)
        rows.append((name, m.group(1), spill[1] if spill else "?", spill[2] if spill else "?",
                     smem.group(1) if smem else "0"))
        cur = None
for name, regs, st, ld, smem in sorted(rows):
    if filt in name:
        print(f"{regs:>4} regs  spill st/ld {st:>4}/{ld:<4}  static smem {smem:>6}  {name}")
PY
