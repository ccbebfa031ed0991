// SPDX-License-Identifier: MIT
// Weight initializers: the statistics of each kind over a large matrix, the
// bounds of the uniform ones, determinism, names and argument checks.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Init;
using hnn::Matrix;

namespace {

// A dense layer's W is (fan_out × fan_in). Different fans, so a scheme that
// mixed them up would show.
constexpr Index fan_in = 300, fan_out = 400;

Matrix<double> filled(const Init& init, std::uint64_t seed = 1) {
  Matrix<double> W = Matrix<double>::Constant(fan_out, fan_in, 123.0);  // not a valid result
  hnn::Random rng(seed);
  init.fill(W, fan_in, fan_out, rng);
  return W;
}

double mean(const Matrix<double>& W) {
  return W.mean();
}

double stddev(const Matrix<double>& W) {
  return std::sqrt((W.array() - W.mean()).square().sum() / double(W.size() - 1));
}

// |x / expected − 1| < rel
bool within(double x, double expected, double rel) {
  return std::abs(x / expected - 1) < rel;
}

// The fraction of elements with |w − mean| > k σ.
double beyond(const Matrix<double>& W, double k) {
  const double m = mean(W), s = stddev(W);
  return double(((W.array() - m).abs() > k * s).count()) / double(W.size());
}

// 120 000 samples: the mean's standard error is σ/346, the standard
// deviation's about σ/490, so 2 % is a loose bound.
constexpr double rel = 0.02;

}  // namespace

TEST_CASE("Init::zeros and Init::constant") {
  CHECK(filled(Init::zeros()).isZero(0.0));
  CHECK(filled(Init::constant(0.25)) == Matrix<double>::Constant(fan_out, fan_in, 0.25));
  CHECK(filled(Init::constant(-3)) == Matrix<double>::Constant(fan_out, fan_in, -3));
}

TEST_CASE("Init::uniform(lo, hi): bounds, spread and mean") {
  const Matrix<double> W = filled(Init::uniform(-2, 3));
  CHECK(W.minCoeff() >= -2.0);
  CHECK(W.maxCoeff() < 3.0);
  CHECK(W.minCoeff() < -1.99);  // fills the interval
  CHECK(W.maxCoeff() > 2.99);
  CHECK(std::abs(mean(W) - 0.5) < 0.03);               // standard error 0.004
  CHECK(within(stddev(W), 5 / std::sqrt(12.0), rel));  // (hi − lo) / √12
}

TEST_CASE("Init::normal(mean, stddev): mean, standard deviation and tails") {
  const Matrix<double> W = filled(Init::normal(1, 2));
  CHECK(std::abs(mean(W) - 1.0) < 0.03);  // standard error 0.006
  CHECK(within(stddev(W), 2.0, rel));
  CHECK(beyond(W, 2) == doctest::Approx(0.0455).epsilon(0.1));  // normal, not uniform

  // stddev 0 is allowed: every weight is the mean.
  CHECK(filled(Init::normal(0.5, 0)) == Matrix<double>::Constant(fan_out, fan_in, 0.5));
}

TEST_CASE("Xavier/He/LeCun uniform: U(−a, a) with a from the fans, std a/√3") {
  struct Case {
    Init init;
    double a;
  };
  const double in = fan_in, out = fan_out;
  const Case cases[] = {
      {Init::xavier_uniform(), std::sqrt(6 / (in + out))},
      {Init::he_uniform(), std::sqrt(6 / in)},
      {Init::lecun_uniform(), std::sqrt(3 / in)},
  };
  for (const auto& c : cases) {
    INFO(c.init.name() << ", a = " << c.a);
    const Matrix<double> W = filled(c.init);
    CHECK(W.cwiseAbs().maxCoeff() <= c.a);
    CHECK(W.cwiseAbs().maxCoeff() > 0.999 * c.a);  // and the bound is reached
    CHECK(std::abs(mean(W)) < rel * c.a);
    CHECK(within(stddev(W), c.a / std::sqrt(3.0), rel));
    CHECK(beyond(W, 2) == 0.0);  // a = √3 σ < 2σ: no tails
  }
}

