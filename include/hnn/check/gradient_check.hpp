// SPDX-License-Identifier: MIT
#pragma once
// Gradient checking: compare an analytic gradient (what backward computes)
// with a numeric one from central finite differences,
//
//   ∂L/∂x_i ≈ (L(x + h e_i) − L(x − h e_i)) / 2h        error O(h²)
//
// in double precision. Per tensor, the measure is
//
//   error = ‖a − n‖ / max(‖a‖, ‖n‖, 1e-12)               a analytic, n numeric
//
// which must be ≤ 1e-6 (the default tolerance). It is relative to the whole
// tensor, not to each element: an element whose true derivative is 0 has a
// huge relative error from rounding alone, although nothing is wrong. The
// report also names the element with the largest absolute difference, which
// is where to look when a check fails.
//
// For a layer, the scalar to differentiate is L = Σ (Y ⊙ G) with G a fixed
// random matrix: then ∂L/∂Y = G, and one backward(G) yields every analytic
// gradient (input and parameters) at once.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/losses/loss.hpp"

namespace hnn {

struct CheckOptions {
  double step = 1e-5;       // h
  double tolerance = 1e-6;  // largest acceptable error per tensor
  std::uint64_t seed = 1;   // for G
  Mode mode = Mode::train;  // what forward is told
};

// The comparison for one tensor.
struct TensorCheck {
  std::string name;        // "input", "W", "b", …
  double error = 0;        // ‖a − n‖ / max(‖a‖, ‖n‖, 1e-12)
  Index row = 0, col = 0;  // the element with the largest |a − n|
  double analytic = 0;     // a at that element
  double numeric = 0;      // n at that element
  bool passed = true;
};

struct GradientReport {
  std::string subject;  // what was checked, e.g. "Dense(4 → 3)"
  double tolerance = 1e-6;
  std::vector<TensorCheck> tensors;

  bool passed() const {
    return std::all_of(tensors.begin(), tensors.end(),
                       [](const TensorCheck& t) { return t.passed; });
  }
  // The tensor with the largest error.
  const TensorCheck& worst() const {
    if (tensors.empty()) throw Error("GradientReport: " + subject + " has no tensors");
    return *std::max_element(
        tensors.begin(), tensors.end(),
        [](const TensorCheck& a, const TensorCheck& b) { return a.error < b.error; });
  }
  double worst_error() const { return tensors.empty() ? 0.0 : worst().error; }

  // One line per tensor, e.g.
  //   Dense(4 → 3) gradient check (tolerance 1e-06): passed
  //     W: error 3.1e-11, largest difference at (2, 0): analytic 0.41, numeric 0.41
  std::string summary() const {
    std::ostringstream s;
    s << subject << " gradient check (tolerance " << tolerance
      << "): " << (passed() ? "passed" : "FAILED") << '\n';
    for (const auto& t : tensors) {
      s << "  " << t.name << ": error " << t.error << (t.passed ? "" : "  <-- too large")
        << ", largest difference at (" << t.row << ", " << t.col << "): analytic " << t.analytic
        << ", numeric " << t.numeric << '\n';
    }
    return s.str();
  }
};

// Compares two gradients of the same tensor with the measure above.
inline TensorCheck compare_gradients(const std::string& name, const Matrix<double>& analytic,
                                     const Matrix<double>& numeric, double tolerance = 1e-6) {
  check_same_shape([&name] { return "compare_gradients(" + name + ")"; }, "analytic", analytic,
                   "numeric", numeric);
  TensorCheck t;
  t.name = name;
  const double scale = std::max({analytic.norm(), numeric.norm(), 1e-12});
  t.error = (analytic - numeric).norm() / scale;
  if (analytic.size() > 0) {
    // PropagateNaN: a NaN is the worst element, and is reported as such.
    (analytic - numeric).cwiseAbs().maxCoeff<Eigen::PropagateNaN>(&t.row, &t.col);
    t.analytic = analytic(t.row, t.col);
    t.numeric = numeric(t.row, t.col);
  }
  t.passed = t.error <= tolerance;  // false for NaN too
  return t;
}

// Central differences of a scalar function f at x, one element at a time.
// x is perturbed in place and restored exactly.
template <typename F, typename Derived>
Matrix<double> numeric_gradient(F&& f, Eigen::MatrixBase<Derived>& x, double h = 1e-5) {
  Matrix<double> g(x.rows(), x.cols());
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < x.rows(); ++i) {
      const double saved = x(i, j);
      x(i, j) = saved + h;
      const double plus = f();
      x(i, j) = saved - h;
      const double minus = f();
      x(i, j) = saved;
      g(i, j) = (plus - minus) / (2 * h);  // (L(x + h) − L(x − h)) / 2h
    }
  }
  return g;
}

