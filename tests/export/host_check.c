/* host_check.c: an exported MNIST model on 1,000 test images, against what
 * hnn computed for them (tests/export/export_models.cpp writes both).
 *
 *   cc -std=c99 -DMODEL_HEADER='"mnist_model.h"' -DMODEL=mnist -DMODEL_UPPER=MNIST \
 *      -DMNIST_IMPLEMENTATION host_check.c -lm
 *   ./a.out mnist_test.bin float|int8
 *
 * float: every image's outputs within 1e-5 of hnn's, as max|a - b| / max|b|;
 * int8:  top-1 the same as hnn's (float) on at least 99% of the images, and
 *        the accuracy within 0.5 percentage points of hnn's.
 * Prints the figures; exits 1 when a goal is missed or the file is bad.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define HC_CAT(a, b) a##b
#define HC_XCAT(a, b) HC_CAT(a, b)
#define HC_PREDICT HC_XCAT(MODEL, _predict)
#define HC_INPUT_SIZE HC_XCAT(MODEL_UPPER, _INPUT_SIZE)
#define HC_OUTPUT_SIZE HC_XCAT(MODEL_UPPER, _OUTPUT_SIZE)

static int read_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4)
        return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

static int argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; ++i)
        if (v[i] > v[best])
            best = i;
    return best;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "float") != 0 && strcmp(argv[2], "int8") != 0)) {
        fprintf(stderr, "usage: %s mnist_test.bin float|int8\n", argv[0]);
        return 2;
    }
    const int int8 = strcmp(argv[2], "int8") == 0;
    FILE *f = fopen(argv[1], "rb");
    uint32_t count = 0, in = 0, out = 0;
    if (!f || !read_u32(f, &count) || !read_u32(f, &in) || !read_u32(f, &out) ||
        in != HC_INPUT_SIZE || out != HC_OUTPUT_SIZE || count == 0 || count > 100000) {
        fprintf(stderr, "%s: not a reference file for a model of %d inputs and %d outputs\n",
                argv[1], HC_INPUT_SIZE, HC_OUTPUT_SIZE);
        return 1;
    }
    float *images = malloc(sizeof(float) * count * in);
    unsigned char *labels = malloc(count);
    float *expected = malloc(sizeof(float) * count * out);
    if (!images || !labels || !expected || fread(images, sizeof(float), count * in, f) != count * in ||
        fread(labels, 1, count, f) != count ||
        fread(expected, sizeof(float), count * out, f) != count * out) {
        fprintf(stderr, "%s: truncated\n", argv[1]);
        return 1;
    }
    fclose(f);

    double worst = 0;
    uint32_t worst_at = 0, right = 0, right_hnn = 0, same = 0;
    float y[HC_OUTPUT_SIZE];
    for (uint32_t j = 0; j < count; ++j) {
        const float *e = expected + j * out;
        HC_PREDICT(images + j * in, y);
        double diff = 0, size = 0;
        for (uint32_t i = 0; i < out; ++i) {
            diff = fmax(diff, fabs((double)y[i] - (double)e[i]));
            size = fmax(size, fabs((double)e[i]));
        }
        if (!(diff / size <= worst)) {
            worst = diff / size;
            worst_at = j;
        }
        const int top = argmax(y, (int)out), top_hnn = argmax(e, (int)out);
        right += top == labels[j];
        right_hnn += top_hnn == labels[j];
        same += top == top_hnn;
    }
    const double accuracy = (double)right / count, accuracy_hnn = (double)right_hnn / count;
    const double agreement = (double)same / count;
    printf("%s export on %u test images: worst max|a - b| / max|b| = %.3g (image %u)\n",
           int8 ? "int8" : "float", count, worst, worst_at);
    printf("  top-1 agreement with hnn: %.4f; accuracy %.4f, hnn's %.4f (difference %+.2f points)\n",
           agreement, accuracy, accuracy_hnn, 100 * (accuracy - accuracy_hnn));
    int ok = int8 ? agreement >= 0.99 && fabs(accuracy - accuracy_hnn) <= 0.005 : worst <= 1e-5;
    printf("%s\n", ok ? "ok" : "FAILED");
    free(images);
    free(labels);
    free(expected);
    return ok ? 0 : 1;
}