TEST_CASE("Xavier/He/LeCun normal: N(0, σ²) with σ from the fans") {
  struct Case {
    Init init;
    double sigma;
  };
  const double in = fan_in, out = fan_out;
  const Case cases[] = {
      {Init::xavier_normal(), std::sqrt(2 / (in + out))},
      {Init::he_normal(), std::sqrt(2 / in)},
      {Init::lecun_normal(), std::sqrt(1 / in)},
  };
  for (const auto& c : cases) {
    INFO(c.init.name() << ", sigma = " << c.sigma);
    const Matrix<double> W = filled(c.init);
    CHECK(std::abs(mean(W)) < rel * c.sigma);
    CHECK(within(stddev(W), c.sigma, rel));
    CHECK(beyond(W, 2) == doctest::Approx(0.0455).epsilon(0.1));  // P(|z| > 2) = 4.55 %
  }
}

TEST_CASE("Glorot and Kaiming are Xavier and He under other names") {
  CHECK(Init::glorot_uniform().kind() == Init::Kind::xavier_uniform);
  CHECK(Init::glorot_normal().kind() == Init::Kind::xavier_normal);
  CHECK(Init::kaiming_uniform().kind() == Init::Kind::he_uniform);
  CHECK(Init::kaiming_normal().kind() == Init::Kind::he_normal);
  CHECK(filled(Init::kaiming_normal(), 3) == filled(Init::he_normal(), 3));
}

TEST_CASE("initializers are deterministic: the same seed gives identical weights") {
  const Init inits[] = {Init::uniform(-1, 1),  Init::normal(0, 1),  Init::xavier_uniform(),
                        Init::xavier_normal(), Init::he_uniform(),  Init::he_normal(),
                        Init::lecun_uniform(), Init::lecun_normal()};
  for (const auto& init : inits) {
    INFO(init.name());
    CHECK(filled(init, 7) == filled(init, 7));  // bit for bit
    CHECK(filled(init, 7) != filled(init, 8));
  }
}

TEST_CASE("initializers fill float matrices too") {
  Matrix<float> W(20, 10);
  hnn::Random rng(2);
  Init::he_uniform().fill(W, 10, 20, rng);
  const float a = std::sqrt(6.0f / 10);
  CHECK(W.cwiseAbs().maxCoeff() <= a);
  CHECK(W.cwiseAbs().maxCoeff() > 0.5f * a);
  Init::constant(0.1).fill(W, 10, 20, rng);
  CHECK(W == Matrix<float>::Constant(20, 10, 0.1f));
}

TEST_CASE("Init::name") {
  CHECK(Init::zeros().name() == "zeros");
  CHECK(Init::constant(0.1).name() == "constant(0.1)");
  CHECK(Init::uniform(-1, 1).name() == "uniform(-1, 1)");
  CHECK(Init::normal(0, 0.01).name() == "normal(0, 0.01)");
  CHECK(Init::xavier_uniform().name() == "xavier_uniform");
  CHECK(Init::xavier_normal().name() == "xavier_normal");
  CHECK(Init::he_uniform().name() == "he_uniform");
  CHECK(Init::he_normal().name() == "he_normal");
  CHECK(Init::lecun_uniform().name() == "lecun_uniform");
  CHECK(Init::lecun_normal().name() == "lecun_normal");
  CHECK(Init::glorot_uniform().name() == "xavier_uniform");
  CHECK(Init::kaiming_normal().name() == "he_normal");
}

TEST_CASE("Init: invalid arguments throw ArgumentError naming the parameter") {
  hnn_test::check_throws_with<hnn::ArgumentError>([] { Init::uniform(1, 1); },
                                                  "Init::uniform: lo must be < hi");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { Init::uniform(2, -1); }, "lo must be < hi");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { Init::uniform(std::nan(""), 1); },
                                                  "lo must be < hi");
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [] { Init::normal(0, -0.1); }, "Init::normal: stddev must be a finite number >= 0");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { Init::normal(0, std::nan("")); }, "stddev");
}
