// SPDX-License-Identifier: MIT
// The gradient checker itself. A checker that cannot fail is no checker: a
// wrong activation derivative, a layer that forgets a parameter gradient and
// a loss with a missing factor must all be caught, and the report must say
// where. The custom layer below is also the example to copy when checking a
// layer of your own.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

// ---------------------------------------------------------------------------
// A wrong activation, written like the structs in hnn/activations/.
//
//   y = tanh(z)        dy/dz = 1 − y²,  but this struct says 1 − y
template <typename Scalar>
struct WrongTanh {
  static constexpr const char* name = "WrongTanh";

  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.tanh();
  }
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) - y);  // the bug: should be 1 − y²
  }
};

// ---------------------------------------------------------------------------
// A custom layer, checked the way you would check your own.
//
// Scale and shift, one scale a_i and one shift c_i per unit (in double only,
// to keep it short; a library layer is a template over Scalar):
//
//   Y = a ⊙ X + c 1ᵀ          X, Y (units × n), a, c (units × 1)
//
// Backward, given dY (units × n):
//   da += (dY ⊙ X) 1          the row sums of dY ⊙ X
//   dc += dY 1                the row sums of dY
//   dX  = a ⊙ dY              each column scaled by a
class ScaleShift : public hnn::Layer<double> {
 public:
  ScaleShift(Index units, hnn::Random& rng)
      : a_(units, 1), c_(units, 1), da_(Mat::Zero(units, 1)), dc_(Mat::Zero(units, 1)) {
    rng.fill_normal(a_, 0.0, 1.0);
    rng.fill_normal(c_, 0.0, 1.0);
  }

  std::string type_name() const override { return "ScaleShift"; }
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override { return input; }

 protected:
  In forward_impl(In X, hnn::Mode /*mode*/) override {
    hnn::check_rows("ScaleShift.forward", "input", X, a_.rows());
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y.array() = X.array().colwise() * a_.col(0).array();  // a ⊙ X
    Y.colwise() += c_.col(0);                             //   + c 1ᵀ
    return Y;
  }

  In backward_impl(In dY) override {
    const auto& X = input();  // Layer::forward kept it; Layer::backward checked dY
    da_.col(0) += (dY.array() * X.array()).rowwise().sum().matrix();  // da += (dY ⊙ X) 1
    dc_.col(0) += dY.rowwise().sum();                                 // dc += dY 1
    if (!input_gradient_wanted()) return dX_.leftCols(0);             // the model's first layer
    auto dX = hnn::batch_view(dX_, X.rows(), X.cols());
    dX.array() = dY.array().colwise() * a_.col(0).array();  // dX = a ⊙ dY
    return dX;
  }

 public:
  std::vector<hnn::Parameter<double>> parameters() override {
    return {hnn::Parameter<double>("a", a_, da_), hnn::Parameter<double>("c", c_, dc_)};
  }

  std::unique_ptr<hnn::Layer<double>> clone() const override {
    return std::make_unique<ScaleShift>(*this);
  }

 protected:
  Mat a_, c_;    // parameters (units × 1)
  Mat da_, dc_;  // their gradients (units × 1), accumulated
  Mat Y_, dX_;   // output and input-gradient buffers
};

// The same layer with a bug: backward forgets dc.
class ScaleShiftForgetsDc : public ScaleShift {
 public:
  using ScaleShift::ScaleShift;

 protected:
  In backward_impl(In dY) override {
    const auto& X = input();
    da_.col(0) += (dY.array() * X.array()).rowwise().sum().matrix();  // da += (dY ⊙ X) 1
    // (dc += dY 1 is missing)
    auto dX = hnn::batch_view(dX_, X.rows(), X.cols());
    dX.array() = dY.array().colwise() * a_.col(0).array();  // dX = a ⊙ dY
    return dX;
  }
};

// ---------------------------------------------------------------------------
// A wrong loss: mean squared error whose gradient misses the factor 2.
//
//   L = (1/N) Σ (p − t)²      ∂L/∂p = 2 (p − t) / N,  but this says (p − t) / N
class MSEWithoutTwo : public hnn::Loss<double> {
 public:
  std::string name() const override { return "MSEWithoutTwo"; }

