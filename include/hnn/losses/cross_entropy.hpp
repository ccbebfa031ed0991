// SPDX-License-Identifier: MIT
#pragma once
// Cross-entropy on probabilities: the network ends in a Softmax layer and P
// holds one probability distribution per column. With one-hot targets T or
// class labels y (n samples):
//
//   L = −(1/n) Σ_j Σ_i t_ij ln p_ij  = −(1/n) Σ_j ln p_(y_j, j)
//   ∂L/∂p_ij = −t_ij / (p_ij n)       (zero except at the true class)
//
// The mean is over samples, as in PyTorch's NLLLoss of log-probabilities.
// p is clamped to [ε, 1 − ε] so ln never sees 0. This is the teaching path:
// the −t/p gradient blows up as p → 0; SoftmaxCrossEntropy on logits is what
// training should use.

#include <cmath>
#include <string>

#include "hnn/losses/loss.hpp"

namespace hnn {

/// Cross-entropy on probabilities, for a network that ends in a Softmax layer.
template <typename Scalar>
class CrossEntropy : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "CrossEntropy"; }
  bool takes_labels() const override { return true; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    const Scalar eps = probability_epsilon<Scalar>();
    return -(T.array() * P.array().max(eps).min(Scalar(1) - eps).log()).sum() / Scalar(P.cols());
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    const Scalar eps = probability_epsilon<Scalar>();
    dP.array() = -T.array() / (P.array().max(eps).min(Scalar(1) - eps) * Scalar(P.cols()));
  }
  Scalar value_impl(const In& P, const LabelsRef& y) const override {
    Scalar sum = 0;
    for (Index j = 0; j < P.cols(); ++j)
      sum -= std::log(clamp(P(y(j), j)));  // −ln p_(y_j, j)
    return sum / Scalar(P.cols());
  }
  void gradient_impl(const In& P, const LabelsRef& y, Out& dP) const override {
    dP.setZero();
    for (Index j = 0; j < P.cols(); ++j)
      dP(y(j), j) = -Scalar(1) / (clamp(P(y(j), j)) * P.cols());
  }

 private:
  static Scalar clamp(Scalar p) {
    const Scalar eps = probability_epsilon<Scalar>();
    return p < eps ? eps : (p > Scalar(1) - eps ? Scalar(1) - eps : p);
  }
};

}  // namespace hnn
