// SPDX-License-Identifier: MIT
#pragma once
// Sigmoid and binary cross-entropy fused, PyTorch's BCEWithLogitsLoss
// (reduction="mean"): the prediction is the logit z, and p = σ(z) is never
// formed.
//
//   L = −(1/N) Σ [t ln σ(z) + (1 − t) ln(1 − σ(z))]
//     =  (1/N) Σ [max(z, 0) − z t + ln(1 + e^−|z|)]       (no overflow for any z)
//   ∂L/∂z = (σ(z) − t) / N
//
// The second line follows from ln σ(z) = −ln(1 + e^−z) and
// ln(1 − σ(z)) = −z − ln(1 + e^−z), then writing ln(1 + e^−z) so that e is
// only ever raised to −|z|. The gradient is the sigmoid's y(1 − y) times
// BCE's (p − t)/(p(1 − p)): the denominators cancel.

#include <string>

#include "hnn/losses/loss.hpp"

namespace hnn {

/// Sigmoid and binary cross-entropy fused, on logits (PyTorch's BCEWithLogitsLoss).
template <typename Scalar>
class BinaryCrossEntropyWithLogits : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "BinaryCrossEntropyWithLogits"; }

 protected:
  Scalar value_impl(const In& Z, const In& T) const override {
    return (Z.array().max(Scalar(0)) - Z.array() * T.array() + (-Z.array().abs()).exp().log1p())
               .sum() /
           Scalar(Z.size());  // (1/N) Σ [max(z, 0) − z t + ln(1 + e^−|z|)]
  }
  void gradient_impl(const In& Z, const In& T, Out& dZ) const override {
    dZ.array() = ((Scalar(1) + (-Z.array()).exp()).inverse() - T.array()) /
                 Scalar(Z.size());  // (σ(z) − t) / N
  }
};

}  // namespace hnn
