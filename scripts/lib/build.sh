# shellcheck shell=bash
# CMake helpers shared by scripts/demo.sh and scripts/test.sh (sourced).

# hnn_select_generator: sets HNN_GENERATOR to Ninja when it is installed,
# else Unix Makefiles. Call it after the packages are installed.
hnn_select_generator() {
  if command -v ninja >/dev/null 2>&1; then
    HNN_GENERATOR=Ninja
  else
    HNN_GENERATOR="Unix Makefiles"
  fi
}

# hnn_prepare_build_dir <dir>: keeps a build folder for an incremental build,
# unless it was configured with another generator (CMake would refuse it).
hnn_prepare_build_dir() {
  local dir=$1 cache=$1/CMakeCache.txt
  if [[ -f $cache ]] && ! grep -qx "CMAKE_GENERATOR:INTERNAL=$HNN_GENERATOR" "$cache"; then
    echo "hnn: $dir was configured with another generator; starting it afresh"
    rm -rf "$dir"
  fi
}
