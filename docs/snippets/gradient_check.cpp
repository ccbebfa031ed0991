// SPDX-License-Identifier: MIT
// The code of docs/05-gradient-checking.md: central differences and their
// error, the L = Σ Y ⊙ G trick, and the cases a checker must get right.

#include <doctest/doctest.h>

#include <iomanip>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Matrix;

namespace {

// The error of central differences with step h on f(X) = Σ sin(x_ij), whose
// exact gradient is cos(X). With in_float, f is computed in float.
double central_difference_error(double h, bool in_float) {
  hnn::Random rng(3);
  Matrix<double> X(3, 4);
  rng.fill_uniform(X, -2.0, 2.0);
  auto f = [&]() {
    if (in_float) return double(X.cast<float>().array().sin().sum());
    return X.array().sin().sum();
  };
  const Matrix<double> numeric = hnn::numeric_gradient(f, X, h);
  const Matrix<double> exact = X.array().cos().matrix();
  return hnn::compare_gradients("sin", exact, numeric).error;
}

// tanh with a wrong derivative: 1 − y instead of 1 − y².
template <typename Scalar>
struct WrongTanh {
  static constexpr const char* name = "WrongTanh";

  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.tanh();
  }
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) - y);  // wrong on purpose
  }
};

}  // namespace

TEST_CASE("docs: central differences, error O(h²) until rounding takes over") {
  std::ostringstream table;
  table << "       h    error (double)    error (float)\n";
  for (double h = 1e-1; h > 1e-11; h /= 10) {
    table << std::setw(8) << h << std::setw(18) << central_difference_error(h, false)
          << std::setw(17) << central_difference_error(h, true) << '\n';
  }
  show(table.str());

  // Ten times smaller h, a hundred times smaller error: the h² term.
  const double ratio =
      central_difference_error(1e-2, false) / central_difference_error(1e-3, false);
  CHECK(ratio == doctest::Approx(100).epsilon(0.05));
  // At h = 1e-5 both errors are tiny; below it, rounding grows like ε/h.
  CHECK(central_difference_error(1e-5, false) < 1e-9);
  CHECK(central_difference_error(1e-10, false) > 100 * central_difference_error(1e-5, false));
  // In float no step gets below the tolerance 1e-6: checks run in double.
  for (double h = 1e-1; h > 1e-8; h /= 10)
    CHECK(central_difference_error(h, true) > 1e-6);
}

TEST_CASE("docs: one backward(G) gives the gradient of L = sum(Y ⊙ G)") {
  hnn::Random rng(8);
  hnn::Dense<double> layer(4, 3, rng);
  Matrix<double> X(4, 5), G(3, 5);
  rng.fill_normal(X, 0.0, 1.0);
  rng.fill_normal(G, 0.0, 1.0);

  // The scalar to differentiate: L = Σ_ij Y_ij G_ij, so ∂L/∂Y = G.
  auto L = [&]() { return layer.forward(X, hnn::Mode::train).cwiseProduct(G).sum(); };

  layer.forward(X, hnn::Mode::train);
  const Matrix<double> dX = layer.backward(G);  // analytic ∂L/∂X
  const Matrix<double> numeric = hnn::numeric_gradient(L, X);
  const hnn::TensorCheck check = hnn::compare_gradients("input", dX, numeric);
  CHECK(check.passed);
  CHECK(check.error < 1e-9);
}

TEST_CASE("docs: check_layer compares the input and every parameter gradient") {
  hnn::Random rng(3);
  hnn::Dense<double> layer(4, 3, rng);
  Matrix<double> X(4, 6);
  rng.fill_normal(X, 0.0, 1.0);

  const hnn::GradientReport report = hnn::check_layer(layer, X);
  show(report.summary());
  CHECK(report.passed());
  REQUIRE(report.tensors.size() == 3);
  CHECK(report.tensors[0].name == "input");
  CHECK(report.tensors[1].name == "W");
  CHECK(report.tensors[2].name == "b");
}

TEST_CASE("docs: a wrong derivative is caught") {
  hnn::Activation<double, WrongTanh> layer;
  Matrix<double> Z(2, 3);
  Z << -1.5, -0.5, 0.2,  //
      0.4, 1.0, 2.0;
  const hnn::GradientReport report = hnn::check_layer(layer, Z);
  show(report.summary());
  CHECK(!report.passed());
  CHECK(report.worst().name == "input");
  CHECK(report.worst_error() > 0.1);
}

TEST_CASE("docs: per-element relative error fails where a derivative crosses zero") {
  hnn::Activation<double, hnn::GELU> gelu;
  Matrix<double> Z(1, 4);
  Z << -2.0, -0.7517916, 0.5, 1.5;  // GELU'(z) = 0 at z ≈ −0.7517916

  auto L = [&]() { return gelu.forward(Z, hnn::Mode::train).sum(); };  // G = 1
  gelu.forward(Z, hnn::Mode::train);
  const Matrix<double> a = gelu.backward(Matrix<double>::Ones(1, 4));
  const Matrix<double> n = hnn::numeric_gradient(L, Z);

  // Per element, |a − n| / max(|a|, |n|): the zero crossing looks like a bug.
  const Matrix<double> per_element =
      (a - n).cwiseAbs().cwiseQuotient(a.cwiseAbs().cwiseMax(n.cwiseAbs()));
  std::ostringstream text;
  text << std::setprecision(3) << "a: " << a << "\nn: " << n << "\nper element: " << per_element;
  show(text.str());
  CHECK(per_element(0, 1) > 1e-6);
  CHECK(per_element(0, 0) < 1e-6);
  CHECK(per_element(0, 2) < 1e-6);
  CHECK(per_element(0, 3) < 1e-6);
  // Per tensor, ‖a − n‖ / max(‖a‖, ‖n‖): the same numbers are fine.
  CHECK(hnn::compare_gradients("input", a, n).error < 1e-9);
}

TEST_CASE("docs: finite differences across a kink are meaningless") {
  hnn::Activation<double, hnn::ReLU> relu;
  Matrix<double> Z(1, 3);
  Z << -1.0, 3e-6, 0.5;  // 3e-6 is closer to the kink at 0 than h = 1e-5
  const hnn::GradientReport near_kink = hnn::check_layer(relu, Z);
  show(near_kink.summary());
  CHECK(!near_kink.passed());
  CHECK(near_kink.worst().col == 1);
  // With ∂L/∂Y = G: analytic G · 1, numeric G · (3e-6 + h − 0) / 2h = 0.65 G.
  CHECK(near_kink.worst().numeric / near_kink.worst().analytic == doctest::Approx(0.65));

  Z(0, 1) = 0.1;  // sampled away from the kink, the same layer passes
  CHECK(hnn::check_layer(relu, Z).passed());
}