 protected:
  double value_impl(const In& P, const In& T) const override {
    return (P - T).squaredNorm() / double(P.size());
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP = (P - T) / double(P.size());  // the bug: the 2 is missing
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// (a) A wrong activation derivative is caught.

TEST_CASE("gradient check catches a wrong activation derivative (tanh with 1 − y)") {
  const Matrix<double> Z = hnn_test::away_from_zero(4, 5, 3);

  hnn::Activation<double, hnn::Tanh> right;
  const auto good = hnn::check_layer(right, Z);
  INFO(good.summary());
  CHECK(good.passed());

  hnn::Activation<double, WrongTanh> wrong;
  const auto report = hnn::check_layer(wrong, Z);
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  REQUIRE(report.tensors.size() == 1);  // no parameters: only the input gradient
  CHECK(report.tensors[0].name == "input");
  CHECK_FALSE(report.tensors[0].passed);
  CHECK(report.worst_error() > 1e-2);
  CHECK(report.subject == "WrongTanh");
  const std::string summary = report.summary();
  CHECK(contains(summary, "WrongTanh gradient check"));
  CHECK(contains(summary, "FAILED"));
  CHECK(contains(summary, "input: error"));
  CHECK(contains(summary, "<-- too large"));
}

// ---------------------------------------------------------------------------
// (b) Checking a custom layer: this is all it takes.

TEST_CASE("gradient check of a custom layer (scale and shift)") {
  hnn::Random rng(7);
  ScaleShift layer(3, rng);
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 8);

  const hnn::GradientReport report = hnn::check_layer(layer, X);
  INFO(report.summary());  // shown if a check below fails
  CHECK(report.passed());

  // One line per tensor: the input gradient, then each parameter by name.
  REQUIRE(report.tensors.size() == 3);
  CHECK(report.tensors[0].name == "input");
  CHECK(report.tensors[1].name == "a");
  CHECK(report.tensors[2].name == "c");
  for (const auto& t : report.tensors)
    CHECK(t.error <= 1e-6);
}

TEST_CASE("gradient check names the parameter whose gradient a layer forgets") {
  hnn::Random rng(7);
  ScaleShiftForgetsDc layer(3, rng);
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 8);

  const auto report = hnn::check_layer(layer, X);
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  REQUIRE(report.tensors.size() == 3);
  CHECK(report.tensors[0].passed);  // input
  CHECK(report.tensors[1].passed);  // a
  CHECK_FALSE(report.tensors[2].passed);
  CHECK(report.worst().name == "c");
  // dc stayed 0, so ‖a − n‖ / ‖n‖ = 1, and the worst element's analytic value is 0.
  CHECK(report.worst().error == doctest::Approx(1.0));
  CHECK(report.worst().analytic == 0.0);
  CHECK(report.worst().numeric != 0.0);
  CHECK(contains(report.summary(), "c: error 1  <-- too large"));
}

TEST_CASE("a custom layer's parameter gradients accumulate over backward calls") {
  // check_layer starts from zeroed gradients, so it cannot tell `+=` from `=`;
  // the layer contract (gradients accumulate) is checked like this.
  hnn::Random rng(7);
  ScaleShift layer(3, rng);
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 8);
  const Matrix<double> dY = hnn_test::away_from_zero(3, 4, 9);
  layer.forward(X, hnn::Mode::train);
  layer.backward(dY);
  std::vector<Matrix<double>> once;
  for (auto& p : layer.parameters())
    once.emplace_back(p.grad());
  layer.forward(X, hnn::Mode::train);
  layer.backward(dY);
  auto params = layer.parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO("parameter " << params[k].name());
    CHECK(once[k].norm() > 0);
    CHECK(Matrix<double>(params[k].grad()).isApprox(2 * once[k]));
  }
}

// ---------------------------------------------------------------------------
// (c) compare_gradients by hand.

