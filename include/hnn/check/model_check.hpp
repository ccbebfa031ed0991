// SPDX-License-Identifier: MIT
#pragma once
// Gradient check of a whole model with its loss: every parameter gradient
// that Sequential::backward produces, against finite differences of
// L = loss(model(X), targets). This checks that the layers' gradients are
// chained correctly — each layer's own check cannot see that.

#include <string>
#include <vector>

#include "hnn/check/gradient_check.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

template <typename Target>
GradientReport check_model(Sequential<double>& model, const Matrix<double>& X, const Target& target,
                           const Loss<double>& loss, const CheckOptions& options = {}) {
  GradientReport report;
  report.subject = "model with " + loss.name();
  report.tolerance = options.tolerance;
  auto L = [&]() { return loss.value(model.forward(X, options.mode), target); };

  // Analytic: one forward and backward from zeroed gradients.
  model.zero_grad();
  const ConstRef<double> P = model.forward(X, options.mode);
  Matrix<double> dP(P.rows(), P.cols());
  loss.gradient(P, target, dP);
  model.backward(dP);

  for (auto& p : model.parameters()) {
    const Matrix<double> analytic = p.grad();
    auto value = p.value();
    report.tensors.push_back(compare_gradients(
        p.name(), analytic, numeric_gradient(L, value, options.step), options.tolerance));
  }
  model.zero_grad();
  return report;
}

}  // namespace hnn
