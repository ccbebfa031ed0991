#!/usr/bin/env bash
# Builds the playground (playground/CMakeLists.txt) with Debian's Emscripten
# into <build-dir> (default build/playground); the page is then in
# <build-dir>/site/. Used by scripts/playground.sh and the playground tests.
#
# Emscripten's system libraries (its libc, libc++ with exceptions, …) are
# compiled on first use into its cache, EM_CACHE. That is kept beside
# ccache's folder, ${XDG_CACHE_HOME:-$HOME/.cache}/hnn-emscripten (or
# $CCACHE_DIR/../hnn-emscripten when CCACHE_DIR is set), so that every clone
# and build folder reuses it and a fresh clone, whose build folder is empty,
# does not build it again; HNN_EM_CACHE overrides it. Debian's package ships
# a prebuilt cache in /usr/share/emscripten/cache, read-only
# (FROZEN_CACHE), which HNN_EM_CACHE=/usr/share/emscripten/cache uses as it
# is; a cache of our own starts as a copy of it and is unfrozen
# (EM_FROZEN_CACHE empty) so that any library variant the link needs is
# built into it, whatever the package ships.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/build/playground}

if [[ -n ${CCACHE_DIR:-} ]]; then
  default_cache=$CCACHE_DIR/../hnn-emscripten
else
  home=${HOME:-$(cd ~ && pwd)}  # ~ is the user's home from the password file when HOME is unset
  default_cache=${XDG_CACHE_HOME:-$home/.cache}/hnn-emscripten
fi
export EM_CACHE=${HNN_EM_CACHE:-$default_cache}
if [[ $EM_CACHE == /usr/share/emscripten/cache ]]; then
  export EM_FROZEN_CACHE=1  # HNN_EM_CACHE=/usr/share/emscripten/cache: Debian's, read-only
else
  export EM_FROZEN_CACHE=
fi
# Emscripten compiles its libraries on EMCC_CORES cores: HNN_JOBS, as the builds.
export EMCC_CORES=${EMCC_CORES:-${HNN_JOBS:-2}}
mkdir -p "$EM_CACHE"
# A new cache of our own starts as a copy of Debian's prebuilt one (a second
# or two for its 750 MB): the libraries the playground links are among them,
# so a fresh machine builds none; what the package lacks is built into the
# copy on first use and kept.
debian_cache=/usr/share/emscripten/cache
if [[ $EM_CACHE != "$debian_cache" && ! -e $EM_CACHE/sysroot && -d $debian_cache/sysroot ]]; then
  echo "playground: seeding the Emscripten cache $EM_CACHE from $debian_cache"
  cp -a "$debian_cache/." "$EM_CACHE/"
fi
# Emscripten's JavaScript tools need acorn, which Debian installs under
# /usr/share/nodejs: where a node other than Debian's is first on PATH it
# does not look there.
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs

if ! command -v emcmake >/dev/null 2>&1; then
  echo "playground: emcmake not found (Debian: apt-get install emscripten)" >&2
  exit 1
fi
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [[ -f $dir/CMakeCache.txt ]] && ! grep -q "CMAKE_TOOLCHAIN_FILE.*Emscripten" "$dir/CMakeCache.txt"; then
  echo "playground: $dir was not configured with emcmake; starting it afresh"
  rm -rf "$dir"
fi
echo "playground: building in $dir (Emscripten cache: $EM_CACHE)"
emcmake cmake -S "$root/playground" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir" -j "${HNN_JOBS:-2}"
