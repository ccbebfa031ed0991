// SPDX-License-Identifier: MIT
#pragma once
// AdaGrad (Duchi et al., 2011), as torch.optim.Adagrad: each weight's step is
// divided by the root of the sum of all its past squared gradients, so
// often-updated weights slow down and rare ones keep a large step.
//
//   g ← ∇w + λ w
//   s ← s + g²                          s starts at s₀ (initial_accumulator)
//   η_t = η / (1 + (t − 1) δ)           learning-rate decay δ
//   w ← w − η_t g / (√s + ε)

#include <cmath>
#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

/// The settings of AdaGrad (PyTorch's defaults).
struct AdaGradOptions {
  double learning_rate = 0.01;       ///< η
  double lr_decay = 0.0;             ///< δ
  double weight_decay = 0.0;         ///< λ
  double initial_accumulator = 0.0;  ///< s₀
  double eps = 1e-10;                ///< ε
};

/// AdaGrad: steps divided by the root of each weight's sum of squared gradients.
template <typename Scalar>
class AdaGrad : public Optimizer<Scalar> {
 public:
  /// AdaGrad with the learning rate η and the other settings at PyTorch's defaults.
  explicit AdaGrad(double learning_rate = 0.01) : AdaGrad(AdaGradOptions{learning_rate}) {}
  /// AdaGrad with the settings `o`.
  explicit AdaGrad(const AdaGradOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    check_at_least("AdaGrad", "lr_decay", o.lr_decay, 0);
    check_at_least("AdaGrad", "weight_decay", o.weight_decay, 0);
    check_at_least("AdaGrad", "initial_accumulator", o.initial_accumulator, 0);
    check_above("AdaGrad", "eps", o.eps, 0);  // ε = 0: a zero gradient gives 0/0
  }
  std::string name() const override { return "AdaGrad"; }

 protected:
  void update(Parameter<Scalar>& p, std::size_t k) override {
    const bool fresh = sums_.size() <= k || sums_[k].size() != p.size();
    auto& S = this->state(sums_, p, k);
    if (fresh) S.setConstant(Scalar(o_.initial_accumulator));  // s₀
    const Scalar wd = Scalar(o_.weight_decay), eps = Scalar(o_.eps);
    const Scalar lr_t =
        Scalar(this->learning_rate() / (1 + double(this->steps() - 1) * o_.lr_decay));  // η_t
    this->apply(
        p,
        [=](auto w, auto g, auto s) {
          s += (g + wd * w).square();                   // s ← s + g²,  g = ∇w + λ w
          w -= lr_t * (g + wd * w) / (s.sqrt() + eps);  // w ← w − η_t g / (√s + ε)
        },
        S);
  }

  typename Optimizer<Scalar>::StateTensors state_tensors() override { return {{"sum", &sums_}}; }

 private:
  AdaGradOptions o_;
  std::vector<Matrix<Scalar>> sums_;  // s per parameter
};

}  // namespace hnn
