#!/usr/bin/env bash
# Builds the browser playground (hnn compiled to WebAssembly, playground/)
# and serves it on this machine only, at http://127.0.0.1:PORT/ (PORT:
# HNN_PLAYGROUND_PORT, default 8023). Missing Debian packages are installed
# first (scripts/lib/deps.sh). Stop the server with Ctrl-C.
#   bash scripts/playground.sh           build into build/playground, then serve
#   bash scripts/playground.sh --build   build only
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/deps.sh
source "$root/scripts/lib/deps.sh"
hnn_ensure_packages cmake ninja-build libeigen3-dev emscripten python3

dir=${HNN_BUILD_ROOT:-$root/build}/playground
bash "$root/playground/build.sh" "$dir"
[[ ${1:-} == --build ]] && exit 0

port=${HNN_PLAYGROUND_PORT:-8023}
echo "hnn playground: http://127.0.0.1:$port/"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir/site"
