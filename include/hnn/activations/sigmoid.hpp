// SPDX-License-Identifier: MIT
#pragma once
// Sigmoid (logistic): squashes any real number into (0, 1).
//
//   y = σ(z) = 1 / (1 + e^(−z))        dy/dz = σ(z)(1 − σ(z)) = y(1 − y)
//
// Safe for large |z|: z = −1000 gives e^1000 = inf and 1/inf = 0; z = 1000
// gives e^−1000 = 0 and y = 1. No inf/inf, so never NaN.

namespace hnn {

/// The sigmoid (logistic) function, y = 1 / (1 + e^(−z)).
template <typename Scalar>
struct Sigmoid {
  static constexpr const char* name = "Sigmoid";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = (Scalar(1) + (-z).exp()).inverse();  // y = 1 / (1 + e^−z)
  }
  /// Fills dz = dy ⊙ f'(z), from the output y.
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * y * (Scalar(1) - y);  // dz = dy ⊙ y ⊙ (1 − y)
  }
};

}  // namespace hnn
