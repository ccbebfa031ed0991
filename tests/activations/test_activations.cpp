// SPDX-License-Identifier: MIT
// Every activation function: forward values against hand-computed numbers,
// the derivative against finite differences (through the Activation layer),
// and extreme inputs, over the catalogue's list (tests/catalogue.hpp). Covers every header of
// include/hnn/activations/: identity.hpp, sigmoid.hpp, tanh.hpp, relu.hpp, leaky_relu.hpp, elu.hpp,
// selu.hpp, softplus.hpp, gelu.hpp, silu.hpp and softmax.hpp.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

// y = f(z) for one number, through the array interface the layers use.
template <template <typename> class F, typename Scalar>
Scalar apply(Scalar z, const F<Scalar>& f = F<Scalar>()) {
  Eigen::Array<Scalar, 1, 1> in, out;
  in(0) = z;
  f.forward(in, out);
  return out(0);
}

// dy/dz for one number.
template <template <typename> class F, typename Scalar>
Scalar derivative(Scalar z, const F<Scalar>& f = F<Scalar>()) {
  Eigen::Array<Scalar, 1, 1> in, out, dy, dz;
  in(0) = z;
  f.forward(in, out);
  dy(0) = Scalar(1);
  f.backward(in, out, dy, dz);
  return dz(0);
}

}  // namespace

TEST_CASE_TEMPLATE("gradient check: activation", T, HNN_CATALOGUE_ACTIVATIONS) {
  hnn::Activation<double, T::template type> layer;
  // Kinks at 0 (ReLU, LeakyReLU, ELU, SELU) are avoided by sampling away from it.
  const Matrix<double> Z = hnn_test::away_from_zero(5, 7, 11);
  const auto report = hnn::check_layer(layer, Z);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.worst_error() <= 1e-6);
}

