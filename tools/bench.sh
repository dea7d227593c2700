#!/usr/bin/env bash
# The benchmark suite, ember vs libtorch side by side (see bench/README.md):
#   tools/bench.sh [reps] [FILTER...] [--epoch]
# Installs what it needs, builds in Release (build-bench/), runs every row whose name contains a
# FILTER (all rows without one), prints one table and writes it as markdown to
# build-bench/results.md. --epoch adds a full Fashion-MNIST epoch per library (~1 min each).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=()
for p in libtorch-dev dataset-fashion-mnist; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

build=build-bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_BENCH=ON \
  -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --parallel 2

# BLIS for the "best BLAS" reference rows: Debian's libblis4-pthread unpacked next to the build
# (not installed, so the system's libblas.so.3 alternative stays OpenBLAS). Skipped if offline.
blis="$build/blis/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4"
if [ ! -f "$blis" ]; then
  mkdir -p "$build/blis"
  if (cd "$build/blis" && apt-get download -q libblis4-pthread >/dev/null 2>&1); then
    dpkg-deb -x "$build"/blis/libblis4-pthread_*.deb "$build/blis"
  else
    echo "bench: could not download libblis4-pthread; the BLIS rows are skipped" >&2
  fi
fi
args=(--md "$build/results.md" --data /usr/share/datasets/fashion-mnist)
[ -f "$blis" ] && args+=(--blis "$(realpath "$blis")")

# Build rows (compile time, library size) unless a filter leaves them out.
run_build=1
filters=()
for a in "$@"; do
  [[ "$a" == --* || "$a" =~ ^[0-9]+$ ]] || filters+=("$a")
done
if [ ${#filters[@]} -gt 0 ]; then
  run_build=0
  for f in "${filters[@]}"; do
    case "build: hello-world compile+link installed library size" in
      *"${f,,}"*) run_build=1 ;;
    esac
  done
fi
if [ "$run_build" = 1 ]; then
  bash tools/bench_build.sh "$build" "$build/build_rows.tsv"
  args+=(--extra "$build/build_rows.tsv")
fi
# OpenBLAS's worker threads (libtorch's GEMMs run on them) spin for about 2^28 cycles after each
# call; in a process that alternates the two libraries that took a core from the next sample
# (both libraries' 2-thread CNN steps measured up to 1.5x slower). 2^4 lets them sleep at once.
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
"./$build/bench/bench_ops" "$@" "${args[@]}"
