// SPDX-License-Identifier: MIT
#pragma once
// Mean absolute error, PyTorch's L1Loss (reduction="mean"):
//
//   L = (1/N) Σ |p − t|               ∂L/∂p = sign(p − t) / N
//
// |x| has a kink at 0; like PyTorch we take sign(0) = 0 there.

#include <string>

#include "hnn/losses/loss.hpp"

namespace hnn {

/// Mean absolute error, (1/N) Σ |p − t| (PyTorch's L1Loss).
template <typename Scalar>
class MAE : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "MAE"; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    return (P - T).cwiseAbs().sum() / Scalar(P.size());  // (1/N) Σ |p − t|
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP = (P - T).cwiseSign() / Scalar(P.size());  // sign(p − t) / N
  }
};

}  // namespace hnn
