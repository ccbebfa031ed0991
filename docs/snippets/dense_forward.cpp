// SPDX-License-Identifier: MIT
// The code of docs/02-dense-forward.md: Z = W X + b 1ᵀ, what a layer shows of
// itself, the buffer it returns, and how the initial weights decide the size
// of the signal.

#include <doctest/doctest.h>

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

TEST_CASE("docs: a dense layer computes Z = W X + b 1ᵀ") {
  hnn::Random rng(7);
  hnn::Dense<double> layer(3, 2, rng, hnn::Init::xavier_uniform(), hnn::Init::normal(0, 1));
  hnn::Matrix<double> X(3, 4);  // n = 4 samples of 3 features
  X << 1, 0, -1, 2,             //
      0, 1, 2, -1,              //
      3, 1, 0, 1;
  const hnn::Matrix<double> Z = layer.forward(X, hnn::Mode::infer);  // (2 × 4)
  const hnn::Matrix<double>& W = layer.W();                          // (2 × 3)
  const hnn::Matrix<double>& b = layer.b();                          // (2 × 1)

  // z_ij = Σ_k W_ik x_kj + b_i, one number at a time.
  for (hnn::Index i = 0; i < Z.rows(); ++i) {
    for (hnn::Index j = 0; j < Z.cols(); ++j) {
      double z = b(i, 0);
      for (hnn::Index k = 0; k < X.rows(); ++k)
        z += W(i, k) * X(k, j);
      CHECK(Z(i, j) == doctest::Approx(z));
    }
  }
  // Sample j on its own: z_j = W x_j + b, a matrix-vector product.
  for (hnn::Index j = 0; j < X.cols(); ++j) {
    const hnn::Vector<double> z = W * X.col(j) + b;
    CHECK(Z.col(j).isApprox(z));
  }
}

TEST_CASE("docs: the shapes and the state a dense layer shows") {
  hnn::Random rng(7);
  hnn::Dense<float> layer(3, 2, rng);
  CHECK(layer.input_shape() == hnn::Shape{3});  // the constructor fixes it
  CHECK(layer.output_shape() == hnn::Shape{2});

  auto params = layer.parameters();  // trained: a name, a value and a gradient each
  REQUIRE(params.size() == 2);
  CHECK(params[0].name() == "W");
  CHECK(params[0].rows() == 2);  // (out × in)
  CHECK(params[0].cols() == 3);
  CHECK(params[1].name() == "b");
  CHECK(layer.buffers().empty());         // no state that is not trained
  CHECK(layer.sequence_state().empty());  // nothing carried from batch to batch
  CHECK(!layer.stateful());
}

TEST_CASE("docs: forward returns a view of a buffer the layer owns") {
  hnn::Random rng(7);
  hnn::Dense<float> layer(3, 2, rng);
  hnn::Matrix<float> X(3, 32);
  rng.fill_normal(X, 0.0, 1.0);

  hnn::ConstRef<float> Z = layer.forward(X, hnn::Mode::infer);                  // (2 × 32)
  const hnn::Matrix<float> kept = Z;                                            // a copy that stays
  hnn::ConstRef<float> Z10 = layer.forward(X.rightCols(10), hnn::Mode::infer);  // (2 × 10)

  CHECK(Z10.data() == Z.data());  // the same buffer, no new allocation
  CHECK(Z10.cols() == 10);
  // The old view now shows the new numbers in its first 10 columns; the copy does not.
  CHECK(Z.leftCols(10).isApprox(Z10));
  CHECK(kept.rightCols(10).isApprox(Z10));
  CHECK(!kept.leftCols(10).isApprox(Z10));
}

namespace {

// Feeds a batch of n samples with E[x²] = 1 through `depth` layers of
// Dense(width → width) + ReLU, weights drawn from `init`, and returns the
// mean of z² after each Dense layer: the variance of z, since E[z] = 0.
std::vector<double> variance_by_layer(const hnn::Init& init, int depth) {
  const hnn::Index width = 256, n = 500;
  hnn::Random rng(2024);
  hnn::Matrix<double> A(width, n);
  rng.fill_normal(A, 0.0, 1.0);
  std::vector<double> variances;
  for (int l = 0; l < depth; ++l) {
    hnn::Dense<double> dense(width, width, rng, init);
    hnn::Activation<double, hnn::ReLU> relu;
    const hnn::Matrix<double> Z = dense.forward(A, hnn::Mode::infer);
    variances.push_back(Z.squaredNorm() / double(Z.size()));  // mean of z²
    A = relu.forward(Z, hnn::Mode::infer);
  }
  return variances;
}

}  // namespace

TEST_CASE("docs: initial weights decide whether the signal survives depth") {
  const int depth = 10;
  const auto he = variance_by_layer(hnn::Init::he_normal(), depth);          // Var(w) = 2/256
  const auto xavier = variance_by_layer(hnn::Init::xavier_normal(), depth);  // Var(w) = 1/256
  const auto small = variance_by_layer(hnn::Init::normal(0, 0.01), depth);   // Var(w) = 1e-4
  const auto large = variance_by_layer(hnn::Init::normal(0, 0.2), depth);    // Var(w) = 0.04

  std::ostringstream table;
  table << "layer   he_normal   xavier_normal   normal(0, 0.01)   normal(0, 0.2)\n";
  for (int l = 0; l < depth; ++l) {
    table << std::setw(5) << l + 1 << std::setprecision(3) << std::setw(12) << he[l]
          << std::setw(16) << xavier[l] << std::setw(18) << small[l] << std::setw(17) << large[l]
          << '\n';
  }
  show(table.str());

  // He: Var(z) = fan_in · (2 / fan_in) · E[x²] = 2 E[x²], and ReLU halves E[x²]
  // again: every layer gives Var(z) ≈ 2.
  for (double v : he)
    CHECK(v == doctest::Approx(2.0).epsilon(0.25));
  // Xavier, fan_in = fan_out: Var(w) = 1/fan_in, so Var(z) halves at every layer.
  CHECK(xavier[0] == doctest::Approx(1.0).epsilon(0.1));
  CHECK(xavier[depth - 1] == doctest::Approx(1.0 / 512).epsilon(0.5));
  // Too small: × 256 · 1e-4 / 2 = 0.0128 per layer. Too large: × 256 · 0.04 / 2 = 5.12.
  CHECK(small[depth - 1] < 1e-16);
  CHECK(large[depth - 1] > 1e6);
}
