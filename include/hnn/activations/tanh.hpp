// SPDX-License-Identifier: MIT
#pragma once
// Hyperbolic tangent: squashes into (−1, 1), zero-centred.
//
//   y = tanh(z) = (e^z − e^−z) / (e^z + e^−z)        dy/dz = 1 − tanh²(z) = 1 − y²

namespace hnn {

/// The hyperbolic tangent, y = tanh(z).
template <typename Scalar>
struct Tanh {
  static constexpr const char* name = "Tanh";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.tanh();  // y = tanh z
  }
  /// Fills dz = dy ⊙ f'(z), from the output y.
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) - y.square());  // dz = dy ⊙ (1 − y²)
  }
};

}  // namespace hnn
