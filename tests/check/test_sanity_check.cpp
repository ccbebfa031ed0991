// SPDX-License-Identifier: MIT
// hnn::sanity_check (check/sanity_check.hpp): a healthy model passes, and
// each check fails on the fault it is there for — a backward pass that is
// wrong, a learning rate that diverges, a classifier that starts confidently
// wrong. The model given is left bit for bit as it was.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

using hnn::Index;
using hnn::Matrix;
using hnn::SanityStatus;

namespace sanity_check_test {

// Three Gaussian blobs in the plane, n samples, centres 3 apart.
template <typename Scalar>
void blobs(Index n, Matrix<Scalar>& X, hnn::Labels& y) {
  hnn::Random rng(7);
  X.resize(2, n);
  y.resize(n);
  const double cx[3] = {0, 3, 0}, cy[3] = {0, 0, 3};
  for (Index j = 0; j < n; ++j) {
    const int c = int(j % 3);
    y(j) = c;
    X(0, j) = Scalar(cx[c] + rng.normal(0, 0.6));
    X(1, j) = Scalar(cy[c] + rng.normal(0, 0.6));
  }
}

// 2 → 16 → tanh → (extra layer) → 3, Xavier weights.
template <typename Scalar>
hnn::Sequential<Scalar> classifier(std::unique_ptr<hnn::Layer<Scalar>> extra = nullptr) {
  hnn::Random rng(3);
  hnn::Sequential<Scalar> model(2);
  model.add(hnn::Dense<Scalar>(2, 16, rng)).add(hnn::Activation<Scalar, hnn::Tanh>());
  if (extra) model.add(std::move(extra));
  model.add(hnn::Dense<Scalar>(16, 3, rng));
  return model;
}

// A tiny custom layer with a wrong backward pass:
//
//   Y = 2 X,   so dX = 2 dY,   but backward returns dX = dY.
//
// Every gradient below it comes out half the true one. Gradient descent
// still goes downhill, and Adam, which divides by the gradient's own scale,
// trains exactly as with the right gradient: over-fitting succeeds. The
// probe compares the slope backward predicts with the slope of the loss and
// sees the factor 2.
template <typename Scalar>
class DoubleForgetsTwo : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::In;
  using typename hnn::Layer<Scalar>::Mat;
  std::string type_name() const override { return "DoubleForgetsTwo"; }
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override { return input; }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<DoubleForgetsTwo>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode /*mode*/) override {
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y = Scalar(2) * X;  // Y = 2 X
    return Y;
  }
  In backward_impl(In dY) override {
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX = dY;  // the bug: should be 2 dY
    return dX;
  }

 private:
  Mat Y_, dX_;
};

// Another: Y = X, whose backward returns dX = 0 where dY was meant. As the
// model's last layer it stops every gradient: nothing can learn.
template <typename Scalar>
class BlocksGradient : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::In;
  using typename hnn::Layer<Scalar>::Mat;
  std::string type_name() const override { return "BlocksGradient"; }
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override { return input; }
  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<BlocksGradient>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode /*mode*/) override { return X; }  // Y = X
  In backward_impl(In dY) override {
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX.setZero();  // the bug: should be dY
    return dX;
  }

 private:
  Mat dX_;
};

// Every parameter and buffer of a model, copied.
template <typename Scalar>
std::vector<Matrix<Scalar>> state_of(hnn::Sequential<Scalar>& model) {
  std::vector<Matrix<Scalar>> all;
  for (auto& p : model.parameters()) {
    all.emplace_back(p.value());
    all.emplace_back(p.grad());
  }
  for (auto& b : model.buffers())
    all.emplace_back(b.value());
  return all;
}

template <typename Scalar>
hnn::SanityOptions<Scalar> fast_options() {
  hnn::SanityOptions<Scalar> o;
  o.learning_rate = 1e-2;
  o.batch_size = 32;
  o.range_steps = 200;
  return o;
}

// The same numbers, NaN equal to NaN (a sweep may end on a NaN loss).
bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])))) return false;
  return true;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace sanity_check_test

namespace sanity = sanity_check_test;

TEST_CASE_TEMPLATE("sanity_check: a healthy classifier passes every check", Scalar, float, double) {
  Matrix<Scalar> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  auto model = sanity::classifier<Scalar>();
  hnn::SoftmaxCrossEntropy<Scalar> loss;
  const auto report = hnn::sanity_check(model, X, y, loss, sanity::fast_options<Scalar>());
  INFO(report.summary());
  CHECK(report.passed());
  REQUIRE(report.checks.size() == 4);
  for (const auto& c : report.checks)
    CHECK(c.status == SanityStatus::passed);
  const auto& initial = report.check("initial loss");
  CHECK(initial.expected_low < std::log(3.0));
  CHECK(initial.expected_high > std::log(3.0));
  CHECK(sanity::has(initial.expected, "ln 3"));
  // The sweep: one η per step, rising geometrically, and the findings in order.
  const auto& s = report.sweep;
  REQUIRE(s.losses.size() == s.learning_rates.size());
  REQUIRE(s.smoothed.size() == s.losses.size());
  CHECK(s.learning_rates.front() == doctest::Approx(1e-6));
  CHECK(s.falling_low <= s.steepest);
  CHECK(s.steepest <= s.lowest);
  CHECK(s.lowest < s.diverged);
  CHECK(sanity::has(report.summary(), "sanity checks: 4 passed, 0 warnings, 0 failed"));
}

