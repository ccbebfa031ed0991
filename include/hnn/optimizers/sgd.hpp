// SPDX-License-Identifier: MIT
#pragma once
// Stochastic gradient descent, with PyTorch's momentum, Nesterov and weight
// decay (torch.optim.SGD), so results match number for number:
//
//   g ← ∇w + λ w                                weight decay λ (L2 penalty)
//   b ← g                       at the first step
//   b ← μ b + (1 − τ) g         afterwards      momentum μ, dampening τ
//   g ← g + μ b  (Nesterov)  or  g ← b          (when μ > 0)
//   w ← w − η g                                 learning rate η
//
// Plain SGD (μ = 0) is w ← w − η (∇w + λ w).

#include <sstream>
#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

struct SGDOptions {
  double learning_rate = 0.01;
  double momentum = 0.0;      // μ
  double dampening = 0.0;     // τ
  double weight_decay = 0.0;  // λ
  bool nesterov = false;
};

template <typename Scalar>
class SGD : public Optimizer<Scalar> {
 public:
  explicit SGD(double learning_rate = 0.01) : SGD(SGDOptions{learning_rate}) {}
  explicit SGD(const SGDOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    this->check_range("SGD", "momentum", o.momentum, 0.0, 1.0);
    this->check_range("SGD", "dampening", o.dampening, 0.0, 1.0, true);
    if (!(o.weight_decay >= 0)) throw ArgumentError("SGD: weight_decay must be >= 0");
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
      throw ArgumentError("SGD: nesterov needs momentum > 0 and dampening = 0");
    }
  }
  std::string name() const override { return "SGD"; }
  const SGDOptions& options() const { return o_; }

 protected:
  void update(const Parameter<Scalar>& p, std::size_t k) override {
    const Scalar lr = Scalar(this->learning_rate()), mu = Scalar(o_.momentum),
                 wd = Scalar(o_.weight_decay), damp = Scalar(1 - o_.dampening);
    // w ← w − η ∇w as one product when the layer kept ∇w's factors (Dense at
    // small batches: ∇w = dZ Xᵀ is never written; core/parameter.hpp).
    if (mu == 0 && wd == 0 && p.add_deferred_gradient(-lr)) return;
    Scalar* w = p.value_data();
    Scalar* grad = p.grad_data();  // read only
    Scalar* b = o_.momentum == 0 ? nullptr : this->state(buffers_, p, k).data();
    const bool first = this->steps() == 1;
    this->for_each_block(p, [&](Index i, Index n) {
      auto W = this->slice(w, i, n);
      const auto G = this->slice(grad, i, n);  // ∇w
      if (!b) {
        W -= lr * (G + wd * W);  // w ← w − η (∇w + λ w)
        return;
      }
      auto B = this->slice(b, i, n);
      if (first) {
        B = G + wd * W;  // b ← g
      } else {
        B = mu * B + damp * (G + wd * W);  // b ← μ b + (1 − τ) g
      }
      if (o_.nesterov) {
        W -= lr * (G + wd * W + mu * B);  // w ← w − η (g + μ b)
      } else {
        W -= lr * B;  // w ← w − η b
      }
    });
  }
  void reset_state() override { buffers_.clear(); }

 private:
  SGDOptions o_;
  std::vector<Matrix<Scalar>> buffers_;  // momentum b per parameter
};

}  // namespace hnn
