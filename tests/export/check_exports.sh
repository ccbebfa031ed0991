#!/bin/sh
# The exported headers on the host, as a user's C and C++ compilers see them:
#
#   tests/export/check_exports.sh <export_models> <mnist-folder> <out-dir>
#
# 1. export_models (tests/export/export_models.cpp) writes the float and int8
#    headers of seven models into <out-dir> (one of them float only).
# 2. Each header is compiled with gcc and clang as C99 (-Wall -Wextra -Werror
#    -pedantic) and with g++ as C++17, into tests/export/arm/run_model.c,
#    which runs its self-test (predict and predict_with bit for bit equal, and
#    within 1e-4 of the outputs hnn computed).
# 3. The model alone (the header with its IMPLEMENTATION defined) is compiled
#    to an object whose undefined symbols may only be <math.h> functions: no
#    malloc, free, printf or any other part of the C library.
# 4. host_check.c runs the MNIST headers on 1,000 test images: the float one
#    within 1e-5 of Sequential::predict, the int8 one agreeing on the top-1
#    class for 99% of the images and within 0.5 points of hnn's accuracy.
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 <export_models> <mnist-folder> <out-dir>" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
generator=$1
data=$2
out=$3
mkdir -p "$out" || exit 1
failed=0
fail() {
    echo "FAILED: $*"
    failed=1
}

"$generator" "$data" "$out" || { echo "FAILED: export_models"; exit 1; }

strict="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
for name in mlp cnn res vec tdist seq mnist mlpq cnnq resq vecq tdistq mnistq; do
    upper=$(echo "$name" | tr 'a-z' 'A-Z')
    header="$out/${name}_model.h"
    defs="-DMODEL_HEADER=\"${name}_model.h\" -DMODEL=$name -DMODEL_UPPER=$upper -D${upper}_IMPLEMENTATION"
    for compiler in gcc clang g++; do
        exe="$out/run_${name}_$compiler"
        if [ "$compiler" = g++ ]; then
            flags="-x c++ -std=c++17 -Wall -Wextra -Werror -pedantic -O2"
        else
            flags=$strict
        fi
        # shellcheck disable=SC2086
        if ! $compiler $flags $defs -I "$out" "$here/arm/run_model.c" -o "$exe" -lm \
            >"$exe.log" 2>&1; then
            head -20 "$exe.log"
            fail "$name: $compiler does not compile the header"
            continue
        fi
        if ! "$exe" >"$exe.txt" 2>&1; then
            tail -3 "$exe.txt"
            fail "$name: the self-test of the $compiler build"
            continue
        fi
        echo "$name, $compiler: $(grep '^self_test' "$exe.txt")"
    done
    # The model alone: only <math.h> may be left undefined.
    printf '#define %s_IMPLEMENTATION\n#include "%s"\n' "$upper" "${name}_model.h" >"$out/${name}_only.c"
    # shellcheck disable=SC2086
    if ! gcc $strict -I "$out" -c "$out/${name}_only.c" -o "$out/${name}_only.o" 2>"$out/${name}_only.log"; then
        cat "$out/${name}_only.log"
        fail "$name: the model alone does not compile"
        continue
    fi
    undefined=$(nm -u "$out/${name}_only.o" | awk '{ print $NF }' | tr '\n' ' ')
    others=$(nm -u "$out/${name}_only.o" | awk '{ print $NF }' |
        grep -Ev '^(expf|expm1f|logf|log1pf|tanhf|erff|sqrtf|fabsf|roundf|floorf)$' | tr '\n' ' ')
    if [ -n "$others" ]; then
        fail "$name: the model object needs $others(only <math.h> is allowed)"
    fi
    case " $undefined " in
        *" malloc "* | *" free "* | *" printf "*) fail "$name: the model object uses the heap or stdio" ;;
    esac
    echo "$name: the model object needs only: ${undefined:-nothing}; $(size "$out/${name}_only.o" | awk 'NR == 2 { print "text " $1 ", data " $2 ", bss " $3 " bytes" }')"
done

for name in mnist mnistq; do
    upper=$(echo "$name" | tr 'a-z' 'A-Z')
    mode=float
    [ "$name" = mnistq ] && mode=int8
    exe="$out/host_check_$name"
    # shellcheck disable=SC2086
    if ! gcc $strict -DMODEL_HEADER="\"${name}_model.h\"" -DMODEL=$name -DMODEL_UPPER=$upper \
        -D${upper}_IMPLEMENTATION -I "$out" "$here/host_check.c" -o "$exe" -lm; then
        fail "$name: host_check.c does not compile"
        continue
    fi
    "$exe" "$out/mnist_test.bin" "$mode" || fail "$name: on the MNIST test images"
done

if [ $failed -ne 0 ]; then
    echo "check_exports: FAILED"
    exit 1
fi
echo "check_exports: ok"
