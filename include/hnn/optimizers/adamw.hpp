// SPDX-License-Identifier: MIT
#pragma once
// AdamW (Loshchilov & Hutter, 2019), as torch.optim.AdamW: weight decay
// decoupled from the gradient. Adam with L2 adds λw to g, which the √v̂
// denominator then rescales — heavily-updated weights are barely decayed.
// AdamW shrinks the weights directly, before the Adam step:
//
//   w ← w (1 − η λ)                               λ = 0.01 by default
//   then Adam's m, v, m̂, v̂ and w ← w − η m̂ / (√v̂ + ε) with g = ∇w

#include <string>

#include "hnn/optimizers/adam.hpp"

namespace hnn {

/// AdamW: Adam with the weight decay decoupled from the gradient (torch.optim.AdamW).
template <typename Scalar>
class AdamW : public Adam<Scalar> {
 public:
  /// AdamW with the learning rate η and PyTorch's defaults (weight decay 0.01).
  explicit AdamW(double learning_rate = 1e-3) : AdamW(defaults(learning_rate)) {}
  /// AdamW with the settings `o`.
  explicit AdamW(const AdamOptions& o) : Adam<Scalar>(o) {}
  std::string name() const override { return "AdamW"; }

  /// PyTorch's AdamW settings for the learning rate η: Adam's, with weight decay 0.01.
  static AdamOptions defaults(double learning_rate = 1e-3) {
    AdamOptions o;
    o.learning_rate = learning_rate;
    o.weight_decay = 0.01;  // PyTorch's AdamW default
    return o;
  }

 protected:
  void update(Parameter<Scalar>& p, std::size_t k) override {
    this->adam_update(p, k, Adam<Scalar>::Decay::decoupled);
  }
};

}  // namespace hnn
