// SPDX-License-Identifier: MIT
// perf/lazy_gradient.hpp: the gradient that Dense keeps its dW in. The fast
// forms (zeros not written, dW kept as its factors, plain SGD stepping from
// them) must give what the readable forms give: dW = dZ Xᵀ written out, and
// w ← w − η ∇w on it.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

TEST_CASE("LazyGradient: after zero_grad the next backward writes, and readers see zeros") {
  hnn::Random rng(2);
  hnn::Dense<double> d(3, 2, rng);
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> dZ = Matrix<double>::Random(2, 4);
  auto params = d.parameters();
  for (int batch : {1, 4}) {  // the outer-product path and the general product
    CAPTURE(batch);
    d.forward(X.leftCols(batch), hnn::Mode::train);
    d.backward(dZ.leftCols(batch));
    d.backward(dZ.leftCols(batch));  // some gradient to forget
    hnn::zero_grad(params);
    d.forward(X.leftCols(batch), hnn::Mode::train);
    d.backward(dZ.leftCols(batch));  // writes: the old gradient is gone
    const Matrix<double> once = dZ.leftCols(batch) * X.leftCols(batch).transpose();
    CHECK(params[0].grad().isApprox(once));
    d.backward(dZ.leftCols(batch));  // and adds again afterwards
    CHECK(params[0].grad().isApprox(2 * once));
  }
  // Read between zero_grad and backward: zeros, through every accessor.
  hnn::zero_grad(params);
  CHECK(params[0].grad().isZero(0));
  CHECK(params[1].grad().isZero(0));
  hnn::zero_grad(params);
  const double* g = params[0].grad().data();
  CHECK(std::all_of(g, g + params[0].size(), [](double v) { return v == 0; }));
  // An optimizer stepping after zero_grad, without a backward, sees zeros too.
  hnn::zero_grad(params);
  const Matrix<double> W0 = d.W();
  hnn::SGD<double> sgd(1.0);
  sgd.step(params);
  CHECK(d.W() == W0);
}

TEST_CASE(
    "LazyGradient: Dense keeps dW = dZ Xᵀ as factors at small batches; plain SGD steps from them") {
  hnn::Random rng(4);
  hnn::Dense<double> d(16, 12, rng);
  const Index n = 2;  // n (16 + 12) ≤ 16 · 12: deferred
  Matrix<double> X = Matrix<double>::Random(16, n);
  const Matrix<double> X0 = X;
  const Matrix<double> dZ = Matrix<double>::Random(12, n);
  const Matrix<double> G = dZ * X0.transpose();
  const double lr = 0.1;

  // One SGD step on a copy of d: `read_first` reads dW before the step
  // (computing it), the other copy steps straight from the factors.
  auto step = [&](bool read_first, bool change_input) {
    auto copy = d.clone();
    auto& c = static_cast<hnn::Dense<double>&>(*copy);
    auto params = c.parameters();
    hnn::zero_grad(params);
    X = X0;
    c.forward(X, hnn::Mode::train);
    c.backward(dZ);
    if (change_input) X.setRandom();  // the layer kept copies, not views
    if (read_first) CHECK(params[0].grad().isApprox(G));
    hnn::SGD<double> sgd(lr);
    sgd.step(params);
    CHECK(params[0].grad().isApprox(G));  // still readable after the step (monitors read it)
    return Matrix<double>(c.W());
  };
  const Matrix<double> expected = d.W() - lr * G;
  CHECK(step(false, false).isApprox(expected, 1e-14));
  CHECK(step(true, false).isApprox(expected, 1e-14));
  CHECK(step(false, true).isApprox(expected, 1e-14));

  auto params = d.parameters();
  auto deferred_backward = [&] {  // zero_grad, forward, backward: dW kept as dZ and X
    hnn::zero_grad(params);
    d.forward(X0, hnn::Mode::train);
    d.backward(dZ);
  };
  SUBCASE("two backwards without zero_grad add up") {
    deferred_backward();
    d.backward(dZ);
    CHECK(params[0].grad().isApprox(2 * G));
  }
  SUBCASE("zero_grad forgets a deferred gradient") {
    deferred_backward();
    hnn::zero_grad(params);
    CHECK(params[0].grad().isZero(0));
    const Matrix<double> W0 = d.W();
    hnn::SGD<double>(lr).step(params);
    CHECK(d.W() == W0);
  }
  SUBCASE("a clipped gradient is what SGD applies") {
    deferred_backward();
    const double norm = std::sqrt(G.squaredNorm() + params[1].grad().squaredNorm());
    hnn::clip_grad_norm(params, norm / 2);
    const Matrix<double> W0 = d.W();
    hnn::SGD<double>(lr).step(params);
    CHECK(d.W().isApprox(W0 - lr * G * (norm / 2) / (norm + 1e-6), 1e-12));
  }
  SUBCASE("SGD with momentum reads the computed gradient") {
    deferred_backward();
    const Matrix<double> W0 = d.W();
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.momentum = 0.9;
    hnn::SGD<double>(o).step(params);  // first step: b = g, w ← w − η b
    CHECK(d.W().isApprox(W0 - lr * G, 1e-14));
  }
  SUBCASE("a wide batch computes dW in backward") {
    const Index wide = 12;  // 12 (16 + 12) > 16 · 12
    const Matrix<double> Xw = Matrix<double>::Random(16, wide);
    const Matrix<double> dZw = Matrix<double>::Random(12, wide);
    hnn::zero_grad(params);
    d.forward(Xw, hnn::Mode::train);
    d.backward(dZw);
    const Matrix<double> W0 = d.W();
    hnn::SGD<double>(lr).step(params);
    CHECK(d.W().isApprox(W0 - lr * dZw * Xw.transpose(), 1e-14));
  }
}