TEST_CASE("compare_gradients: the error measure and the worst element by hand") {
  Matrix<double> a(2, 2), n(2, 2);
  a << 1, 2,  //
      3, 4;
  n << 1, 2.1,  //
      3, 4.5;
  // a − n = [0 −0.1; 0 −0.5]: ‖a − n‖ = √0.26 = 0.5099019514
  // ‖a‖ = √30 = 5.4772255751, ‖n‖ = √(1 + 4.41 + 9 + 20.25) = √34.66 = 5.8872744118
  // error = 0.5099019514 / 5.8872744118 = 0.0866108…, worst at (1, 1): 4 vs 4.5
  const auto t = hnn::compare_gradients("W", a, n);
  CHECK(t.name == "W");
  CHECK(t.error == doctest::Approx(std::sqrt(0.26) / std::sqrt(34.66)));
  CHECK(t.error == doctest::Approx(0.0866108));
  CHECK(t.row == 1);
  CHECK(t.col == 1);
  CHECK(t.analytic == 4.0);
  CHECK(t.numeric == 4.5);
  CHECK_FALSE(t.passed);

  // The tolerance decides.
  CHECK(hnn::compare_gradients("W", a, n, 0.1).passed);
  CHECK_FALSE(hnn::compare_gradients("W", a, n, 0.08).passed);

  // Swapping analytic and numeric gives the same error.
  CHECK(hnn::compare_gradients("W", n, a).error == doctest::Approx(t.error));

  // Identical gradients: error 0.
  const auto same = hnn::compare_gradients("b", a, a);
  CHECK(same.error == 0.0);
  CHECK(same.passed);

  // Both zero: 0 / max(0, 0, 1e-12) = 0, not 0/0.
  const Matrix<double> zero = Matrix<double>::Zero(3, 1);
  const auto zeros = hnn::compare_gradients("b", zero, zero);
  CHECK(zeros.error == 0.0);
  CHECK(zeros.passed);

  // One zero, one not: error 1.
  CHECK(hnn::compare_gradients("b", zero, Matrix<double>::Ones(3, 1)).error == 1.0);
}

TEST_CASE("compare_gradients: the measure is per tensor, not per element") {
  // A tiny derivative off by 100 % on its own is fine when the tensor's other
  // elements are large: a per-element measure would fail correct code here.
  Matrix<double> a(1, 2), n(1, 2);
  a << 1e-9, 1;
  n << 2e-9, 1;
  const auto t = hnn::compare_gradients("input", a, n);
  CHECK(t.error == doctest::Approx(1e-9));
  CHECK(t.passed);
  CHECK(t.col == 0);  // still the element with the largest absolute difference
}

TEST_CASE("compare_gradients: NaN or infinity in a gradient fails") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Matrix<double> good(2, 2);
  good << 1, 2,  //
      3, 4;
  for (double bad : {nan, inf, -inf}) {
    Matrix<double> broken = good;
    broken(1, 0) = bad;
    INFO("bad value " << bad);
    const auto t1 = hnn::compare_gradients("W", broken, good);
    CHECK_FALSE(t1.passed);
    CHECK_FALSE(t1.error <= 1e-6);
    const auto t2 = hnn::compare_gradients("W", good, broken);
    CHECK_FALSE(t2.passed);
    hnn::GradientReport report;
    report.tensors = {hnn::compare_gradients("b", good, good), t1};
    CHECK_FALSE(report.passed());
  }
}

TEST_CASE("compare_gradients: shapes must match") {
  hnn_test::check_throws_with<hnn::ShapeError>(
      [] { hnn::compare_gradients("W", Matrix<double>::Zero(2, 3), Matrix<double>::Zero(3, 2)); },
      "compare_gradients(W): analytic has shape (2 × 3) but numeric has shape (3 × 2)");
}

TEST_CASE("numeric_gradient: central differences, input restored exactly") {
  // f(x) = Σ x³, ∂f/∂x = 3x²; central differences are exact up to h² x-terms:
  // (f(x + h) − f(x − h)) / 2h = 3x² + h².
  Matrix<double> x(2, 3);
  x << 0.5, -1.25, 2,  //
      -0.3, 0.1, 1.7;
  const Matrix<double> before = x;
  const Matrix<double> g = hnn::numeric_gradient([&] { return x.array().cube().sum(); }, x);
  CHECK(x == before);
  const Matrix<double> expected = 3 * x.array().square();
  CHECK((g - expected).cwiseAbs().maxCoeff() < 1e-8);
}

