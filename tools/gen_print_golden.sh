#!/usr/bin/env bash
# Regenerates tests/golden/print_libtorch.txt by printing tests/core/print_cases.inc with libtorch.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/t.cpp" <<'CPP'
#include <torch/torch.h>
#include <cmath>
#include <iostream>
namespace NS = torch;
#define P(x) std::cout << (x) << "\n---\n"
int main() {
#include "print_cases.inc"
}
CPP
cp tests/core/print_cases.inc "$tmp/"
g++ -std=c++17 -O1 -I/usr/include/torch/csrc/api/include "$tmp/t.cpp" -o "$tmp/t" \
  -ltorch -ltorch_cpu -lc10
"$tmp/t" > tests/golden/print_libtorch.txt
