// SPDX-License-Identifier: MIT
#pragma once
// Softplus: a smooth ReLU.
//
//   y = ln(1 + e^z)        dy/dz = e^z / (1 + e^z) = σ(z)
//
// Written as y = max(z, 0) + ln(1 + e^−|z|), which is the same number but
// never takes e of a positive argument: ln(1 + e^1000) would overflow to inf,
// while 1000 + ln(1 + e^−1000) = 1000.

namespace hnn {

/// Softplus, y = ln(1 + e^z): a smooth ReLU.
template <typename Scalar>
struct Softplus {
  static constexpr const char* name = "Softplus";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.max(Scalar(0)) + (-z.abs()).exp().log1p();  // max(z,0) + ln(1 + e^−|z|)
  }
  /// Fills dz = dy ⊙ f'(z).
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) + (-z).exp()).inverse();  // dz = dy ⊙ σ(z)
  }
};

}  // namespace hnn
