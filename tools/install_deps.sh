#!/usr/bin/env bash
# Installs the Debian packages ember needs to build and test. Safe to rerun.
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache libopenblas-dev libgtest-dev libbenchmark-dev zlib1g-dev)
if [ "${1:-}" = "--reference" ]; then
  pkgs+=(python3-torch python3-numpy)   # PyTorch 1.13 for golden values
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
