/* run_model.c: run a header written by hnn's C exporter on its own test
 * inputs and print every output exactly, so that runs on different machines
 * (the host, a Cortex-M4F under QEMU) can be compared line by line.
 *
 * Build (NAME is the exported model's name, UPPER the same in upper case):
 *   cc -std=c99 -DMODEL_HEADER='"path/NAME_model.h"' -DMODEL=NAME \
 *      -DMODEL_UPPER=UPPER -DUPPER_IMPLEMENTATION [-DSELF_TEST_TOL=1e-4] \
 *      run_model.c -lm
 * The header must have been exported with its self-test (NAME_TEST_COUNT,
 * NAME_test_inputs, NAME_test_outputs, NAME_self_test).
 *
 * Output, one record per line:
 *   model NAME inputs N outputs M tests T
 *   out <test> <index> 0x<IEEE-754 bits> <%.9g>   (9 digits restore a float exactly)
 *   self_test <%.9g>                              (NAME_self_test(): max |output - expected|)
 *   stack_predict <bytes>                         (bare-metal build with RUN_MODEL_STACK only)
 *   result ok | result FAILED: <why>
 * Exit status 0 when NAME_predict and NAME_predict_with agree bit for bit
 * and the self-test is within SELF_TEST_TOL, 1 otherwise.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(MODEL_HEADER) || !defined(MODEL) || !defined(MODEL_UPPER)
#error "define MODEL_HEADER, MODEL and MODEL_UPPER (and MODEL_UPPER##_IMPLEMENTATION)"
#endif

#include MODEL_HEADER

#ifndef SELF_TEST_TOL
#define SELF_TEST_TOL 1e-4
#endif

#define RM_CAT(a, b) a##b
#define RM_XCAT(a, b) RM_CAT(a, b)
#define RM_FN(suffix) RM_XCAT(MODEL, suffix)
#define RM_UC(suffix) RM_XCAT(MODEL_UPPER, suffix)
#define RM_STR(x) #x
#define RM_XSTR(x) RM_STR(x)

#define RM_INPUT_SIZE RM_UC(_INPUT_SIZE)
#define RM_OUTPUT_SIZE RM_UC(_OUTPUT_SIZE)
#define RM_SCRATCH_FLOATS RM_UC(_SCRATCH_FLOATS)
#define RM_TEST_COUNT RM_UC(_TEST_COUNT)
#define RM_TEST_INPUTS RM_FN(_test_inputs)

#ifdef RUN_MODEL_STACK
/* semihost.c (bare-metal build): stack high-water mark. */
void hnn_stack_paint(void);
unsigned long hnn_stack_peak(void);
#endif

static float rm_output[RM_OUTPUT_SIZE];
static float rm_output_with[RM_OUTPUT_SIZE];
static float rm_scratch[RM_SCRATCH_FLOATS + 1];

static uint32_t rm_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

int main(void) {
  int t;
  int j;
  int mismatches = 0;
  float self_test;

  printf("model %s inputs %d outputs %d tests %d\n", RM_XSTR(MODEL), (int)RM_INPUT_SIZE,
         (int)RM_OUTPUT_SIZE, (int)RM_TEST_COUNT);

#ifdef RUN_MODEL_STACK
  hnn_stack_paint();
  RM_FN(_predict)(RM_TEST_INPUTS[0], rm_output);
  printf("stack_predict %lu\n", hnn_stack_peak());
#endif

  for (t = 0; t < (int)RM_TEST_COUNT; ++t) {
    RM_FN(_predict)(RM_TEST_INPUTS[t], rm_output);
    RM_FN(_predict_with)(RM_TEST_INPUTS[t], rm_output_with, rm_scratch);
    for (j = 0; j < (int)RM_OUTPUT_SIZE; ++j) {
      printf("out %d %d 0x%08" PRIx32 " %.9g\n", t, j, rm_bits(rm_output[j]), (double)rm_output[j]);
      if (rm_bits(rm_output[j]) != rm_bits(rm_output_with[j])) {
        ++mismatches;
      }
    }
  }

  self_test = RM_FN(_self_test)();
  printf("self_test %.9g\n", (double)self_test);

  if (mismatches != 0) {
    printf("result FAILED: predict and predict_with differ in %d values\n", mismatches);
    return 1;
  }
  if (!((double)self_test <= (double)(SELF_TEST_TOL))) {
    printf("result FAILED: self_test %.9g exceeds %.9g\n", (double)self_test,
           (double)(SELF_TEST_TOL));
    return 1;
  }
  printf("result ok\n");
  return 0;
}
