#!/usr/bin/env bash
# The main job: builds ember in Release and trains the Fashion-MNIST CNN (examples/fashion_mnist).
#   tools/run_example.sh [--epochs N] [--out DIR] [--resume] ...   (arguments go to the program)
#   EXAMPLE=fit_line tools/run_example.sh                         (another example)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
name=${EXAMPLE:-fashion_mnist}
if [ "$name" = fashion_mnist ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q dataset-fashion-mnist
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$(nproc)" --target "$name"
"./build/examples/$name" "$@"
