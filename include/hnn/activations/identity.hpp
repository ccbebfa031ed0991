// SPDX-License-Identifier: MIT
#pragma once
// Identity: the "no activation", for a linear output layer (regression).
//
//   y = z                 dy/dz = 1
//
// Every activation struct has the same shape: forward(z, y) fills y = f(z)
// and backward(z, y, dy, dz) fills dz = dy ⊙ f'(z), given the input z and the
// output y that forward produced (whichever makes f' cheaper). The arguments
// are Eigen arrays of one batch; all operations are element-wise.

namespace hnn {

/// The identity, y = z: no activation, for a linear output layer.
template <typename Scalar>
struct Identity {
  static constexpr const char* name = "Identity";  ///< the name the layer and model files use

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = z;  // y = z
  }
  /// Fills dz = dy ⊙ f'(z), given the input z and the output y.
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& /*z*/, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    dz = dy;  // dz = dy · 1
  }
};

}  // namespace hnn