// Checks a layer's input gradient and every parameter gradient at input X,
// and that backward accumulates (+=) into the parameter gradients. The
// layer's parameters and parameter gradients are left exactly as they were,
// and its last forward input is X.
inline GradientReport check_layer(Layer<double>& layer, const Matrix<double>& X,
                                  const CheckOptions& options = {}) {
  GradientReport report;
  report.subject = layer.describe();
  report.tolerance = options.tolerance;

  Matrix<double> x = X;
  const Index out_rows = layer.output_size(x.rows());
  Random rng(options.seed);
  Matrix<double> G(out_rows, x.cols());
  rng.fill_normal(G, 0.0, 1.0);
  auto loss = [&]() { return layer.forward(x, options.mode).cwiseProduct(G).sum(); };  // Σ Y ⊙ G

  // Analytic: one forward and one backward(G). The parameter gradients start
  // from random values R, not zero, so a layer that overwrites (=) instead of
  // accumulating (+=) is caught: the analytic gradient is what backward added.
  auto params = layer.parameters();
  std::vector<Matrix<double>> saved_grads, start_grads;
  for (auto& p : params) {
    saved_grads.emplace_back(p.grad());
    start_grads.emplace_back(p.rows(), p.cols());
    rng.fill_normal(start_grads.back(), 0.0, 1.0);
    p.grad() = start_grads.back();
  }
  const bool wanted = layer.input_gradient_wanted();
  layer.set_input_gradient_wanted(true);
  layer.forward(x, options.mode);
  const Matrix<double> dX = layer.backward(G);
  layer.set_input_gradient_wanted(wanted);
  std::vector<Matrix<double>> analytic;
  for (std::size_t k = 0; k < params.size(); ++k)
    analytic.emplace_back(params[k].grad() - start_grads[k]);

  // Numeric, tensor by tensor.
  report.tensors.push_back(
      compare_gradients("input", dX, numeric_gradient(loss, x, options.step), options.tolerance));
  for (std::size_t k = 0; k < params.size(); ++k) {
    auto value = params[k].value();
    report.tensors.push_back(compare_gradients(params[k].name(), analytic[k],
                                               numeric_gradient(loss, value, options.step),
                                               options.tolerance));
    params[k].grad() = saved_grads[k];
  }
  // Leave the layer holding the caller's X, not our copy (which dies here).
  layer.forward(X, options.mode);
  return report;
}

// Checks a loss's gradient with respect to the prediction P.
template <typename Target>
GradientReport check_loss(const Loss<double>& loss, const Matrix<double>& P, const Target& target,
                          const CheckOptions& options = {}) {
  GradientReport report;
  report.subject = loss.name();
  report.tolerance = options.tolerance;
  Matrix<double> p = P;
  Matrix<double> dP(p.rows(), p.cols());
  loss.gradient(p, target, dP);
  auto value = [&]() { return loss.value(p, target); };
  report.tensors.push_back(compare_gradients(
      "prediction", dP, numeric_gradient(value, p, options.step), options.tolerance));
  return report;
}

}  // namespace hnn
