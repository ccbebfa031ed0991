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
// gradient (input, parameters, initial sequence state) at once.

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

/// The settings of a gradient check.
struct CheckOptions {
  double step = 1e-5;       ///< h
  double tolerance = 1e-6;  ///< largest acceptable error per tensor
  std::uint64_t seed = 1;   ///< for G, and for the generator handed to every forward
  Mode mode = Mode::train;  ///< what forward is told
};

/// The comparison for one tensor.
struct TensorCheck {
  std::string name;     ///< "input", "W", "b", …
  double error = 0;     ///< ‖a − n‖ / max(‖a‖, ‖n‖, 1e-12)
  Index row = 0;        ///< the row of the element with the largest |a − n|
  Index col = 0;        ///< and its column
  double analytic = 0;  ///< a at that element
  double numeric = 0;   ///< n at that element
  bool passed = true;   ///< whether error ≤ tolerance
};

/// The result of a gradient check: one comparison per tensor.
struct GradientReport {
  std::string subject;               ///< what was checked, e.g. "Dense(4 → 3)"
  double tolerance = 1e-6;           ///< the largest error that passes
  std::vector<TensorCheck> tensors;  ///< one comparison per tensor

  /// Whether every tensor passed.
  bool passed() const {
    return std::all_of(tensors.begin(), tensors.end(),
                       [](const TensorCheck& t) { return t.passed; });
  }
  /// The tensor with the largest error.
  const TensorCheck& worst() const {
    if (tensors.empty()) throw Error("GradientReport: " + subject + " has no tensors");
    return *std::max_element(
        tensors.begin(), tensors.end(),
        [](const TensorCheck& a, const TensorCheck& b) { return a.error < b.error; });
  }
  /// The largest error (0 without tensors).
  double worst_error() const { return tensors.empty() ? 0.0 : worst().error; }

  /// A readable report with one line per tensor.
  // For example:
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

/// Compares two gradients of the same tensor with the measure above.
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

/// Central differences of a scalar function f at x, one element at a time.
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

namespace detail {

// What a check must hold fixed while it perturbs one tensor: the layer's
// buffers (a training forward may update running statistics) and its
// sequence state (a stateful forward moves it on) are put back before every
// forward.
template <typename Owner>
class HeldState {
 public:
  explicit HeldState(Owner& owner) : owner_(owner) {
    for (auto& b : owner.buffers())
      buffers_.emplace_back(b.value());
    for (auto& s : owner.sequence_state())
      states_.emplace_back(s.initial());
  }
  // The saved sequence state k, which a check may perturb before restore().
  Matrix<double>& state(std::size_t k) { return states_[k]; }
  std::size_t states() const { return states_.size(); }
  void restore() {
    auto buffers = owner_.buffers();
    for (std::size_t k = 0; k < buffers.size() && k < buffers_.size(); ++k)
      buffers[k].value() = buffers_[k];
    auto states = owner_.sequence_state();
    for (std::size_t k = 0; k < states.size() && k < states_.size(); ++k) {
      if (states[k].rows() == states_[k].rows() && states[k].cols() == states_[k].cols()) {
        states[k].initial() = states_[k];
      }
    }
  }

 private:
  Owner& owner_;
  std::vector<Matrix<double>> buffers_, states_;
};

}  // namespace detail

/// Checks every gradient of a layer at input X against central differences.
// Checks a layer's input gradient (unless it has none: has_input_gradient()),
// every parameter gradient and the gradient of every sequence state (∂L/∂h₀)
// at input X, and that backward accumulates
// (+=) into the parameter gradients. The layer's parameters, gradients,
// buffers and sequence state are left as they were, and its last forward
// input is X.
//
// Every forward is handed a generator seeded with options.seed, so a layer
// that draws random numbers in training (dropout) draws the same ones each
// time: the check compares against finite differences of the same mask.
inline GradientReport check_layer(Layer<double>& layer, const Matrix<double>& X,
                                  const CheckOptions& options = {}) {
  GradientReport report;
  report.subject = layer.describe();
  report.tolerance = options.tolerance;

  Matrix<double> x = X;
  const Index out_rows = layer.input_shape().known()
                             ? layer.output_shape().size()
                             : layer.compute_output_shape(Shape(x.rows())).size();
  Random rng(options.seed);
  Matrix<double> G(out_rows, x.cols());
  rng.fill_normal(G, 0.0, 1.0);
  const auto forward = [&](const Matrix<double>& in) {
    Random draws(options.seed);  // the same draws at every forward
    return layer.forward(in, options.mode, draws);
  };
  detail::HeldState<Layer<double>> before(layer);  // as the caller left it
  forward(x);        // sizes the layer's sequence state for this batch
  before.restore();  // undoes what that forward did to the buffers (and a state of this size)
  detail::HeldState<Layer<double>> held(layer);
  auto loss = [&]() {  // Σ Y ⊙ G
    held.restore();
    return forward(x).cwiseProduct(G).sum();
  };

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
  held.restore();
  forward(x);
  const Matrix<double> dX = layer.backward(G);
  layer.set_input_gradient_wanted(wanted);
  std::vector<Matrix<double>> analytic;
  for (std::size_t k = 0; k < params.size(); ++k)
    analytic.emplace_back(params[k].grad() - start_grads[k]);
  std::vector<Matrix<double>> state_grads;
  std::vector<std::string> state_names;
  for (auto& s : layer.sequence_state()) {
    state_grads.emplace_back(s.grad());
    state_names.push_back(s.name());
  }

  // Numeric, tensor by tensor (the input only where it has a gradient:
  // Layer::has_input_gradient).
  if (layer.has_input_gradient()) {
    report.tensors.push_back(
        compare_gradients("input", dX, numeric_gradient(loss, x, options.step), options.tolerance));
  }
  for (std::size_t k = 0; k < params.size(); ++k) {
    auto value = params[k].value();
    report.tensors.push_back(compare_gradients(params[k].name(), analytic[k],
                                               numeric_gradient(loss, value, options.step),
                                               options.tolerance));
    params[k].grad() = saved_grads[k];
  }
  for (std::size_t k = 0; k < held.states() && k < state_grads.size(); ++k) {
    report.tensors.push_back(compare_gradients(state_names[k], state_grads[k],
                                               numeric_gradient(loss, held.state(k), options.step),
                                               options.tolerance));
  }
  // Leave the layer holding the caller's X, not our copy (which dies here).
  held.restore();
  forward(X);
  held.restore();
  return report;
}

/// Checks a loss's gradient with respect to the prediction P.
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
