/* SPDX-License-Identifier: MIT */
/* A C99 program around a header that hnn-export wrote, for the tool's tests
 * (tools/CMakeLists.txt). Compiled with, for a model named tiny,
 *     -DTINY_IMPLEMENTATION -DMODEL_HEADER='"tiny_model.h"' -DMODEL_SELF_TEST=tiny_self_test
 * it runs the header's self-test and exits 1 when the largest difference
 * from hnn's outputs exceeds 1e-5. */
#include <stdio.h>

#include MODEL_HEADER

int main(void)
{
    const float worst = MODEL_SELF_TEST();
    printf("self-test of %s: largest |difference| %g\n", MODEL_HEADER, (double)worst);
    return worst <= 1e-5f ? 0 : 1;
}
