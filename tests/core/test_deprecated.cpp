// SPDX-License-Identifier: MIT
// The thin shims kept for code written for hnn 0.1 (CHANGELOG.md, 0.2.0,
// "Deprecated"): the old headers still include what moved, and the old calls
// still give the old results. Their deprecation warnings are silenced here
// only; a user's build shows them.

#include <doctest/doctest.h>

#include "hnn/core/ftz.hpp"
#include "hnn/core/parallel.hpp"
#include "hnn/hnn.hpp"
#include "hnn/model/fit.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

TEST_CASE("deprecated: Layer::output_size(n) answers as compute_output_shape does") {
  hnn::Random rng(1);
  hnn::Dense<float> dense(4, 3, rng);
  CHECK(dense.output_size(4) == 3);
  CHECK_THROWS_AS(dense.output_size(5), hnn::ShapeError);
  hnn::Activation<float, hnn::Tanh> tanh_layer;
  CHECK(tanh_layer.output_size(7) == 7);
}

TEST_CASE("deprecated: product(dst, A, B[, accumulate[, alpha]]) is set_product or add_product") {
  const hnn::Matrix<double> A = hnn::Matrix<double>::Random(3, 4),
                            B = hnn::Matrix<double>::Random(4, 2);
  hnn::Matrix<double> C = hnn::Matrix<double>::Ones(3, 2);
  hnn::product(C, A, B);  // C = A B
  CHECK(C.isApprox(A * B));
  hnn::product(C, A, B, true);  // C += A B
  CHECK(C.isApprox(2 * A * B));
  hnn::product(C, A, B, true, -2.0);  // C += −2 A B
  CHECK(C.norm() < 1e-12);
}

TEST_CASE(
    "deprecated: core/ftz.hpp, core/parallel.hpp and model/fit.hpp compile and give FlushToZero") {
  {
    hnn::FlushToZero ftz;
    CHECK(hnn::FlushToZero::active() == hnn::FlushToZero::supported());
  }
  CHECK_FALSE(hnn::FlushToZero::active());
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
