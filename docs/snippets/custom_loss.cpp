// SPDX-License-Identifier: MIT
// The custom loss of docs/05-gradient-checking.md: a loss written outside the
// library, checked with hnn::check_loss.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "hnn/hnn.hpp"

namespace {

// Log-cosh loss: like MSE/2 for small errors, like MAE for large ones.
//
//   with e = p − t:   L = (1/N) Σ ln cosh(e)        ∂L/∂p = tanh(e) / N
//
// ln cosh(e) = |e| + ln(1 + e^(−2|e|)) − ln 2, which never overflows
// (cosh(1000) does).
template <typename Scalar>
class LogCosh : public hnn::Loss<Scalar> {
 public:
  using typename hnn::Loss<Scalar>::In;
  using typename hnn::Loss<Scalar>::Out;
  std::string name() const override { return "LogCosh"; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    const Scalar ln2 = Scalar(std::log(2.0));
    return ((P - T).array().abs() + (Scalar(-2) * (P - T).array().abs()).exp().log1p() - ln2)
               .sum() /
           Scalar(P.size());  // (1/N) Σ ln cosh(p − t)
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP.array() = (P - T).array().tanh() / Scalar(P.size());  // tanh(p − t) / N
  }
};

}  // namespace

TEST_CASE("docs: checking a custom loss") {
  hnn::Random rng(7);
  hnn::Matrix<double> P(2, 6), T(2, 6);
  rng.fill_normal(P, 0.0, 2.0);
  rng.fill_normal(T, 0.0, 2.0);

  const hnn::GradientReport report = hnn::check_loss(LogCosh<double>(), P, T);
  INFO(report.summary());
  CHECK(report.passed());

  // ln cosh(1000) = 1000 − ln 2, finite although cosh(1000) is not.
  hnn::Matrix<double> big = hnn::Matrix<double>::Constant(1, 1, 1000.0);
  hnn::Matrix<double> zero = hnn::Matrix<double>::Zero(1, 1);
  CHECK(LogCosh<double>().value(big, zero) == doctest::Approx(1000.0 - std::log(2.0)));
}
