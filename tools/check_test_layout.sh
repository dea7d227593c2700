#!/usr/bin/env bash
# Checks the test layout of tests/README.md: every source file src/<dir>/<name>.{cpp,cu} has a test
# file in tests/<dir>/ - its namesake <name>_test.cpp, or a test file whose leading comment names
# "<name>.cpp" / "<name>.cu" (kernel pairs such as src/cuda/nn.cu + nn_kernels.cpp share one).
# Prints the sources without one and exits 1 if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
for src in src/*/*.cpp src/*/*.cu; do
  [ -e "$src" ] || continue
  dir=$(basename "$(dirname "$src")")
  file=$(basename "$src")
  name=${file%.*}
  [ -f "tests/$dir/${name}_test.cpp" ] && continue
  found=0
  for t in tests/"$dir"/*_test.cpp; do
    [ -e "$t" ] || continue
    # The leading comment block: the lines before the first line that is not a // comment.
    if awk '!/^\/\//{exit} {print}' "$t" | grep -qE "(^|[^A-Za-z0-9_])${name//./\\.}\.(cpp|cu)([^A-Za-z0-9_]|$)"; then
      found=1
      break
    fi
  done
  if [ $found = 0 ]; then
    echo "no test file for $src"
    missing=$((missing + 1))
  fi
done
if [ $missing -gt 0 ]; then
  echo "$missing source file(s) without a test file (see tests/README.md)"
  exit 1
fi
echo "every source file has a test file"
