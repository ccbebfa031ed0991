// SPDX-License-Identifier: MIT
#pragma once
// Gaussian error linear unit (Hendrycks & Gimpel, 2016): the input weighted by
// the probability that a standard normal variable is below it.
//
// Exact form (PyTorch's default):
//   y = z Φ(z),  Φ(z) = ½ (1 + erf(z / √2))
//   dy/dz = Φ(z) + z φ(z),  φ(z) = e^(−z²/2) / √(2π)
//
// Tanh approximation (GELU(true); PyTorch's approximate='tanh'):
//   u = √(2/π) (z + 0.044715 z³),  y = ½ z (1 + tanh u)
//   dy/dz = ½ (1 + tanh u) + ½ z (1 − tanh² u) √(2/π) (1 + 3·0.044715 z²)

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace hnn {

/// The Gaussian error linear unit, y = z Φ(z), exact or with the tanh approximation.
template <typename Scalar>
struct GELU {
  static constexpr const char* name = "GELU";  ///< the name the layer and model files use
  bool tanh_approximation = false;             ///< the tanh form instead of the exact (erf) one

  GELU() = default;
  /// GELU, in the tanh approximation if `use_tanh_approximation`.
  explicit GELU(bool use_tanh_approximation) : tanh_approximation(use_tanh_approximation) {}

  /// What a model file stores to rebuild this function.
  std::vector<std::pair<std::string, double>> settings() const {
    return {{"tanh_approximation", tanh_approximation ? 1.0 : 0.0}};
  }

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    if (tanh_approximation) {
      y = Scalar(0.5) * z * (Scalar(1) + u(z).tanh());
    } else {
      y = z * Phi(z);
    }
  }
  /// Fills dz = dy ⊙ f'(z).
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    if (tanh_approximation) {
      dz = u(z).tanh();  // t = tanh u, kept in dz
      dz = dy * (Scalar(0.5) * (Scalar(1) + dz) +
                 Scalar(0.5) * z * (Scalar(1) - dz.square()) * Scalar(k_sqrt_2_over_pi) *
                     (Scalar(1) + Scalar(3 * k_cubic) * z.square()));
    } else {
      dz = (Scalar(-0.5) * z.square()).exp() * Scalar(k_inv_sqrt_2pi);  // φ(z), kept in dz
      dz = dy * (Phi(z) + z * dz);  // dz = dy ⊙ (Φ(z) + z φ(z))
    }
  }

 private:
  static constexpr double k_sqrt_2_over_pi = 0.79788456080286535587989211986876;
  static constexpr double k_inv_sqrt_2pi = 0.39894228040143267793994605993438;
  static constexpr double k_inv_sqrt_2 = 0.70710678118654752440084436210485;
  static constexpr double k_cubic = 0.044715;

  // Φ(z) = ½ (1 + erf(z / √2)); Eigen's core has no erf, so std::erf per element.
  template <typename Z>
  static auto Phi(const Z& z) {
    return z.unaryExpr(
        [](Scalar v) { return Scalar(0.5) * (Scalar(1) + std::erf(v * Scalar(k_inv_sqrt_2))); });
  }
  // u = √(2/π) (z + 0.044715 z³)
  template <typename Z>
  static auto u(const Z& z) {
    return Scalar(k_sqrt_2_over_pi) * (z + Scalar(k_cubic) * z.cube());
  }
};

}  // namespace hnn
