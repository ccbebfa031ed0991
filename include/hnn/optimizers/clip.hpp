// SPDX-License-Identifier: MIT
#pragma once
// Gradient clipping, applied between backward and the optimizer step.
//
// By global norm (torch.nn.utils.clip_grad_norm_): treat all gradients as one
// long vector g; if ‖g‖ > c, scale every gradient by c / (‖g‖ + 10⁻⁶). The
// direction is kept, only the length is capped — the usual cure for
// exploding gradients.
//
// By value (clip_grad_value_): clamp every gradient element to [−c, c]. This
// changes the direction.

#include <cmath>
#include <string>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"

namespace hnn {

/// Scales all gradients by c / (‖g‖ + 10⁻⁶) if their global norm ‖g‖ exceeds c.
// Returns the global norm before clipping.
template <typename Scalar>
double clip_grad_norm(std::vector<Parameter<Scalar>>& params, double max_norm) {
  check_above("clip_grad_norm", "max_norm", max_norm, 0);
  double sum = 0;
  for (auto& p : params)
    sum += double(p.grad().squaredNorm());
  const double norm = std::sqrt(sum);  // ‖g‖ over every parameter
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1) {
    for (auto& p : params)
      p.grad() *= Scalar(coef);  // g ← g c / (‖g‖ + 10⁻⁶)
  }
  return norm;
}
/// Clips by global norm, for a temporary list (model.parameters()).
template <typename Scalar>
double clip_grad_norm(std::vector<Parameter<Scalar>>&& params, double max_norm) {
  return clip_grad_norm(params, max_norm);
}

/// Clamps every gradient element to [−c, c].
template <typename Scalar>
void clip_grad_value(std::vector<Parameter<Scalar>>& params, double clip) {
  check_above("clip_grad_value", "clip", clip, 0);
  const Scalar c = Scalar(clip);
  for (auto& p : params) {
    auto g = p.grad();
    g = g.cwiseMax(-c).cwiseMin(c);  // clamp(g, ±c)
  }
}
/// Clamps every gradient element to [−c, c], for a temporary list.
template <typename Scalar>
void clip_grad_value(std::vector<Parameter<Scalar>>&& params, double clip) {
  clip_grad_value(params, clip);
}

}  // namespace hnn
