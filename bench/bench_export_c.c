/* SPDX-License-Identifier: MIT */
/* bench_export_c: the exported MNIST MLP's two headers (written by
 * bench_export_models into the build folder's bench/generated/export) timed
 * in a C program, to see what the C compiler's flags do to them:
 *
 *   gcc -std=c99 -O3 -I build/bench/bench/generated/export bench/bench_export_c.c -o bench_export_c -lm
 *   ./bench_export_c
 *
 * One input (pixel i = (37 i mod 256) / 255), 300 untimed calls of each, then
 * 3,000 timed calls of each, float and int8 in turn; the medians in µs. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MNIST_F_IMPLEMENTATION
#include "mnist_float.h"
#define MNIST_Q_IMPLEMENTATION
#include "mnist_int8.h"

#define REPS 3000
#define WARMUP 300

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static int compare(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    static float x[MNIST_F_INPUT_SIZE];
    static double t_float[REPS], t_int8[REPS];
    float out[MNIST_F_OUTPUT_SIZE], sink = 0.0f;
    for (int i = 0; i < MNIST_F_INPUT_SIZE; ++i)
        x[i] = (float)((37 * i) % 256) / 255.0f;
    for (int r = -WARMUP; r < REPS; ++r) {
        const double t0 = now_us();
        mnist_f_predict(x, out);
        const double t1 = now_us();
        sink += out[0];
        mnist_q_predict(x, out);
        const double t2 = now_us();
        sink += out[0];
        if (r >= 0) {
            t_float[r] = t1 - t0;
            t_int8[r] = t2 - t1;
        }
    }
    qsort(t_float, REPS, sizeof t_float[0], compare);
    qsort(t_int8, REPS, sizeof t_int8[0], compare);
    printf("one prediction, median of %d: float %.1f us, int8 %.1f us (checksum %g)\n", REPS,
           t_float[REPS / 2], t_int8[REPS / 2], (double)sink);
    return 0;
}