// ---------------------------------------------------------------------------
// (d) check_layer leaves the layer as it found it.

TEST_CASE("check_layer leaves parameters and parameter gradients exactly as they were") {
  hnn::Random rng(5);
  hnn::Dense<double> dense(4, 3, rng, hnn::Init::normal(0, 1), hnn::Init::normal(0, 1));
  ScaleShift scale(4, rng);
  for (hnn::Layer<double>* layer :
       {static_cast<hnn::Layer<double>*>(&dense), static_cast<hnn::Layer<double>*>(&scale)}) {
    INFO(layer->describe());
    // Non-zero gradients from an earlier backward, as in the middle of training.
    const Matrix<double> X0 = hnn_test::away_from_zero(4, 2, 6);
    layer->forward(X0, hnn::Mode::train);
    layer->backward(Matrix<double>::Ones(layer->compute_output_shape(4).size(), 2));
    std::vector<Matrix<double>> values, grads;
    for (auto& p : layer->parameters()) {
      values.emplace_back(p.value());
      grads.emplace_back(p.grad());
      CHECK(grads.back().norm() > 0);
    }
    layer->set_input_gradient_wanted(false);

    const Matrix<double> X = hnn_test::away_from_zero(4, 5, 7);
    const Matrix<double> X_before = X;
    const auto report = hnn::check_layer(*layer, X);
    CHECK(report.passed());

    auto params = layer->parameters();
    REQUIRE(params.size() == values.size());
    for (std::size_t k = 0; k < params.size(); ++k) {
      INFO("parameter " << params[k].name());
      CHECK(Matrix<double>(params[k].value()) == values[k]);  // bit for bit
      CHECK(Matrix<double>(params[k].grad()) == grads[k]);
    }
    CHECK(X == X_before);
    CHECK_FALSE(layer->input_gradient_wanted());  // the setting is restored too
  }
}

TEST_CASE("check_layer reports the layer's description and the options' tolerance") {
  hnn::Random rng(5);
  hnn::Dense<double> dense(4, 3, rng);
  hnn::CheckOptions options;
  options.tolerance = 1e-8;
  const auto report = hnn::check_layer(dense, hnn_test::away_from_zero(4, 3, 1), options);
  CHECK(report.subject == "Dense(4 → 3)");
  CHECK(report.tolerance == 1e-8);
  REQUIRE(report.tensors.size() == 3);
  CHECK(report.tensors[1].name == "W");
  CHECK(report.tensors[2].name == "b");
  CHECK(contains(report.summary(), "Dense(4 → 3) gradient check (tolerance 1e-08): passed"));
}

TEST_CASE("GradientReport: an empty report has no worst tensor") {
  hnn::GradientReport report;
  report.subject = "Nothing";
  CHECK(report.worst_error() == 0.0);
  hnn_test::check_throws_with<hnn::Error>([&] { report.worst(); }, "Nothing has no tensors");
}

// ---------------------------------------------------------------------------
// (e) A wrong loss gradient is caught.

TEST_CASE("gradient check catches a loss gradient with a missing factor 2") {
  hnn::Random rng(3);
  Matrix<double> P(3, 4), T(3, 4);
  rng.fill_normal(P, 0, 1);
  rng.fill_normal(T, 0, 1);

  const auto good = hnn::check_loss(hnn::MSE<double>(), P, T);
  INFO(good.summary());
  CHECK(good.passed());

  const auto report = hnn::check_loss(MSEWithoutTwo(), P, T);
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  CHECK(report.subject == "MSEWithoutTwo");
  REQUIRE(report.tensors.size() == 1);
  CHECK(report.tensors[0].name == "prediction");
  // analytic = numeric / 2: ‖n/2 − n‖ / ‖n‖ = 1/2
  CHECK(report.worst_error() == doctest::Approx(0.5).epsilon(1e-6));
  CHECK(report.tensors[0].analytic == doctest::Approx(report.tensors[0].numeric / 2));
}
