// SPDX-License-Identifier: MIT
// Layers: the gradient check over every layer type, the forward equations
// against hand-computed numbers, the buffer contract and the shape errors.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

// Each entry builds one layer in double for the gradient check; a new layer
// type is one more struct in HNN_LAYERS.
struct DenseCase {
  static std::unique_ptr<hnn::Layer<double>> make(hnn::Random& rng) {
    return std::make_unique<hnn::Dense<double>>(4, 3, rng, hnn::Init::normal(0, 1),
                                                hnn::Init::normal(0, 1));
  }
  static constexpr Index inputs = 4;
};
// Wide enough that 6 samples' dZ and X hold fewer numbers than dW
// (6 · (16 + 12) ≤ 16 · 12): backward defers dW and the check reads it
// through the Parameter, which computes it (GradientState::defer).
struct DenseDeferredCase {
  static std::unique_ptr<hnn::Layer<double>> make(hnn::Random& rng) {
    return std::make_unique<hnn::Dense<double>>(16, 12, rng, hnn::Init::normal(0, 1),
                                                hnn::Init::normal(0, 1));
  }
  static constexpr Index inputs = 16;
};
struct SoftmaxCase {
  static std::unique_ptr<hnn::Layer<double>> make(hnn::Random&) {
    return std::make_unique<hnn::Softmax<double>>();
  }
  static constexpr Index inputs = 5;
};
struct TanhActivationCase {
  static std::unique_ptr<hnn::Layer<double>> make(hnn::Random&) {
    return std::make_unique<hnn::Activation<double, hnn::Tanh>>();
  }
  static constexpr Index inputs = 3;
};
#define HNN_LAYERS DenseCase, DenseDeferredCase, SoftmaxCase, TanhActivationCase

}  // namespace

TEST_CASE_TEMPLATE("gradient check: layer", T, HNN_LAYERS) {
  hnn::Random rng(3);
  auto layer = T::make(rng);
  const Matrix<double> X = hnn_test::away_from_zero(T::inputs, 6, 5);
  const auto report = hnn::check_layer(*layer, X);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("Dense forward: Z = W X + b 1ᵀ by hand") {
  hnn::Random rng(1);
  hnn::Dense<double> d(2, 2, rng, hnn::Init::constant(0.5), hnn::Init::constant(-1));
  Matrix<double> X(2, 3);
  X << 1, 2, 3,  //
      4, 5, 6;
  // Every W entry is 0.5: z = 0.5 (x1 + x2) − 1 for both outputs.
  Matrix<double> expected(2, 3);
  expected << 1.5, 2.5, 3.5,  //
      1.5, 2.5, 3.5;
  Matrix<double> Z = d.forward(X, hnn::Mode::infer);
  CHECK(Z.isApprox(expected));
}

TEST_CASE("Dense backward accumulates parameter gradients as sums over the batch") {
  hnn::Random rng(2);
  hnn::Dense<double> d(3, 2, rng);
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> dZ = Matrix<double>::Random(2, 4);
  d.forward(X, hnn::Mode::train);
  d.backward(dZ);
  d.forward(X, hnn::Mode::train);
  const Matrix<double> dX = d.backward(dZ);
  auto params = d.parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].name() == "W");
  CHECK(params[1].name() == "b");
  CHECK(params[0].grad().isApprox(2 * dZ * X.transpose()));  // dW += dZ Xᵀ, twice
  CHECK(params[1].grad().isApprox(2 * dZ.rowwise().sum()));  // db += dZ 1, twice
  CHECK(dX.isApprox(d.W().transpose() * dZ));                // dX = Wᵀ dZ, not accumulated
}

