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
// The update is one pass over each tensor: it runs block by block
// (Optimizer::for_each_block), so the array statements below touch a block
// that is already in the L1 cache, and g, m, v and w go through memory once.
// The same statements over whole tensors would stream them through memory
// three times — most of the cost of a step at small batches.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;         // β₁
  double beta2 = 0.999;       // β₂
  double eps = 1e-8;          // ε
  double weight_decay = 0.0;  // λ: L2 in Adam, decoupled in AdamW
  bool amsgrad = false;
};

template <typename Scalar>
class Adam : public Optimizer<Scalar> {
 public:
  explicit Adam(double learning_rate = 1e-3) : Adam(AdamOptions{learning_rate}) {}
  explicit Adam(const AdamOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    this->check_range(name(), "beta1", o.beta1, 0.0, 1.0);
    this->check_range(name(), "beta2", o.beta2, 0.0, 1.0);
    if (!(o.eps >= 0)) throw ArgumentError(name() + ": eps must be >= 0");
    if (!(o.weight_decay >= 0)) throw ArgumentError(name() + ": weight_decay must be >= 0");
  }
  std::string name() const override { return "Adam"; }
  const AdamOptions& options() const { return o_; }

 protected:
  // decoupled = true is AdamW: w ← w (1 − η λ) before the step, and λ is not
  // added to the gradient.
  void adam_update(const Parameter<Scalar>& p, std::size_t k, bool decoupled) {
    const double t = double(this->steps());
    const double lr = this->learning_rate();
    const Scalar step = Scalar(lr / (1 - std::pow(o_.beta1, t)));  // η / (1 − β₁ᵗ)
    const Scalar inv_root_bc2 = Scalar(1 / std::sqrt(1 - std::pow(o_.beta2, t)));  // 1/√(1 − β₂ᵗ)
    const Scalar b1 = Scalar(o_.beta1), b2 = Scalar(o_.beta2), eps = Scalar(o_.eps);
    const Scalar l2 = decoupled ? Scalar(0) : Scalar(o_.weight_decay);
    const Scalar shrink = decoupled ? Scalar(1 - lr * o_.weight_decay) : Scalar(1);

    Scalar* w = p.value_data();
    Scalar* grad = p.grad_data();  // read only
    Scalar* m = this->state(m_, p, k).data();
    Scalar* v = this->state(v_, p, k).data();
    Scalar* vmax = o_.amsgrad ? this->state(vmax_, p, k).data() : nullptr;
    this->for_each_block(p, [&](Index i, Index n) {
      auto W = this->slice(w, i, n), M = this->slice(m, i, n), V = this->slice(v, i, n);
      const auto G = this->slice(grad, i, n);
      if (decoupled) W *= shrink;  // AdamW: w (1 − η λ)
      if (l2 != 0) {
        M = b1 * M + (1 - b1) * (G + l2 * W);  // m ← β₁ m + (1 − β₁) g,  g = ∇w + λ w
        V = b2 * V + (1 - b2) * (G + l2 * W).square();  // v ← β₂ v + (1 − β₂) g²
      } else {
        M = b1 * M + (1 - b1) * G;           // m ← β₁ m + (1 − β₁) g
        V = b2 * V + (1 - b2) * G.square();  // v ← β₂ v + (1 − β₂) g²
      }
      if (vmax) {
        auto Vmax = this->slice(vmax, i, n);
        Vmax = Vmax.max(V);                                  // AMSGrad: v_max ← max(v_max, v)
        W -= step * M / (Vmax.sqrt() * inv_root_bc2 + eps);  // w ← w − η m̂/(√v̂ + ε)
      } else {
        W -= step * M / (V.sqrt() * inv_root_bc2 + eps);  // w ← w − η m̂/(√v̂ + ε)
      }
    });
  }

  void update(const Parameter<Scalar>& p, std::size_t k) override { adam_update(p, k, false); }
  void reset_state() override {
    m_.clear();
    v_.clear();
    vmax_.clear();
  }

  AdamOptions o_;

 private:
  std::vector<Matrix<Scalar>> m_;     // first moment per parameter
  std::vector<Matrix<Scalar>> v_;     // second moment per parameter
  std::vector<Matrix<Scalar>> vmax_;  // AMSGrad's running maximum of v
};

}  // namespace hnn
