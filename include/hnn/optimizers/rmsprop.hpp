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
//   (one formula per combination of centered and momentum below; d is
//   written out inside each)
//   w ← w − η g / d              without momentum
//   b ← μ b + g / d,  w ← w − η b  with momentum μ

#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

/// The settings of RMSProp (PyTorch's defaults).
struct RMSPropOptions {
  double learning_rate = 0.01;  ///< η
  double alpha = 0.99;          ///< α, smoothing of the squared-gradient average
  double eps = 1e-8;            ///< ε
  double weight_decay = 0.0;    ///< λ
  double momentum = 0.0;        ///< μ
  bool centered = false;        ///< divide by the centred root mean square, √(v − a²)
};

/// RMSProp: steps divided by a running root-mean-square of the gradients (torch.optim.RMSprop).
template <typename Scalar>
class RMSProp : public Optimizer<Scalar> {
 public:
  /// RMSProp with the learning rate η and the other settings at PyTorch's defaults.
  explicit RMSProp(double learning_rate = 0.01) : RMSProp(RMSPropOptions{learning_rate}) {}
  /// RMSProp with the settings `o`.
  explicit RMSProp(const RMSPropOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    check_half_open("RMSProp", "alpha", o.alpha, 0.0, 1.0);
    check_half_open("RMSProp", "momentum", o.momentum, 0.0, 1.0);
    check_above("RMSProp", "eps", o.eps, 0);  // ε = 0: a zero gradient gives 0/0
    check_at_least("RMSProp", "weight_decay", o.weight_decay, 0);
  }
  std::string name() const override { return "RMSProp"; }

 protected:
  void update(Parameter<Scalar>& p, std::size_t k) override {
    const Scalar lr = Scalar(this->learning_rate()), a = Scalar(o_.alpha),
                 wd = Scalar(o_.weight_decay), eps = Scalar(o_.eps), mu = Scalar(o_.momentum);
    auto& V = this->state(squares_, p, k);
    if (o_.centered && o_.momentum > 0) {
      this->apply(
          p,
          [=](auto w, auto g, auto v, auto avg, auto b) {
            v = a * v + (1 - a) * (g + wd * w).square();  // v ← α v + (1 − α) g²
            avg = a * avg + (1 - a) * (g + wd * w);       // a ← α a + (1 − α) g
            b = mu * b + (g + wd * w) / ((v - avg.square()).sqrt() + eps);  // b ← μ b + g / d
            w -= lr * b;                                                    // w ← w − η b
          },
          V, this->state(averages_, p, k), this->state(momenta_, p, k));
    } else if (o_.centered) {
      this->apply(
          p,
          [=](auto w, auto g, auto v, auto avg) {
            v = a * v + (1 - a) * (g + wd * w).square();  // v ← α v + (1 − α) g²
            avg = a * avg + (1 - a) * (g + wd * w);       // a ← α a + (1 − α) g
            w -= lr * (g + wd * w) / ((v - avg.square()).sqrt() + eps);  // w ← w − η g / d
          },
          V, this->state(averages_, p, k));
    } else if (o_.momentum > 0) {
      this->apply(
          p,
          [=](auto w, auto g, auto v, auto b) {
            v = a * v + (1 - a) * (g + wd * w).square();   // v ← α v + (1 − α) g²
            b = mu * b + (g + wd * w) / (v.sqrt() + eps);  // b ← μ b + g / d
            w -= lr * b;                                   // w ← w − η b
          },
          V, this->state(momenta_, p, k));
    } else {
      this->apply(
          p,
          [=](auto w, auto g, auto v) {
            v = a * v + (1 - a) * (g + wd * w).square();  // v ← α v + (1 − α) g²
            w -= lr * (g + wd * w) / (v.sqrt() + eps);    // w ← w − η g / d
          },
          V);
    }
  }

  typename Optimizer<Scalar>::StateTensors state_tensors() override {
    return {{"square_average", &squares_}, {"average", &averages_}, {"momentum", &momenta_}};
  }

 private:
  RMSPropOptions o_;
  std::vector<Matrix<Scalar>> squares_;   // v
  std::vector<Matrix<Scalar>> averages_;  // a (centered only)
  std::vector<Matrix<Scalar>> momenta_;   // b (momentum only)
};

}  // namespace hnn
