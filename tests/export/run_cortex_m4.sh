#!/bin/sh
# run_cortex_m4.sh: run an exported hnn C header on a Cortex-M4F (QEMU's
# mps2-an386 board, bare metal, semihosting) and on the host, and compare.
#
#   tests/export/run_cortex_m4.sh <header> <name> <out-dir> [<rel-tolerance>]
#
# <header> is a file written by hnn's exporter with its self-test, <name> the
# model's name (NAME_predict ...), <out-dir> receives every build product and
# log. <rel-tolerance> (default 1e-5) bounds, for each test input, the largest
# |target - host| over its outputs divided by the largest |host|; 0 demands
# bit-identical outputs. The environment variable SELF_TEST_TOL (default 1e-4)
# bounds NAME_self_test() on both machines.
#
# Prints the model's flash (text + rodata) and RAM (data + bss + worst stack
# depth from -fstack-usage) on the Cortex-M4F, the QEMU run time, the worst
# difference and "ok" or "FAILED".
# Exit status: 0 ok, 1 failure, 77 skipped (printed as SKIPPED: why) when
# arm-none-eabi-gcc or qemu-system-arm is missing or QEMU cannot start.
# $cpu, $cflags, $model_defs and the "set --" lines split words on purpose;
# the quotes inside $model_defs are meant literally (a C string macro).
# shellcheck disable=SC2086,SC2089,SC2090
set -u

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 <header> <name> <out-dir> [<rel-tolerance>]" >&2
    exit 1
fi
header=$1
name=$2
out=$3
tol=${4:-1e-5}
self_tol=${SELF_TEST_TOL:-1e-4}
board=mps2-an386
arm_dir=$(cd "$(dirname "$0")/arm" && pwd)

fail() {
    echo "cortex-m4 $name: FAILED: $*"
    exit 1
}

case $name in
    [a-z_]*) ;;
    *) fail "model name '$name' is not a lower-case C identifier" ;;
esac
if printf '%s' "$name" | grep -q '[^a-z0-9_]'; then
    fail "model name '$name' is not a lower-case C identifier"
fi
[ -f "$header" ] || fail "no header $header"
case $tol in
    '' | *[!0-9.eE+-]*) fail "relative tolerance '$tol' is not a number" ;;
esac

for tool in arm-none-eabi-gcc qemu-system-arm; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIPPED: cortex-m4 $name: $tool is not installed"
        exit 77
    fi
done
for tool in arm-none-eabi-size arm-none-eabi-nm gcc awk timeout; do
    command -v $tool >/dev/null 2>&1 || fail "$tool is not installed"
done

upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
mkdir -p "$out" || fail "cannot create $out"
out=$(cd "$out" && pwd)
# A copy under a fixed name, so that no path has to be quoted inside a macro.
cp "$header" "$out/exported_model.h" || fail "cannot copy $header to $out"

cpu="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
cflags="-O2 -std=c99 -Wall -Wextra -Werror -pedantic -ffunction-sections -fdata-sections"
model_defs="-DMODEL_HEADER=\"exported_model.h\" -DMODEL=$name -DMODEL_UPPER=$upper -D${upper}_IMPLEMENTATION -DSELF_TEST_TOL=$self_tol"

# 1. The model alone: its own sizes, stack depth and library references.
printf '#define %s_IMPLEMENTATION\n#include "exported_model.h"\n' "$upper" >"$out/model.c"
(cd "$out" && arm-none-eabi-gcc $cpu $cflags -fstack-usage -fcallgraph-info=su \
    -c model.c -o model.o) >"$out/model_build.log" 2>&1 ||
    { cat "$out/model_build.log"; fail "cross-compiling the model alone"; }
