// SPDX-License-Identifier: MIT
// The code of docs/03-activations.md: a new activation in a few lines, the
// softmax Jacobian, and why the stable forms matter.

#include <doctest/doctest.h>

#include <cmath>

#include "hnn/hnn.hpp"

namespace {

// Softsign: like tanh, but approaches ±1 polynomially instead of exponentially.
//
//   y = z / (1 + |z|)        dy/dz = 1 / (1 + |z|)² = (1 − |y|)²
//
// The derivative is written in y, which forward already computed: no division.
template <typename Scalar>
struct Softsign {
  static constexpr const char* name = "Softsign";

  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z / (Scalar(1) + z.abs());  // y = z / (1 + |z|)
  }
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) - y.abs()).square();  // dz = dy ⊙ (1 − |y|)²
  }
};

}  // namespace

TEST_CASE("docs: a new activation is one struct") {
  hnn::Activation<double, Softsign> layer;
  hnn::Matrix<double> Z(2, 3);
  Z << -2.0, -0.5, 0.25,  //
      0.75, 1.5, 4.0;
  const hnn::Matrix<double> Y = layer.forward(Z, hnn::Mode::infer);
  CHECK(Y(0, 0) == doctest::Approx(-2.0 / 3.0));
  CHECK(Y(1, 2) == doctest::Approx(0.8));

  // The derivative, checked against finite differences (chapter 05).
  const hnn::GradientReport report = hnn::check_layer(layer, Z);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("docs: softmax backward is the Jacobian-vector product") {
  hnn::Vector<double> z(4);
  z << 1.0, -0.5, 2.0, 0.3;
  hnn::Vector<double> y(4);
  hnn::softmax_forward(z, y);

  // J_ik = ∂y_i/∂z_k = y_i (δ_ik − y_k), that is J = diag(y) − y yᵀ.
  const hnn::Matrix<double> J = hnn::Matrix<double>(y.asDiagonal()) - y * y.transpose();

  hnn::Vector<double> dy(4);
  dy << 0.2, -1.0, 0.5, 0.1;
  hnn::Vector<double> dz(4);
  hnn::softmax_backward(y, dy, dz);  // y ⊙ (dy − yᵀdy), never forms J

  CHECK(dz.isApprox(J.transpose() * dy));
  CHECK(J.isApprox(J.transpose()));  // J is symmetric
  // 1ᵀ J = 0: adding a constant to every z changes no y, so dz sums to 0.
  CHECK(J.colwise().sum().cwiseAbs().maxCoeff() < 1e-14);
  CHECK(std::abs(dz.sum()) < 1e-14);
}

TEST_CASE("docs: the stable forms do not overflow") {
  Eigen::Array<double, 1, 3> z;
  z << -1000.0, 0.0, 1000.0;
  Eigen::Array<double, 1, 3> y;

  // ln(1 + e^z) as written: e^1000 overflows to inf.
  const Eigen::Array<double, 1, 3> naive = (z.exp() + 1.0).log();
  CHECK(std::isinf(naive(2)));
  // max(z, 0) + ln(1 + e^−|z|): the same function, finite everywhere.
  hnn::Softplus<double>().forward(z, y);
  CHECK(y(0) == 0.0);
  CHECK(y(1) == doctest::Approx(std::log(2.0)));
  CHECK(y(2) == 1000.0);

  // σ(z) = 1 / (1 + e^−z): e^1000 = inf, and 1 / inf = 0 is the right limit.
  hnn::Sigmoid<double>().forward(z, y);
  CHECK(y(0) == 0.0);
  CHECK(y(2) == 1.0);
}

TEST_CASE("docs: GELU dips below zero, and its slope crosses zero near z = -0.75") {
  const hnn::GELU<double> gelu;
  Eigen::Array<double, 1, 2> z, y, ones = Eigen::Array<double, 1, 2>::Ones(), slope;
  z << -0.76, -0.74;
  gelu.forward(z, y);
  gelu.backward(z, y, ones, slope);  // dy/dz, since dy = 1
  CHECK(y(0) < 0);
  CHECK(slope(0) < 0);  // still falling at −0.76
  CHECK(slope(1) > 0);  // rising again at −0.74
}
