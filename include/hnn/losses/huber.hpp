// SPDX-License-Identifier: MIT
#pragma once
// Huber loss, PyTorch's HuberLoss(delta=δ, reduction="mean"): quadratic for
// small errors, linear for large ones, so outliers pull less than in MSE.
//
//   with e = p − t:
//   ℓ(e) = ½ e²             if |e| ≤ δ        ℓ'(e) = e
//        = δ (|e| − ½ δ)    otherwise         ℓ'(e) = δ sign(e)
//   L = (1/N) Σ ℓ(e)                          ∂L/∂p = ℓ'(e) / N
//
// ℓ' is continuous (both pieces give ±δ at |e| = δ), so there is no kink.

#include <string>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/losses/loss.hpp"

namespace hnn {

/// The Huber loss: quadratic for |p − t| ≤ δ, linear beyond (PyTorch's HuberLoss).
template <typename Scalar>
class Huber : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;

  /// Huber loss with the threshold δ > 0 between the two parts.
  explicit Huber(Scalar delta = Scalar(1)) : delta_(delta) {
    check_above("Huber", "delta", double(delta), 0);
  }
  std::string name() const override { return "Huber"; }
  /// The threshold δ.
  Scalar delta() const { return delta_; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    const Scalar d = delta_;
    return (P - T).unaryExpr([d](Scalar e) { return ell(e, d); }).sum() / Scalar(P.size());
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP.array() = (P - T).array().max(-delta_).min(delta_) / Scalar(P.size());  // clamp(e, ±δ) / N
  }

 private:
  static Scalar ell(Scalar e, Scalar d) {
    const Scalar a = e < 0 ? -e : e;
    return a <= d ? Scalar(0.5) * e * e : d * (a - Scalar(0.5) * d);  // ℓ(e)
  }
  Scalar delta_;
};

}  // namespace hnn
