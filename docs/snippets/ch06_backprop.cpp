// SPDX-License-Identifier: MIT
// The code of docs/06-backpropagation.md: the backward pass of a two-layer
// network written out with plain Eigen, one equation per line, against what
// Sequential::backward computes; the whole-model gradient check; and where
// the 1/n of the mean lives.

#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;

namespace {

// 3 inputs → Dense(3 → 4) → Tanh → Dense(4 → 3) → 3 logits, in double.
hnn::Sequential<double> two_layer_network() {
  hnn::Random rng(6);
  const auto bias = hnn::Init::uniform(-0.5, 0.5);  // not zero, so db is tested too
  hnn::Sequential<double> model(3);
  model.add(hnn::Dense<double>(3, 4, rng, hnn::Init::xavier_uniform(), bias))
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(4, 3, rng, hnn::Init::xavier_uniform(), bias));
  return model;
}

}  // namespace

TEST_CASE("docs: backpropagation by hand through Dense, Tanh, Dense and softmax cross-entropy") {
  const Index n = 5;  // samples in the batch, one per column
  hnn::Random rng(7);
  Matrix<double> X(3, n);  // (d × n), d = 3 inputs
  rng.fill_uniform(X, -1.0, 1.0);
  hnn::Labels y(n);
  y << 0, 2, 1, 1, 0;
  auto model = two_layer_network();
  auto params = model.parameters();  // "0.W", "0.b", "2.W", "2.b"
  const Matrix<double> W1 = params[0].value(), b1 = params[1].value();
  const Matrix<double> W2 = params[2].value(), b2 = params[3].value();

  // Forward, keeping what the backward pass needs (X, A1 and P).
  const Matrix<double> ones = Matrix<double>::Ones(n, 1);     // 1                   (n × 1)
  const Matrix<double> Z1 = W1 * X + b1 * ones.transpose();   // Z1 = W1 X + b1 1ᵀ   (h × n)
  const Matrix<double> A1 = Z1.array().tanh().matrix();       // A1 = tanh(Z1)       (h × n)
  const Matrix<double> Z2 = W2 * A1 + b2 * ones.transpose();  // Z2 = W2 A1 + b2 1ᵀ  (c × n)
  Matrix<double> P(3, n);                                     // P = softmax(Z2)     (c × n)
  hnn::softmax_forward(Z2, P);
  Matrix<double> T = Matrix<double>::Zero(3, n);  // one-hot: T(y_j, j) = 1        (c × n)
  double L = 0;                                   // L = −(1/n) Σ_j ln P(y_j, j)
  for (Index j = 0; j < n; ++j) {
    T(y(j), j) = 1;
    L -= std::log(P(y(j), j)) / double(n);
  }

  // Backward, from the loss down to the first layer.
  const Matrix<double> dZ2 = (P - T) / double(n);        // dZ2 = (P − T)/n        (c × n)
  const Matrix<double> dW2 = dZ2 * A1.transpose();       // dW2 = dZ2 A1ᵀ          (c × h)
  const Matrix<double> db2 = dZ2 * ones;                 // db2 = dZ2 1            (c × 1)
  const Matrix<double> dA1 = W2.transpose() * dZ2;       // dA1 = W2ᵀ dZ2          (h × n)
  const Matrix<double> slope = 1 - A1.array().square();  // tanh'(Z1) = 1 − A1²    (h × n)
  const Matrix<double> dZ1 = dA1.cwiseProduct(slope);    // dZ1 = dA1 ⊙ (1 − A1²)  (h × n)
  const Matrix<double> dW1 = dZ1 * X.transpose();        // dW1 = dZ1 Xᵀ           (h × d)
  const Matrix<double> db1 = dZ1 * ones;                 // db1 = dZ1 1            (h × 1)

  // The library: one forward, the fused loss, one backward.
  hnn::SoftmaxCrossEntropy<double> loss;
  model.zero_grad();
  const hnn::ConstRef<double> Z = model.forward(X, hnn::Mode::train);
  Matrix<double> dZ(3, n);
  const double L_model = loss.value_and_gradient(Z, y, dZ);
  model.backward(dZ);

  CHECK(L_model == doctest::Approx(L).epsilon(1e-12));
  CHECK(Z.isApprox(Z2, 1e-12));
  CHECK(dZ.isApprox(dZ2, 1e-12));
  CHECK(params[0].grad().isApprox(dW1, 1e-12));
  CHECK(params[1].grad().isApprox(db1, 1e-12));
  CHECK(params[2].grad().isApprox(dW2, 1e-12));
  CHECK(params[3].grad().isApprox(db2, 1e-12));

  std::ostringstream s;
  s << "L = " << L << "\ndZ2 = (P − T)/n, each column sums to 0:\n"
    << dZ2 << "\ncolumn sums: " << dZ2.colwise().sum() << "\ndW1 =\n"
    << dW1;
  show(s.str());
}

TEST_CASE("docs: the whole-model gradient check of the two-layer network") {
  hnn::Random rng(7);
  Matrix<double> X(3, 5);
  rng.fill_uniform(X, -1.0, 1.0);
  hnn::Labels y(5);
  y << 0, 2, 1, 1, 0;
  auto model = two_layer_network();

  const hnn::GradientReport report =
      hnn::check_model(model, X, y, hnn::SoftmaxCrossEntropy<double>());
  show(report.summary());
  CHECK(report.passed());
  CHECK(report.tensors.size() == 4);  // 0.W, 0.b, 2.W, 2.b
}

TEST_CASE("docs: the loss divides by n once; the layers' gradients are sums that accumulate") {
  hnn::Random rng(8);
  Matrix<double> X(3, 4);
  rng.fill_uniform(X, -1.0, 1.0);
  hnn::Labels y(4);
  y << 1, 0, 2, 1;
  hnn::SoftmaxCrossEntropy<double> loss;
  auto model = two_layer_network();
  auto params = model.parameters();

  // ∂L/∂W1 for a batch, after zero_grad.
  auto gradient_of = [&](const Matrix<double>& Xb, const hnn::Labels& yb) {
    model.zero_grad();
    const hnn::ConstRef<double> Z = model.forward(Xb, hnn::Mode::train);
    Matrix<double> dZ(Z.rows(), Z.cols());
    loss.value_and_gradient(Z, yb, dZ);
    model.backward(dZ);
    return Matrix<double>(params[0].grad());
  };
  const Matrix<double> g = gradient_of(X, y);

  // The same four samples twice: twice the sum, over twice the n — the same mean.
  Matrix<double> XX(3, 8);
  XX << X, X;
  hnn::Labels yy(8);
  yy << y, y;
  CHECK(gradient_of(XX, yy).isApprox(g, 1e-12));

  // Two backward passes without zero_grad in between: the gradients add up.
  const hnn::ConstRef<double> Z = model.forward(X, hnn::Mode::train);
  Matrix<double> dZ(Z.rows(), Z.cols());
  loss.value_and_gradient(Z, y, dZ);
  model.backward(dZ);  // params[0].grad() held g already
  CHECK(params[0].grad().isApprox(2 * g, 1e-12));
}
