#!/usr/bin/env bash
# The playground's checks in a WebAssembly build and a real browser (the
# CTest test playground_checks, with -DHNN_PLAYGROUND_CHECKS=ON):
#   1. builds the playground with Emscripten (playground/build.sh);
#   2. runs the same training under node and natively (playground_trajectory)
#      and compares the first 50 losses (compare.mjs);
#   3. compiles the C++ code the page's button shows (generated_check.cpp)
#      and checks that it builds the playground's model, weights and all;
#   4. installs playwright-core from the committed lock file (npm ci) into
#      the work folder, serves the page on 127.0.0.1 and drives Debian's
#      chromium through it (browser.mjs), saving a screenshot.
#
#   run_checks.sh <playground_trajectory> <work folder> [C++ compiler]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
native=$1
work=$(mkdir -p "$2" && cd "$2" && pwd)
cxx=${3:-c++}

bash "$here/../build.sh" "$work/wasm"
site=$work/wasm/site

echo "== node: the WebAssembly core against the native one, 50 steps"
query="dataset=spiral&noise=0.1&features=x1,x2,sinx1,sinx2&layers=8,8,8&activation=tanh&lr=0.03&batch=10&seed=5"
"$native" "$query" 50 >"$work/native.txt"
node "$here/trajectory.mjs" "$site" "$query" 50 >"$work/wasm.txt"
node "$here/compare.mjs" "$work/native.txt" "$work/wasm.txt"

echo "== the page's C++ code, compiled with $cxx"
cpp_query="dataset=xor&features=x1,x2,x1x2&layers=5,3&activation=relu&reg=l2&rate=0.001&init=he_uniform&optimizer=momentum&batch=8&seed=4"
node "$here/cpp_code.mjs" "$site" "$cpp_query" >"$work/generated_model.hpp"
"$cxx" -std=c++17 -O1 -Wall -Wextra -Werror -I "$here/../../include" \
  -isystem "${HNN_EIGEN_INCLUDE_DIR:-/usr/include/eigen3}" -I "$work" \
  "$here/generated_check.cpp" -o "$work/generated_check"
"$work/generated_check" "$cpp_query"

echo "== chromium: the page, headless"
npm_dir=$work/npm
mkdir -p "$npm_dir"
if ! cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json" || [[ ! -d $npm_dir/node_modules ]]; then
  cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done
node "$here/browser.mjs" "$npm_dir" "http://127.0.0.1:$port" "$work/playground.png"
echo "screenshot: $work/playground.png"
