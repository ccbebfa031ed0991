// SPDX-License-Identifier: MIT
#pragma once
// Binary cross-entropy on probabilities, PyTorch's BCELoss (reduction="mean"):
// p = P(class 1) comes out of a sigmoid, t ∈ [0, 1] is the target.
//
//   L = −(1/N) Σ [t ln p + (1 − t) ln(1 − p)]
//   ∂L/∂p = (1/N) [−t/p + (1 − t)/(1 − p)] = (p − t) / (p (1 − p) N)
//
// p is clamped to [ε, 1 − ε] so a log never sees 0. This path is for
// teaching: chained with a sigmoid's y(1 − y) the p(1 − p) cancels in exact
// arithmetic, but not when p has rounded to 0 or 1. Train with
// BinaryCrossEntropyWithLogits, which does the cancellation on paper.

#include <string>

#include "hnn/losses/loss.hpp"

namespace hnn {

/// Binary cross-entropy on probabilities (PyTorch's BCELoss).
template <typename Scalar>
class BinaryCrossEntropy : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "BinaryCrossEntropy"; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    return -(T.array() * clamped(P).log() +
             (Scalar(1) - T.array()) * (Scalar(1) - clamped(P)).log())
                .sum() /
           Scalar(P.size());
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP.array() = clamped(P);  // p, kept in dP
    dP.array() = (dP.array() - T.array()) / (dP.array() * (Scalar(1) - dP.array())) /
                 Scalar(P.size());  // (p − t) / (p (1 − p) N)
  }

 private:
  // clamp(p, ε, 1 − ε), as an expression
  static auto clamped(const In& P) {
    const Scalar eps = probability_epsilon<Scalar>();
    return P.array().max(eps).min(Scalar(1) - eps);
  }
};

}  // namespace hnn
