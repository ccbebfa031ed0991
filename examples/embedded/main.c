/* SPDX-License-Identifier: MIT */
/* A C99 program that uses a model hnn trained: the header train_and_export
 * wrote, as a firmware project would use it. No hnn, no Eigen, no C++: the
 * two lines below and a call to moons_predict. It prints the network's
 * verdict on a few points of the plane (the middle and the ends of each
 * moon) and the header's self-test, and exits 1 when the self-test differs
 * from hnn's outputs by more than 1e-5 or a point lands in the wrong moon. */
#include <stdio.h>

#define MOONS_IMPLEMENTATION
#include "moons_model.h"

int main(void)
{
    /* The points (x, y) and the moon each lies in: 0 the upper, 1 the lower. */
    static const float points[][MOONS_INPUT_SIZE] = {
        {-0.5f, 0.75f}, {-1.5f, -0.25f}, {0.5f, -0.25f}, {0.5f, -0.75f}, {1.5f, 0.25f}, {-0.5f, 0.25f}};
    static const int moon[] = {0, 0, 0, 1, 1, 1};
    const int count = (int)(sizeof moon / sizeof moon[0]);
    int wrong = 0;
    float worst;

    for (int k = 0; k < count; ++k) {
        float logit[MOONS_OUTPUT_SIZE];
        moons_predict(points[k], logit);
        const int predicted = logit[0] > 0.0f;
        printf("(%5.2f, %5.2f): logit %8.4f -> moon %d (expected %d)\n", (double)points[k][0],
               (double)points[k][1], (double)logit[0], predicted, moon[k]);
        wrong += predicted != moon[k];
    }

    worst = moons_self_test();
    printf("self-test: largest |difference| from hnn's outputs %g over %d inputs (limit 1e-5)\n",
           (double)worst, MOONS_TEST_COUNT);
    if (wrong > 0) printf("%d of %d points in the wrong moon\n", wrong, count);
    return worst <= 1e-5f && wrong == 0 ? 0 : 1;
}
