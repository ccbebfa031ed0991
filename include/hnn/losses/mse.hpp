// SPDX-License-Identifier: MIT
#pragma once
// Mean squared error, PyTorch's MSELoss (reduction="mean"): the mean over all
// N = outputs × n elements, with no ½.
//
//   L = (1/N) Σ (p − t)²              ∂L/∂p = 2 (p − t) / N

#include <string>

#include "hnn/losses/loss.hpp"

namespace hnn {

/// Mean squared error, (1/N) Σ (p − t)² (PyTorch's MSELoss).
template <typename Scalar>
class MSE : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "MSE"; }

 protected:
  Scalar value_impl(const In& P, const In& T) const override {
    return (P - T).squaredNorm() / Scalar(P.size());  // (1/N) Σ (p − t)²
  }
  void gradient_impl(const In& P, const In& T, Out& dP) const override {
    dP = (Scalar(2) / Scalar(P.size())) * (P - T);  // 2 (p − t) / N
  }
};

}  // namespace hnn
