// SPDX-License-Identifier: MIT
#pragma once
// RMSProp (Hinton, 2012), as torch.optim.RMSprop: divide each step by a
// running root-mean-square of recent gradients instead of AdaGrad's
// ever-growing sum, so the step size does not decay to zero.
//
//   g ← ∇w + λ w
//   v ← α v + (1 − α) g²                           α = 0.99 (PyTorch's default)
//   d ← √v + ε                                     ε outside the root
//       (centered: a ← α a + (1 − α) g,  d ← √(v − a²) + ε)
//   w ← w − η g / d              without momentum
//   b ← μ b + g / d,  w ← w − η b  with momentum μ

#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

struct RMSPropOptions {
  double learning_rate = 0.01;
  double alpha = 0.99;        // α, smoothing of the squared-gradient average
  double eps = 1e-8;          // ε
  double weight_decay = 0.0;  // λ
  double momentum = 0.0;      // μ
  bool centered = false;
};

template <typename Scalar>
class RMSProp : public Optimizer<Scalar> {
 public:
  explicit RMSProp(double learning_rate = 0.01) : RMSProp(RMSPropOptions{learning_rate}) {}
  explicit RMSProp(const RMSPropOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    this->check_range("RMSProp", "alpha", o.alpha, 0.0, 1.0);
    this->check_range("RMSProp", "momentum", o.momentum, 0.0, 1.0);
    if (!(o.eps >= 0)) throw ArgumentError("RMSProp: eps must be >= 0");
    if (!(o.weight_decay >= 0)) throw ArgumentError("RMSProp: weight_decay must be >= 0");
  }
  std::string name() const override { return "RMSProp"; }

 protected:
  void update(const Parameter<Scalar>& p, std::size_t k) override {
    auto W = p.value();
    const auto G = p.grad();
    const Scalar lr = Scalar(this->learning_rate()), a = Scalar(o_.alpha),
                 wd = Scalar(o_.weight_decay), eps = Scalar(o_.eps), mu = Scalar(o_.momentum);
    auto& V = this->state(squares_, p, k);
    V.array() =
        a * V.array() + (1 - a) * (G.array() + wd * W.array()).square();  // v ← αv + (1−α)g²
    auto& D = this->state(denominators_, p, k);
    if (o_.centered) {
      auto& A = this->state(averages_, p, k);
      A.array() = a * A.array() + (1 - a) * (G.array() + wd * W.array());  // a ← αa + (1−α)g
      D.array() = (V.array() - A.array().square()).sqrt() + eps;  // d ← √(v − a²) + ε
    } else {
      D.array() = V.array().sqrt() + eps;  // d ← √v + ε
    }
    if (o_.momentum > 0) {
      auto& B = this->state(momenta_, p, k);
      B.array() = mu * B.array() + (G.array() + wd * W.array()) / D.array();  // b ← μb + g/d
      W.array() -= lr * B.array();                                            // w ← w − η b
    } else {
      W.array() -= lr * (G.array() + wd * W.array()) / D.array();  // w ← w − η g/d
    }
  }
  void reset_state() override {
    squares_.clear();
    averages_.clear();
    momenta_.clear();
    denominators_.clear();
  }

 private:
  RMSPropOptions o_;
  std::vector<Matrix<Scalar>> squares_;       // v
  std::vector<Matrix<Scalar>> averages_;      // a (centered only)
  std::vector<Matrix<Scalar>> momenta_;       // b (momentum only)
  std::vector<Matrix<Scalar>> denominators_;  // d, scratch
};

}  // namespace hnn