TEST_CASE_TEMPLATE("sanity_check: the gradient probe flags a layer with a wrong backward", Scalar,
                   float, double) {
  Matrix<Scalar> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  auto model = sanity::classifier<Scalar>(std::make_unique<sanity::DoubleForgetsTwo<Scalar>>());
  hnn::SoftmaxCrossEntropy<Scalar> loss;
  auto o = sanity::fast_options<Scalar>();
  o.range_test = false;
  const auto report = hnn::sanity_check(model, X, y, loss, o);
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  const auto& probe = report.check("gradient probe");
  CHECK(probe.status == SanityStatus::failed);
  CHECK(probe.measured == doctest::Approx(0.5).epsilon(0.01));  // |a − n| / n = |½ − 1| / 1
  // The tensors below the broken layer are wrong, those after it right.
  for (const auto& t : report.probe)
    CHECK(t.passed == (t.name[0] == '3'));
  CHECK(sanity::has(probe.advice, "0."));
  // Over-fitting cannot see it: half the gradient still goes downhill.
  CHECK(report.check("over-fit a tiny batch").status == SanityStatus::passed);
  CHECK(report.check("learning-rate range").status == SanityStatus::skipped);
}

TEST_CASE("sanity_check: a model that cannot learn fails the over-fitting check") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  auto model = sanity::classifier<float>();
  model.add(std::make_unique<sanity::BlocksGradient<float>>());
  hnn::SoftmaxCrossEntropy<float> loss;
  auto o = sanity::fast_options<float>();
  o.range_test = false;
  const auto report = hnn::sanity_check(model, X, y, loss, o);
  INFO(report.summary());
  const auto& overfit = report.check("over-fit a tiny batch");
  CHECK(overfit.status == SanityStatus::failed);
  CHECK(sanity::has(overfit.advice, "cannot learn 16 samples"));
  CHECK(report.check("gradient probe").status == SanityStatus::failed);

  // The same healthy model with far too few steps: the loss does not halve.
  o.overfit_steps = 2;
  const auto hurried = hnn::sanity_check(sanity::classifier<float>(), X, y, loss, o);
  INFO(hurried.summary());
  CHECK(hurried.check("over-fit a tiny batch").status == SanityStatus::failed);
}

TEST_CASE("sanity_check: a learning rate that diverges is flagged by the range test") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  auto model = sanity::classifier<float>();
  hnn::SoftmaxCrossEntropy<float> loss;
  auto o = sanity::fast_options<float>();
  o.learning_rate = 5;  // Adam at η = 5
  const auto report = hnn::sanity_check(model, X, y, loss, o);
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  const auto& range = report.check("learning-rate range");
  CHECK(range.status == SanityStatus::failed);
  CHECK(range.measured == 5);
  REQUIRE(std::isfinite(report.sweep.diverged));
  CHECK(report.sweep.diverged <= 5);
  CHECK(report.sweep.learning_rates.back() < 10);  // the sweep stopped there
  CHECK(sanity::has(range.advice, "diverges"));

  // With SGD (made by the factory) the sweep diverges later, and η = 0.1 passes.
  o.optimizer = [](double lr) { return std::make_unique<hnn::SGD<float>>(lr); };
  o.learning_rate = 0.1;
  const auto sgd = hnn::sanity_check(model, X, y, loss, o);
  INFO(sgd.summary());
  CHECK(sgd.sweep.optimizer == "SGD");
  CHECK(sgd.check("learning-rate range").status == SanityStatus::passed);
  CHECK(sgd.sweep.diverged > report.sweep.diverged);
}

TEST_CASE("sanity_check: a classifier with a huge final bias fails the initial-loss check") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  auto model = sanity::classifier<float>();
  auto params = model.parameters();
  params.back().value()(0, 0) = 20;  // 2.b: class 0 at logit 20, the others near 0
  hnn::SoftmaxCrossEntropy<float> loss;
  auto o = sanity::fast_options<float>();
  o.range_test = false;
  const auto report = hnn::sanity_check(model, X, y, loss, o);
  INFO(report.summary());
  const auto& initial = report.check("initial loss");
  CHECK(initial.status == SanityStatus::failed);
  CHECK(initial.measured > 10);  // two thirds of the samples pay about 20
  CHECK(sanity::has(initial.advice, "confidently wrong"));
  CHECK_FALSE(report.passed());

  // A bias that is only a little large is a warning, not a failure:
  // τ(1) < L₀ − ln 3 ≤ 4 τ(1), with τ(1) = ½ · 2/3 = 1/3.
  params.back().value()(0, 0) = 1.5;
  const auto mild = hnn::sanity_check(model, X, y, loss, o);
  INFO(mild.summary());
  CHECK(mild.check("initial loss").status == SanityStatus::warning);
}