TEST_CASE_TEMPLATE("activation instantiates with float and double", T, HNN_CATALOGUE_ACTIVATIONS) {
  hnn::Activation<float, T::template type> f;
  hnn::Activation<double, T::template type> d;
  Matrix<float> zf = Matrix<float>::Random(3, 4);
  Matrix<double> zd = zf.cast<double>();
  Matrix<float> yf = f.forward(zf, hnn::Mode::train);
  Matrix<double> yd = d.forward(zd, hnn::Mode::train);
  CHECK((yf.cast<double>() - yd).cwiseAbs().maxCoeff() < 1e-5);
  Matrix<float> gf = f.backward(Matrix<float>::Ones(3, 4));
  Matrix<double> gd = d.backward(Matrix<double>::Ones(3, 4));
  CHECK((gf.cast<double>() - gd).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE_TEMPLATE("activation is finite for inputs of ±1000", T, HNN_CATALOGUE_ACTIVATIONS) {
  for (float z : {-1000.0f, -80.0f, 0.0f, 80.0f, 1000.0f}) {
    Matrix<float> Z = Matrix<float>::Constant(2, 3, z);
    hnn::Activation<float, T::template type> layer;
    Matrix<float> Y = layer.forward(Z, hnn::Mode::train);
    Matrix<float> dZ = layer.backward(Matrix<float>::Ones(2, 3));
    INFO("z = " << z);
    CHECK(Y.allFinite());
    CHECK(dZ.allFinite());
  }
}

TEST_CASE("activation forward values against hand-computed numbers") {
  const double e = std::exp(1.0);
  using namespace hnn;
  CHECK(apply<Identity>(-1.5) == -1.5);
  CHECK(apply<Sigmoid>(0.0) == doctest::Approx(0.5));
  CHECK(apply<Sigmoid>(1.0) == doctest::Approx(e / (1 + e)));             // 0.7310585786
  CHECK(apply<Tanh>(1.0) == doctest::Approx((e * e - 1) / (e * e + 1)));  // 0.7615941559
  CHECK(apply<ReLU>(-2.0) == 0.0);
  CHECK(apply<ReLU>(3.0) == 3.0);
  CHECK(apply<LeakyReLU>(-2.0) == doctest::Approx(-0.02));
  CHECK(apply<LeakyReLU>(-2.0, LeakyReLU<double>(0.2)) == doctest::Approx(-0.4));
  CHECK(apply<ELU>(-1.0) == doctest::Approx(1 / e - 1));  // −0.6321205588
  CHECK(apply<ELU>(2.0) == 2.0);
  CHECK(apply<SELU>(1.0) == doctest::Approx(1.0507009873554805));
  CHECK(apply<SELU>(-1.0) ==
        doctest::Approx(1.0507009873554805 * 1.6732632423543772 * (1 / e - 1)));
  CHECK(apply<Softplus>(0.0) == doctest::Approx(std::log(2.0)));
  CHECK(apply<Softplus>(1.0) == doctest::Approx(std::log(1 + e)));  // 1.3132616875
  CHECK(apply<SiLU>(1.0) == doctest::Approx(e / (1 + e)));
  // GELU(1) = Φ(1) = 0.8413447461 (normal table); tanh form: 0.8411919906
  CHECK(apply<GELU>(1.0) == doctest::Approx(0.8413447460685429));
  CHECK(apply<GELU>(1.0, GELU<double>(true)) == doctest::Approx(0.8411919906082768));
  CHECK(apply<GELU>(-1.0) == doctest::Approx(-0.15865525393145707));
}

TEST_CASE("activation derivatives against hand-computed numbers") {
  const double e = std::exp(1.0);
  using namespace hnn;
  const double s1 = e / (1 + e);  // σ(1)
  CHECK(derivative<Sigmoid>(1.0) == doctest::Approx(s1 * (1 - s1)));
  CHECK(derivative<Tanh>(0.0) == doctest::Approx(1.0));
  CHECK(derivative<ReLU>(-1.0) == 0.0);
  CHECK(derivative<ReLU>(0.0) == 0.0);  // PyTorch's choice at the kink
  CHECK(derivative<ReLU>(1.0) == 1.0);
  CHECK(derivative<LeakyReLU>(-1.0) == doctest::Approx(0.01));
  CHECK(derivative<ELU>(-1.0) == doctest::Approx(1 / e));
  CHECK(derivative<SELU>(-1.0) == doctest::Approx(1.0507009873554805 * 1.6732632423543772 / e));
  CHECK(derivative<Softplus>(1.0) == doctest::Approx(s1));
  CHECK(derivative<SiLU>(1.0) == doctest::Approx(s1 * (1 + (1 - s1))));
  // GELU'(z) = Φ(z) + z φ(z); at z = 1: 0.8413447461 + 0.2419707245
  CHECK(derivative<GELU>(1.0) == doctest::Approx(0.8413447460685429 + 0.24197072451914337));
  // GELU crosses zero slope near z ≈ −0.7518: the reason the checker's measure is per tensor.
  CHECK(std::abs(derivative<GELU>(-0.7517916)) < 1e-6);
}

TEST_CASE("sigmoid and softplus do not overflow at |z| = 1000") {
  using namespace hnn;
  CHECK(apply<Sigmoid>(1000.0f) == 1.0f);
  CHECK(apply<Sigmoid>(-1000.0f) == 0.0f);
  CHECK(apply<Softplus>(1000.0f) == 1000.0f);
  CHECK(apply<Softplus>(-1000.0f) == 0.0f);
  CHECK(apply<Softplus>(1000.0) == 1000.0);
  CHECK(derivative<Softplus>(-1000.0) == 0.0);
}

TEST_CASE("activation settings are validated") {
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::LeakyReLU<float> f(-1.0f); }, "alpha");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::ELU<double> f(0.0); }, "alpha");
}

TEST_CASE("softmax: values, sums to one, shift invariance, ±1000") {
  Matrix<double> Z(3, 2);
  Z << 1, 1000, 2, -1000, 3, 0;
  Matrix<double> Y(3, 2);
  hnn::softmax_forward(Z, Y);
  const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(Y(0, 0) == doctest::Approx(std::exp(1.0) / s));  // 0.0900305732
  CHECK(Y(2, 0) == doctest::Approx(std::exp(3.0) / s));  // 0.6652409558
  CHECK(Y(0, 1) == doctest::Approx(1.0));
  CHECK(Y.allFinite());
  CHECK(Y.colwise().sum().isApprox(Eigen::RowVector2d::Ones()));
  Matrix<double> Y2(3, 2);
  hnn::softmax_forward((Z.array() + 50.0).matrix(), Y2);
  CHECK(Y2.isApprox(Y));
}
