// SPDX-License-Identifier: MIT
#pragma once
// Gradient check of a whole model with its loss: every parameter gradient
// that Sequential::backward produces, against finite differences of
// L = loss(model(X), targets). This checks that the layers' gradients are
// chained correctly — each layer's own check cannot see that. With penalties
// on some layers' weights (core/penalty.hpp), L is the loss the model is
// trained on, loss(model(X), targets) + R, and the analytic gradient has
// ∂R/∂W added, as in the training loop.

#include <string>
#include <vector>

#include "hnn/check/gradient_check.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {
/// Checks every parameter gradient of `model` with `loss` against finite differences.

// Every forward is handed a generator seeded with options.seed (the same
// draws each time), and the model's buffers and sequence state are put back
// before each one; the gradients of the sequence state (∂L/∂h₀) are checked
// too.
template <typename Target>
GradientReport check_model(Sequential<double>& model, const Matrix<double>& X, const Target& target,
                           const Loss<double>& loss, const CheckOptions& options = {}) {
  GradientReport report;
  report.subject = "model with " + loss.name() + (model.has_penalty() ? " and penalties" : "");
  report.tolerance = options.tolerance;
  const auto forward = [&]() {
    Random draws(options.seed);
    return model.forward(X, options.mode, draws);
  };
  detail::HeldState<Sequential<double>> before(model);  // as the caller left it
  forward();                                            // sizes the sequence state for this batch
  before.restore();  // undoes what that forward did to the buffers (and a state of this size)
  detail::HeldState<Sequential<double>> held(model);
  auto L = [&]() {
    held.restore();
    return loss.value(forward(), target);
  };

  // Analytic: one forward and backward from zeroed gradients.
  model.zero_grad();
  held.restore();
  const ConstRef<double> P = forward();
  Matrix<double> dP(P.rows(), P.cols());
  loss.gradient(P, target, dP);
  model.backward(dP);
  model.add_penalty_gradients();  // dW += ∂R/∂W for each penalized W
  const auto L_total = [&]() { return L() + model.penalty_value(); };  // L + R
  std::vector<Matrix<double>> state_grads;
  std::vector<std::string> state_names;
  for (auto& s : model.sequence_state()) {
    state_grads.emplace_back(s.grad());
    state_names.push_back(s.name());
  }

  for (auto& p : model.parameters()) {
    const Matrix<double> analytic = p.grad();
    auto value = p.value();
    report.tensors.push_back(compare_gradients(
        p.name(), analytic, numeric_gradient(L_total, value, options.step), options.tolerance));
  }
  for (std::size_t k = 0; k < held.states() && k < state_grads.size(); ++k) {
    report.tensors.push_back(compare_gradients(
        state_names[k], state_grads[k], numeric_gradient(L_total, held.state(k), options.step),
        options.tolerance));
  }
  held.restore();
  model.zero_grad();
  return report;
}

}  // namespace hnn