TEST_CASE("zero_grad on a Dense layer: the next backward writes, and readers see zeros") {
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

TEST_CASE("Dense at small batches defers dW = dZ Xᵀ; plain SGD takes it as one product") {
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

TEST_CASE("Dense skips the input gradient when told it is not wanted") {
  hnn::Random rng(2);
  hnn::Dense<double> d(3, 2, rng);
  d.set_input_gradient_wanted(false);
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  d.forward(X, hnn::Mode::train);
  const auto dX = d.backward(Matrix<double>::Ones(2, 4));
  CHECK(dX.cols() == 0);
  CHECK(d.parameters()[0].grad().squaredNorm() > 0);
}

TEST_CASE("layer outputs are views of reused buffers, and a smaller batch allocates nothing") {
  hnn::Random rng(4);
  hnn::Dense<float> d(3, 2, rng);
  Matrix<float> X = Matrix<float>::Random(3, 8);
  const float* first = d.forward(X, hnn::Mode::train).data();
  const auto small = d.forward(X.leftCols(5), hnn::Mode::train);  // the last, partial batch
  CHECK(small.data() == first);
  CHECK(small.cols() == 5);
  Matrix<float> expected = d.W() * X.leftCols(5);
  expected.colwise() += d.b().col(0);
  CHECK(Matrix<float>(small).isApprox(expected));
}

TEST_CASE("Dense: shape errors name the layer and both shapes") {
  hnn::Random rng(1);
  hnn::Dense<float> d(4, 3, rng);
  const Matrix<float> X52 = Matrix<float>::Zero(5, 2), X42 = Matrix<float>::Zero(4, 2);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { d.forward(X52, hnn::Mode::train); },
      "Dense(4 → 3).forward: input has shape (5 × 2), expected 4 rows");
  d.forward(X42, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { d.backward(Matrix<float>::Zero(3, 7)); },
                                               "expected (3 × 2)");
  hnn_test::check_throws_with<hnn::ShapeError>([&] { d.compute_output_shape(5); },
                                               "takes a vector of 4 values per sample");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::Dense<float>(0, 3, rng); },
                                                  "sizes must be positive");
}

TEST_CASE("backward before forward is an error, not a crash") {
  hnn::Random rng(1);
  hnn::Dense<double> d(2, 2, rng);
  hnn_test::check_throws_with<hnn::Error>([&] { d.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
  hnn::Activation<double, hnn::ReLU> a;
  hnn_test::check_throws_with<hnn::Error>([&] { a.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
  hnn::Softmax<double> s;
  hnn_test::check_throws_with<hnn::Error>([&] { s.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
}

TEST_CASE("Activation and Softmax layers check the gradient's shape") {
  hnn::Activation<float, hnn::Sigmoid> a;
  const Matrix<float> Z = Matrix<float>::Zero(3, 2);
  a.forward(Z, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { a.backward(Matrix<float>::Zero(3, 3)); },
                                               "(3 × 3)");
  hnn::Softmax<float> s;
  s.forward(Z, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { s.backward(Matrix<float>::Zero(2, 2)); },
                                               "(2 × 2)");
}

TEST_CASE("clone copies parameters and is independent") {
  hnn::Random rng(9);
  hnn::Dense<double> d(3, 2, rng);
  auto c = d.clone();
  d.parameters()[0].value().setZero();
  CHECK(c->parameters()[0].value().squaredNorm() > 0);
  CHECK(c->describe() == "Dense(3 → 2)");
}

TEST_CASE("a layer refuses an input it could only keep as a dangling copy") {
  // An expression (2 * X) does not compile: forward static_asserts that X is
  // stored memory. A row of a matrix is stored memory, but with a stride that
  // Eigen::Ref would have to copy into a temporary; that is refused at run time.
  hnn::Random rng(1);
  hnn::Dense<double> d(3, 2, rng);
  const Matrix<double> M = Matrix<double>::Random(4, 3);
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { d.forward(M.row(1), hnn::Mode::train); },
      "the input must be a column-major matrix or a block of its columns");
  const Matrix<double> X = Matrix<double>::Random(3, 6);
  CHECK(d.forward(X.middleCols(2, 3), hnn::Mode::train).cols() == 3);  // columns: fine
}
