// SPDX-License-Identifier: MIT
#pragma once
// Hyperbolic tangent: squashes into (−1, 1), zero-centred.
//
//   y = tanh(z) = (e^z − e^−z) / (e^z + e^−z)        dy/dz = 1 − tanh²(z) = 1 − y²

namespace hnn {

template <typename Scalar>
struct Tanh {
  static constexpr const char* name = "Tanh";

  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z.tanh();  // y = tanh z
  }
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& y, const DY& dy, DZ&& dz) const {
    dz = dy * (Scalar(1) - y.square());  // dz = dy ⊙ (1 − y²)
  }
};

}  // namespace hnn
