#!/usr/bin/env bash
# Builds and runs one consumer project against an hnn checkout.
#
#   tests/consumers/run.sh <hnn-source-dir> <work-dir> <case>
#
# <case> is add_subdirectory, find_package, fetchcontent, plain_include or
# distributed (hnn::distributed, which needs MPI; the environment gives
# HNN_CONSUMER_MPIEXEC and HNN_CONSUMER_MPIEXEC_FLAGS to run it with).
# <work-dir> is emptied first. The environment may give CXX (compiler),
# CMAKE_GENERATOR, HNN_CONSUMER_CXX_STANDARD, HNN_CONSUMER_LAUNCHER (e.g.
# ccache) and HNN_CONSUMER_MAKE_PROGRAM; CTest passes those of the outer build.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 <hnn-source-dir> <work-dir> <case>" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
work=$2
case_name=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project="$here/$case_name"

if [[ ! -f "$project/main.cpp" ]]; then
  echo "run.sh: unknown case '$case_name' (no $project/main.cpp)" >&2
  exit 2
fi

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

fail() {
  echo "consumer $case_name: FAILED: $*" >&2
  exit 1
}

# Options shared by every CMake configure below.
cmake_args=()
[[ -n "${CXX:-}" ]] && cmake_args+=("-DCMAKE_CXX_COMPILER=$CXX")
[[ -n "${HNN_CONSUMER_CXX_STANDARD:-}" ]] &&
  cmake_args+=("-DCMAKE_CXX_STANDARD=$HNN_CONSUMER_CXX_STANDARD")
[[ -n "${HNN_CONSUMER_LAUNCHER:-}" ]] &&
  cmake_args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$HNN_CONSUMER_LAUNCHER")
[[ -n "${HNN_CONSUMER_MAKE_PROGRAM:-}" ]] &&
  cmake_args+=("-DCMAKE_MAKE_PROGRAM=$HNN_CONSUMER_MAKE_PROGRAM")

run() {
  echo "+ $*"
  "$@"
}

# Configure, build and run the consumer project in <work>/build.
build_consumer() {
  run cmake -S "$project" -B "$work/build" "${cmake_args[@]}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@"
  run cmake --build "$work/build"
  run "$work/build/consumer"
}

# hnn consumed as a subproject: its tests and examples must stay off, and its
# warning flags must not reach the consumer's compile lines.
check_hnn_stayed_quiet() {
  local build=$work/build
  grep -q '^HNN_BUILD_TESTS:BOOL=OFF$' "$build/CMakeCache.txt" ||
    fail "HNN_BUILD_TESTS is not OFF in the consumer build"
  grep -q '^HNN_BUILD_EXAMPLES:BOOL=OFF$' "$build/CMakeCache.txt" ||
    fail "HNN_BUILD_EXAMPLES is not OFF in the consumer build"
  if find "$build" -name 'hnn_tests*' -print -quit | grep -q .; then
    fail "hnn's test binary was built in the consumer build"
  fi
  if grep -rqs --include='*.ninja' --include='Makefile*' --include='*.make' \
    -e 'hnn_tests' "$build"; then
    fail "the consumer build contains an hnn_tests target"
  fi
  if grep -q -e '-Wpedantic' -e '-Werror' "$build/compile_commands.json"; then
    fail "hnn forced its warning flags on the consumer"
  fi
}

case $case_name in
  add_subdirectory | fetchcontent)
    build_consumer "-DHNN_CHECKOUT=$src"
    check_hnn_stayed_quiet
    ;;
  find_package)
    # Install hnn into a private prefix (nothing to compile: header-only),
    # then let the consumer find it there and nowhere else.
    prefix=$work/prefix
    # The headers, and the one program hnn installs: tools/hnn-export.
    run cmake -S "$src" -B "$work/hnn-build" "${cmake_args[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DHNN_BUILD_TESTS=OFF -DHNN_BUILD_EXAMPLES=OFF -DHNN_BUILD_TOOLS=ON \
      "-DCMAKE_INSTALL_PREFIX=$prefix" | tee "$work/hnn-configure.log"
    run cmake --build "$work/hnn-build"
    run cmake --install "$work/hnn-build"
    # The installed hnn-export on a saved model, float and int8 (calibrated on
    # a CSV), each header compiled as strict C99 and its self-test run.
    if [[ -x "$prefix/bin/hnn-export" ]]; then
      printf 'a,b,c\n0.5,-1,2\n1,0.25,-0.5\n-2,1,0\n' >"$work/calibration.csv"
      for kind in float int8; do
        flags=()
        [[ $kind == int8 ]] && flags=(--int8)
        run "$prefix/bin/hnn-export" "$src/fuzz/corpus/model/valid_float.hnn" --name tiny \
          "${flags[@]}" --calibrate "$work/calibration.csv" --with-test 3 -o "$work/tiny_$kind.h"
        run "${CC:-cc}" -std=c99 -Wall -Wextra -Werror -pedantic -DTINY_IMPLEMENTATION \
          "-DMODEL_HEADER=\"tiny_$kind.h\"" -DMODEL_SELF_TEST=tiny_self_test -I "$work" \
          "$src/tools/tests/self_test_main.c" -o "$work/tiny_$kind" -lm
        run "$work/tiny_$kind" || fail "the $kind header's self-test failed"
      done
    elif grep -q 'tools/hnn-export is not built' "$work/hnn-configure.log"; then
      echo "consumer find_package: hnn-export SKIPPED: cxxopts not found (Debian: libcxxopts-dev)"
    else
      fail "the install has no bin/hnn-export"
    fi
    for f in include/hnn/hnn.hpp share/cmake/hnn/hnnConfig.cmake \
      share/cmake/hnn/hnnConfigVersion.cmake share/cmake/hnn/hnnTargets.cmake; do
      [[ -f "$prefix/$f" ]] || fail "the install has no $f"
    done
    build_consumer "-DCMAKE_PREFIX_PATH=$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    grep -qx "hnn_DIR:PATH=$prefix/share/cmake/hnn" "$work/build/CMakeCache.txt" ||
      fail "find_package found an hnn other than the one just installed"
    grep -q -- "$prefix/include" "$work/build/compile_commands.json" ||
      fail "the consumer does not compile against the installed headers"
    if grep -q -- "$src/include" "$work/build/compile_commands.json"; then
      fail "the consumer compiles against the source tree, not the install"
    fi
    # The version file: 0.2 is this version; 0.1 and 1.0 are not (while the
    # version is 0.x, only the same minor version is compatible).
    mkdir -p "$work/version-check"
    cat >"$work/version-check/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(hnn_version_check LANGUAGES CXX)  # hnn's package finds zlib, which needs a language
