// SPDX-License-Identifier: MIT
#pragma once
// Scaled ELU (Klambauer et al., 2017): with LeCun-normal weights, activations
// keep mean 0 and variance 1 through many layers.
//
//   y = λ z if z > 0, else λ α (e^z − 1)        dy/dz = λ if z > 0, else λ α e^z = y + λ α
//
// λ ≈ 1.0507 and α ≈ 1.6733 are the constants of the paper (and of PyTorch).

namespace hnn {

/// The scaled exponential linear unit, y = λ z or λ α (e^z − 1).
template <typename Scalar>
struct SELU {
  static constexpr const char* name = "SELU";  ///< the name the layer and model files use
  static constexpr Scalar lambda = Scalar(1.0507009873554804934193349852946);  ///< λ of the paper
  static constexpr Scalar alpha = Scalar(1.6732632423543772848170429916717);   ///< α of the paper

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = lambda * (z > Scalar(0)).select(z, alpha * z.min(Scalar(0)).expm1());
  }
  /// Fills dz = dy ⊙ f'(z), from the input z and the output y.
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& y, const DY& dy, DZ&& dz) const {
    dz = (z > Scalar(0)).select(lambda * dy, dy * (y + lambda * alpha));
  }
};

}  // namespace hnn
