// SPDX-License-Identifier: MIT
#pragma once
// SiLU, also called Swish: the input gated by its own sigmoid.
//
//   y = z σ(z)        dy/dz = σ(z) + z σ(z)(1 − σ(z)) = σ(z) (1 + z (1 − σ(z)))

namespace hnn {

/// SiLU (Swish), y = z σ(z).
template <typename Scalar>
struct SiLU {
  static constexpr const char* name = "SiLU";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z * (Scalar(1) + (-z).exp()).inverse();  // y = z σ(z)
  }
  /// Fills dz = dy ⊙ f'(z).
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    dz = (Scalar(1) + (-z).exp()).inverse();            // σ(z), kept in dz
    dz = dy * dz * (Scalar(1) + z * (Scalar(1) - dz));  // dz = dy ⊙ σ (1 + z(1 − σ))
  }
};

/// Swish, the other name of SiLU.
template <typename Scalar>
using Swish = SiLU<Scalar>;

}  // namespace hnn