arm-none-eabi-size -A "$out/model.o" >"$out/model_size.txt" || fail "arm-none-eabi-size"
# Sum sections by kind; the self-test's data and code are also shown apart.
sizes=$(awk -v n="$name" '
    $1 ~ /^\.text/ || $1 ~ /^\.ARM\.ex/ { text += $2 }
    $1 ~ /^\.rodata/ { rodata += $2 }
    $1 ~ /^\.data/ { data += $2 }
    $1 ~ /^\.bss/ || $1 == "COMMON" { bss += $2 }
    $1 == ".rodata." n "_test_inputs" || $1 == ".rodata." n "_test_outputs" || $1 == ".text." n "_self_test" { selftest += $2 }
    END { printf "%d %d %d %d %d\n", text, rodata, data, bss, selftest }' "$out/model_size.txt")
set -- $sizes
m_text=$1 m_rodata=$2 m_data=$3 m_bss=$4 m_selftest=$5

# libm functions the model calls, with what they pull in from libm.
arm-none-eabi-gcc $cpu -nostdlib -Wl,-r "$out/model.o" -lm -o "$out/model_libm.o" \
    >>"$out/model_build.log" 2>&1 || fail "ld -r of the model with libm"
libm_text=$(arm-none-eabi-size -A "$out/model_libm.o" |
    awk '$1 ~ /^\.text/ || $1 ~ /^\.rodata/ || $1 ~ /^\.ARM\.ex/ { s += $2 } END { print s + 0 }')
libm_text=$((libm_text - m_text - m_rodata))

# The model must not reach the heap or any I/O.
arm-none-eabi-nm -u "$out/model.o" >"$out/model_undefined.txt"
bad=$(grep -E -w 'malloc|calloc|realloc|free|_malloc_r|_free_r|printf|fprintf|sprintf|snprintf|puts|fputs|putchar|fputc|fwrite|fopen|fclose|fflush|write|_write|_sbrk|sbrk|exit|abort' \
    "$out/model_undefined.txt" | awk '{ print $2 }' | tr '\n' ' ')
[ -z "$bad" ] || fail "the model object references $bad(see $out/model_undefined.txt)"

stack=$(awk -v root="${name}_predict" -f "$arm_dir/stack_depth.awk" "$out/model.ci") ||
    fail "no stack depth for ${name}_predict in $out/model.ci"
set -- $stack
stack_bytes=$1 stack_kind=$2 stack_path=$3 stack_ext=$4

# 2. The driver for the Cortex-M4F, linked with the start-up and semihosting.
(cd "$out" && arm-none-eabi-gcc $cpu $cflags -fstack-usage $model_defs -DRUN_MODEL_STACK -I . \
    -nostartfiles -T "$arm_dir/mps2_an386.ld" -Wl,--gc-sections -Wl,-Map=run_model_m4.map \
    "$arm_dir/startup.S" "$arm_dir/semihost.c" "$arm_dir/run_model.c" -lm -o run_model_m4.elf) \
    >"$out/m4_build.log" 2>&1 || { cat "$out/m4_build.log"; fail "cross-compiling run_model.c"; }
arm-none-eabi-size -A "$out/run_model_m4.elf" >"$out/elf_size.txt"
elf=$(awk '$1 == ".isr_vector" || $1 == ".text" || $1 ~ /^\.ARM\.ex/ { t += $2 }
    $1 == ".rodata" { r += $2 } $1 == ".data" { d += $2 } $1 == ".bss" { b += $2 }
    END { printf "%d %d %d %d\n", t, r, d, b }' "$out/elf_size.txt")

# 3. QEMU: first that it can start at all (paused, killed by the timeout).
timeout 2 qemu-system-arm -M $board -nographic -monitor none -S \
    -kernel "$out/run_model_m4.elf" </dev/null >"$out/qemu_probe.log" 2>&1
probe=$?
if [ $probe -ne 124 ]; then
    echo "SKIPPED: cortex-m4 $name: qemu-system-arm -M $board cannot start (status $probe):" \
        "$(head -c 300 "$out/qemu_probe.log")"
    exit 77
fi
t0=$(date +%s%N)
timeout 120 qemu-system-arm -M $board -nographic -monitor none \
    -semihosting-config enable=on,target=native -kernel "$out/run_model_m4.elf" \
    </dev/null >"$out/target.txt" 2>&1
qemu_status=$?
t1=$(date +%s%N)
qemu_ms=$(((t1 - t0) / 1000000))
if [ $qemu_status -eq 124 ]; then
    tail -5 "$out/target.txt"
    fail "QEMU timed out after 120 s"
fi
if [ $qemu_status -ne 0 ]; then
    tail -5 "$out/target.txt"
    fail "the Cortex-M4F run exited with status $qemu_status"
fi

# 4. The same driver on the host.
gcc $cflags $model_defs -I "$out" -o "$out/run_model_host" "$arm_dir/run_model.c" -lm \
    >"$out/host_build.log" 2>&1 || { cat "$out/host_build.log"; fail "compiling run_model.c for the host"; }
"$out/run_model_host" >"$out/host.txt" 2>&1
host_status=$?
if [ $host_status -ne 0 ]; then
    tail -3 "$out/host.txt"
    fail "the host run exited with status $host_status"
fi

# 5. Compare value by value: per test input, max|a - b| / max|b| (b = host).
cmp=$(awk -v tol="$tol" '
    function nonfinite(s) { return s ~ /nan|inf/ }
    FNR == 1 { file++ }
    $1 == "out" && NF == 5 {
        key = $2 " " $3
        if (file == 1) { hb[key] = $4; hv[key] = $5; nh++; tests[$2] = 1 }
        else { tb[key] = $4; tv[key] = $5; nt++ }
    }
    END {
        if (nh == 0) { print "FAILED no output lines from the host"; exit }
        if (nt != nh) { print "FAILED " nt " values from the target, " nh " from the host"; exit }
        worst = 0; nbad = 0; shown = ""
        for (key in hb) {
            if (!(key in tb)) { print "FAILED value " key " missing on the target"; exit }
            split(key, k, " ")
            # NaN on both sides matches whatever its sign and payload
            # (x86 and Arm make different default NaNs); the self-test catches NaN.
            if (hv[key] ~ /nan/ && tv[key] ~ /nan/) continue
            if (tb[key] != hb[key] && (tol == 0 || nonfinite(hv[key]) || nonfinite(tv[key]))) {
                if (++nbad <= 3) shown = shown ", out " key ": " tv[key] " (" tb[key] ") vs " hv[key] " (" hb[key] ")"
            }
            if (nonfinite(hv[key]) || nonfinite(tv[key])) continue
            d = tv[key] - hv[key]; if (d < 0) d = -d
            a = hv[key] + 0; if (a < 0) a = -a
            if (d > diff[k[1]]) diff[k[1]] = d
            if (a > scale[k[1]]) scale[k[1]] = a
        }
        for (t in tests) {
            if (diff[t] == 0) r = 0
            else if (scale[t] == 0) r = 1e300
            else r = diff[t] / scale[t]
            if (r > worst) worst = r
        }
        if (nbad > 0) { printf "FAILED %.3g, %d of %d values differ in their bits%s\n", worst, nbad, nh, shown; exit }
        if (worst > tol + 0) { printf "FAILED %.3g\n", worst; exit }
        printf "ok %.3g\n", worst
    }' "$out/host.txt" "$out/target.txt")

self_t=$(awk '$1 == "self_test" { print $2 }' "$out/target.txt")
self_h=$(awk '$1 == "self_test" { print $2 }' "$out/host.txt")
stack_meas=$(awk '$1 == "stack_predict" { print $2 }' "$out/target.txt")
nvalues=$(grep -c '^out ' "$out/host.txt")
set -- $elf
flash=$((m_text + m_rodata))
ram=$((m_data + m_bss + stack_bytes))

echo "cortex-m4 $name: board $board (QEMU $(qemu-system-arm --version | awk 'NR == 1 { print $4 }'), Cortex-M4F, -O2 $cpu)"
echo "  model object: text $m_text, rodata $m_rodata, data $m_data, bss $m_bss bytes; self-test part of flash $m_selftest"
if [ "$stack_ext" = - ]; then
    stack_ext="no calls out of the model"
else
    stack_ext="not counted: $stack_ext"
fi
echo "  stack of ${name}_predict from -fstack-usage: $stack_bytes bytes ($stack_kind; $stack_path; $stack_ext); measured on the target: ${stack_meas:-?} bytes"
echo "  flash (text + rodata): $flash bytes (+ $libm_text bytes of libm it calls)"
echo "  RAM (data + bss + stack): $ram bytes"
echo "  whole test program: text $1, rodata $2, data $3, bss $4 bytes (plus reserved heap and stack)"
echo "  QEMU run: $qemu_ms ms; self_test target ${self_t:-?}, host ${self_h:-?} (limit $self_tol)"
case $cmp in
    ok*)
        echo "  worst relative difference over $nvalues values: ${cmp#ok } (tolerance $tol)"
        echo "cortex-m4 $name: ok"
        exit 0
        ;;
    *)
        echo "  worst relative difference over $nvalues values: ${cmp#FAILED } (tolerance $tol)"
        fail "target and host outputs differ"
        ;;
esac
