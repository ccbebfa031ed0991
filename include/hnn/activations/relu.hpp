// SPDX-License-Identifier: MIT
#pragma once
// Rectified linear unit.
//
//   y = max(z, 0)        dy/dz = 1 if z > 0, else 0
//
// The derivative at z = 0 does not exist; like PyTorch we use 0 there.

namespace hnn {

/// The rectified linear unit, y = max(z, 0).
template <typename Scalar>
struct ReLU {
  static constexpr const char* name = "ReLU";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.max(Scalar(0));  // y = max(z, 0)
  }
  /// Fills dz = dy ⊙ f'(z).
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    dz = (z > Scalar(0)).select(dy, Scalar(0));  // dz = dy ⊙ [z > 0]
  }
};

}  // namespace hnn
