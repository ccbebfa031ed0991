// SPDX-License-Identifier: MIT
#pragma once
// Adam (Kingma & Ba, 2015), as torch.optim.Adam: momentum on the gradient
// (first moment m) and RMSProp-style scaling (second moment v), both
// bias-corrected because they start at zero.
//
//   g ← ∇w + λ w                                 weight decay as L2 (AdamW decouples it)
//   m ← β₁ m + (1 − β₁) g
//   v ← β₂ v + (1 − β₂) g²
//   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)          t = steps taken, from 1
//   w ← w − η m̂ / (√v̂ + ε)                       ε after the root, as PyTorch
//
// AMSGrad keeps v_max ← max(v_max, v) and uses it in place of v.
//
// m̂ and v̂ are not formed: η m̂/(√v̂ + ε) = (η/(1 − β₁ᵗ)) m / (√v/√(1 − β₂ᵗ) + ε),
// so the two corrections are two numbers per step (`step`, `inv_root_bc2`).
// The update below is the formula, one line per equation, on whole tensors
// (optimizers/optimizer.hpp: apply runs it block by block).

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

/// The settings of Adam and AdamW (PyTorch's defaults).
struct AdamOptions {
  double learning_rate = 1e-3;  ///< η
  double beta1 = 0.9;           ///< β₁
  double beta2 = 0.999;         ///< β₂
  double eps = 1e-8;            ///< ε
  double weight_decay = 0.0;    ///< λ: L2 in Adam, decoupled in AdamW
  bool amsgrad = false;         ///< use the running maximum of v (AMSGrad)
};

/// Adam: steps scaled by bias-corrected moment estimates of the gradient (torch.optim.Adam).
template <typename Scalar>
class Adam : public Optimizer<Scalar> {
 public:
  /// Adam with the learning rate η and the other settings at PyTorch's defaults.
  explicit Adam(double learning_rate = 1e-3) : Adam(AdamOptions{learning_rate}) {}
  /// Adam with the settings `o`.
  explicit Adam(const AdamOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    check_half_open(name(), "beta1", o.beta1, 0.0, 1.0);
    check_half_open(name(), "beta2", o.beta2, 0.0, 1.0);
    check_above(name(), "eps", o.eps, 0);  // ε = 0: a zero gradient gives 0/0
    check_at_least(name(), "weight_decay", o.weight_decay, 0);
  }
  std::string name() const override { return "Adam"; }
  /// The settings.
  const AdamOptions& options() const { return o_; }

 protected:
  // Adam's step on parameter k; AdamW's (w ← w (1 − η λ) first, and λ not in
  // the gradient) with Decay::decoupled.
  /// How the weight decay λ enters: as L2 in the gradient (Adam), or decoupled (AdamW).
  enum class Decay { l2, decoupled };
  /// Adam's step on parameter k, with weight decay as `decay` says.
  void adam_update(Parameter<Scalar>& p, std::size_t k, Decay decay) {
    const double t = double(this->steps());
    const double lr = this->learning_rate();
    const Scalar step = Scalar(lr / (1 - std::pow(o_.beta1, t)));  // η / (1 − β₁ᵗ)
    const Scalar inv_root_bc2 = Scalar(1 / std::sqrt(1 - std::pow(o_.beta2, t)));  // 1/√(1 − β₂ᵗ)
    const Scalar b1 = Scalar(o_.beta1), b2 = Scalar(o_.beta2), eps = Scalar(o_.eps);
    const Scalar l2 = decay == Decay::l2 ? Scalar(o_.weight_decay) : Scalar(0);
    const Scalar shrink = decay == Decay::decoupled ? Scalar(1 - lr * o_.weight_decay) : Scalar(1);
    auto& M = this->state(m_, p, k);
    auto& V = this->state(v_, p, k);
    if (o_.amsgrad) {
      this->apply(
          p,
          [=](auto w, auto g, auto m, auto v, auto vmax) {
            w *= shrink;                                    // AdamW: w ← w (1 − η λ)
            m = b1 * m + (1 - b1) * (g + l2 * w);           // m ← β₁ m + (1 − β₁) g
            v = b2 * v + (1 - b2) * (g + l2 * w).square();  // v ← β₂ v + (1 − β₂) g²
            vmax = vmax.max(v);                             // v_max ← max(v_max, v)
            w -= step * m / (vmax.sqrt() * inv_root_bc2 + eps);  // w ← w − η m̂/(√v̂ + ε)
          },
          M, V, this->state(vmax_, p, k));
    } else if (l2 != 0 || shrink != 1) {
      this->apply(
          p,
          [=](auto w, auto g, auto m, auto v) {
            w *= shrink;                                      // AdamW: w ← w (1 − η λ)
            m = b1 * m + (1 - b1) * (g + l2 * w);             // m ← β₁ m + (1 − β₁) g
            v = b2 * v + (1 - b2) * (g + l2 * w).square();    // v ← β₂ v + (1 − β₂) g²
            w -= step * m / (v.sqrt() * inv_root_bc2 + eps);  // w ← w − η m̂/(√v̂ + ε)
          },
          M, V);
    } else {
      this->apply(
          p,
          [=](auto w, auto g, auto m, auto v) {
            m = b1 * m + (1 - b1) * g;                        // m ← β₁ m + (1 − β₁) g
            v = b2 * v + (1 - b2) * g.square();               // v ← β₂ v + (1 − β₂) g²
            w -= step * m / (v.sqrt() * inv_root_bc2 + eps);  // w ← w − η m̂/(√v̂ + ε)
          },
          M, V);
    }
  }

  void update(Parameter<Scalar>& p, std::size_t k) override { adam_update(p, k, Decay::l2); }

  typename Optimizer<Scalar>::StateTensors state_tensors() override {
    return {{"m", &m_}, {"v", &v_}, {"vmax", &vmax_}};
  }

  AdamOptions o_;  ///< the settings

 private:
  std::vector<Matrix<Scalar>> m_;     // first moment per parameter
  std::vector<Matrix<Scalar>> v_;     // second moment per parameter
  std::vector<Matrix<Scalar>> vmax_;  // AMSGrad's running maximum of v
};

}  // namespace hnn
