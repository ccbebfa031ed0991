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
// Plain SGD (μ = 0) is w ← w − η (∇w + λ w). The update below is the
// formula, one line per equation, on whole tensors (optimizers/optimizer.hpp:
// apply runs it block by block).

#include <string>
#include <vector>

#include "hnn/optimizers/optimizer.hpp"
#include "hnn/perf/lazy_gradient.hpp"

namespace hnn {

/// The settings of SGD (PyTorch's defaults, except the learning rate).
struct SGDOptions {
  double learning_rate = 0.01;  ///< η
  double momentum = 0.0;        ///< μ
  double dampening = 0.0;       ///< τ
  double weight_decay = 0.0;    ///< λ
  bool nesterov = false;        ///< Nesterov's momentum, g + μ b
};

/// Stochastic gradient descent, with momentum, Nesterov and weight decay (torch.optim.SGD).
template <typename Scalar>
class SGD : public Optimizer<Scalar> {
 public:
  /// Plain SGD with the learning rate η.
  explicit SGD(double learning_rate = 0.01) : SGD(SGDOptions{learning_rate}) {}
  /// SGD with the settings `o`.
  explicit SGD(const SGDOptions& o) : Optimizer<Scalar>(o.learning_rate), o_(o) {
    check_half_open("SGD", "momentum", o.momentum, 0.0, 1.0);
    check_closed("SGD", "dampening", o.dampening, 0.0, 1.0);
    check_at_least("SGD", "weight_decay", o.weight_decay, 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
      throw ArgumentError("SGD: nesterov needs momentum > 0 and dampening = 0");
    }
  }
  std::string name() const override { return "SGD"; }
  /// The settings.
  const SGDOptions& options() const { return o_; }

 protected:
  void update(Parameter<Scalar>& p, std::size_t k) override {
    const Scalar lr = Scalar(this->learning_rate()), mu = Scalar(o_.momentum),
                 wd = Scalar(o_.weight_decay), damp = Scalar(1 - o_.dampening);
    const bool nesterov = o_.nesterov;
    // Plain SGD on a gradient held as factors (Dense at small batches): the
    // same step, w ← w − η dZ Xᵀ, as one product (perf/lazy_gradient.hpp).
    if (this->update_path() == UpdatePath::fast && mu == 0 && wd == 0 &&
        add_scaled_gradient_from_factors(p, -lr)) {
      return;
    }
    if (o_.momentum == 0) {
      this->apply(p, [=](auto w, auto g) {
        w -= lr * (g + wd * w);  // w ← w − η (∇w + λ w)
      });
      return;
    }
    const bool first = this->steps() == 1;
    this->apply(
        p,
        [=](auto w, auto g, auto b) {
          if (first) {
            b = g + wd * w;  // b ← g
          } else {
            b = mu * b + damp * (g + wd * w);  // b ← μ b + (1 − τ) g
          }
          if (nesterov) {
            w -= lr * (g + wd * w + mu * b);  // w ← w − η (g + μ b)
          } else {
            w -= lr * b;  // w ← w − η b
          }
        },
        this->state(buffers_, p, k));
  }

  typename Optimizer<Scalar>::StateTensors state_tensors() override {
    return {{"momentum", &buffers_}};
  }

 private:
  SGDOptions o_;
  std::vector<Matrix<Scalar>> buffers_;  // momentum b per parameter
};

}  // namespace hnn