TEST_CASE("sanity_check: other losses — ln 2 for sigmoid outputs, skipped for MSE") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  const Matrix<float> T = hnn::one_hot<float>(y, 3);
  auto model = sanity::classifier<float>();
  auto o = sanity::fast_options<float>();
  o.range_test = false;
  hnn::BinaryCrossEntropyWithLogits<float> bce;
  const auto binary = hnn::sanity_check(model, X, T, bce, o);
  INFO(binary.summary());
  CHECK(sanity::has(binary.check("initial loss").expected, "ln 2"));
  CHECK(binary.check("initial loss").status == SanityStatus::passed);
  hnn::MSE<float> mse;
  const auto regression = hnn::sanity_check(model, X, T, mse, o);
  INFO(regression.summary());
  CHECK(regression.check("initial loss").status == SanityStatus::skipped);
  CHECK(std::isfinite(regression.check("initial loss").measured));
  CHECK(regression.check("gradient probe").status == SanityStatus::passed);
}

TEST_CASE("sanity_check: the model is left bit for bit as it was; the report is reproducible") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(300, X, y);
  hnn::Random rng(5);
  hnn::Sequential<float> model(2);  // with buffers (BatchNorm) and random draws (Dropout)
  model.add(hnn::Dense<float>(2, 16, rng))
      .add(hnn::BatchNorm<float>(16))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dropout<float>(0.1))
      .add(hnn::Dense<float>(16, 3, rng), hnn::Penalty::L2(1e-4));
  hnn::SoftmaxCrossEntropy<float> loss;
  const auto before = sanity::state_of(model);
  const auto o = sanity::fast_options<float>();
  const auto first = hnn::sanity_check(model, X, y, loss, o);
  CHECK(sanity::state_of(model) == before);
  const auto second = hnn::sanity_check(model, X, y, loss, o);
  CHECK(first.summary() == second.summary());
  CHECK(sanity::same_values(first.sweep.losses, second.sweep.losses));
  auto other = o;
  other.seed = 2;
  CHECK_FALSE(sanity::same_values(hnn::sanity_check(model, X, y, loss, other).sweep.losses,
                                  first.sweep.losses));
}

TEST_CASE("sanity_check: invalid options are rejected, naming the option") {
  Matrix<float> X;
  hnn::Labels y;
  sanity::blobs(30, X, y);
  auto model = sanity::classifier<float>();
  hnn::SoftmaxCrossEntropy<float> loss;
  using Options = hnn::SanityOptions<float>;
  const std::vector<std::pair<std::string, std::function<void(Options&)>>> cases = {
      {"learning_rate", [](Options& o) { o.learning_rate = 0; }},
      {"learning_rate", [](Options& o) { o.learning_rate = std::nan(""); }},
      {"batch_size", [](Options& o) { o.batch_size = 0; }},
      {"initial_samples", [](Options& o) { o.initial_samples = 0; }},
      {"probe_samples", [](Options& o) { o.probe_samples = -1; }},
      {"probe_step", [](Options& o) { o.probe_step = 0; }},
      {"probe_tolerance", [](Options& o) { o.probe_tolerance = -1; }},
      {"overfit_samples", [](Options& o) { o.overfit_samples = 0; }},
      {"overfit_steps", [](Options& o) { o.overfit_steps = 0; }},
      {"overfit_fraction", [](Options& o) { o.overfit_fraction = 1; }},
      {"range_min", [](Options& o) { o.range_min = 0; }},
      {"range_max", [](Options& o) { o.range_max = o.range_min; }},
      {"range_window", [](Options& o) { o.range_window = 4; }},
      {"range_steps", [](Options& o) { o.range_steps = 10; }},
      {"divergence_factor", [](Options& o) { o.divergence_factor = 1; }},
      {"optimizer",
       [](Options& o) {
         o.optimizer = [](double) { return std::unique_ptr<hnn::Optimizer<float>>(); };
       }},
  };
  for (const auto& c : cases) {
    Options o;
    c.second(o);
    INFO(c.first);
    CHECK_THROWS_WITH_AS(hnn::sanity_check(model, X, y, loss, o),
                         doctest::Contains(("options." + c.first).c_str()), hnn::ArgumentError);
  }
  // The range test's settings are not checked when it does not run.
  Options off;
  off.range_test = false;
  off.range_min = 0;
  off.overfit_steps = 5;
  CHECK_NOTHROW(hnn::sanity_check(model, X, y, loss, off));
  // Data that does not fit the model.
  CHECK_THROWS_AS(hnn::sanity_check(model, Matrix<float>(3, 10), y.head(10), loss, off),
                  hnn::ShapeError);
}