find_package(hnn 0.2 CONFIG QUIET)
if(NOT hnn_FOUND)
  message(FATAL_ERROR "find_package(hnn 0.2) did not accept hnn ${hnn_VERSION}")
endif()
foreach(_other IN ITEMS 0.1 0.3 1.0)
  unset(hnn_FOUND)
  unset(hnn_DIR CACHE)
  find_package(hnn ${_other} CONFIG QUIET)
  if(hnn_FOUND)
    message(FATAL_ERROR "find_package(hnn ${_other}) accepted hnn ${hnn_VERSION}")
  endif()
endforeach()
CMAKE
    run cmake -S "$work/version-check" -B "$work/version-check/build" \
      "-DCMAKE_PREFIX_PATH=$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    ;;
  distributed)
    # hnn installed with its MPI component, found with COMPONENTS distributed;
    # the consumer runs on 2 processes. And without MPI in sight, plain
    # find_package(hnn) still works while asking for the component fails.
    prefix=$work/prefix
    run cmake -S "$src" -B "$work/hnn-build" "${cmake_args[@]}" \
      -DHNN_BUILD_TESTS=OFF -DHNN_BUILD_EXAMPLES=OFF -DHNN_BUILD_DISTRIBUTED=ON \
      "-DCMAKE_INSTALL_PREFIX=$prefix"
    run cmake --build "$work/hnn-build"
    run cmake --install "$work/hnn-build"
    [[ -f "$prefix/share/cmake/hnn/hnnDistributedTargets.cmake" ]] ||
      fail "the install has no hnnDistributedTargets.cmake"
    run cmake -S "$project" -B "$work/build" "${cmake_args[@]}" "-DCMAKE_PREFIX_PATH=$prefix" \
      -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    run cmake --build "$work/build"
    read -r -a mpiexec_flags <<<"${HNN_CONSUMER_MPIEXEC_FLAGS:-}"
    run "${HNN_CONSUMER_MPIEXEC:-mpiexec}" "${mpiexec_flags[@]}" -n 2 "$work/build/consumer"
    mkdir -p "$work/no-mpi"
    cat >"$work/no-mpi/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(hnn_no_mpi_check LANGUAGES CXX)
set(CMAKE_DISABLE_FIND_PACKAGE_MPI ON)  # as on a machine without MPI
find_package(hnn 0.2 CONFIG REQUIRED)
if(NOT TARGET hnn::hnn)
  message(FATAL_ERROR "find_package(hnn) without MPI gave no hnn::hnn")
endif()
find_package(hnn 0.2 CONFIG QUIET COMPONENTS distributed)
if(hnn_FOUND)
  message(FATAL_ERROR "find_package(hnn COMPONENTS distributed) succeeded without MPI")
endif()
CMAKE
    run cmake -S "$work/no-mpi" -B "$work/no-mpi/build" "-DCMAKE_PREFIX_PATH=$prefix" \
      -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    ;;
  plain_include)
    # No CMake package at all: the compiler and two include folders.
    eigen=/usr/include/eigen3
    if command -v pkg-config >/dev/null && pkg-config --exists eigen3; then
      eigen=$(pkg-config --variable=includedir eigen3)/eigen3
      [[ -f "$eigen/Eigen/Dense" ]] || eigen=/usr/include/eigen3
    fi
    cxx=${CXX:-c++}
    std=${HNN_CONSUMER_CXX_STANDARD:-17}
    launcher=()
    [[ -n "${HNN_CONSUMER_LAUNCHER:-}" ]] && launcher=("$HNN_CONSUMER_LAUNCHER")
    run "${launcher[@]}" "$cxx" "-std=c++$std" -I "$src/include" -I "$eigen" \
      "$project/main.cpp" -o "$work/consumer"
    run "$work/consumer"
    # The same through CMake, as a project that copied include/ would do it.
    build_consumer "-DHNN_CHECKOUT=$src" "-DEIGEN3_INCLUDE_DIR=$eigen"
    ;;
  *)
    echo "run.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac

echo "consumer $case_name: OK"
