// SPDX-License-Identifier: MIT
#pragma once
// Leaky ReLU: a small slope α for negative inputs, so a unit is never dead.
//
//   y = z if z > 0, else α z        dy/dz = 1 if z > 0, else α

#include <string>
#include <utility>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"

namespace hnn {

/// Leaky ReLU, y = z or α z: a small slope for negative inputs.
template <typename Scalar>
struct LeakyReLU {
  static constexpr const char* name = "LeakyReLU";  ///< the name the layer and model files use
  Scalar alpha = Scalar(0.01);                      ///< PyTorch's default negative slope

  LeakyReLU() = default;
  /// Leaky ReLU with the negative slope α ≥ 0.
  explicit LeakyReLU(Scalar a) : alpha(a) { check_at_least("LeakyReLU", "alpha", double(a), 0); }

  /// What a model file stores to rebuild this function.
  std::vector<std::pair<std::string, double>> settings() const {
    return {{"alpha", double(alpha)}};
  }

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = (z > Scalar(0)).select(z, alpha * z);  // y = z or α z
  }
  /// Fills dz = dy ⊙ f'(z).
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& /*y*/, const DY& dy, DZ&& dz) const {
    dz = (z > Scalar(0)).select(dy, alpha * dy);  // dz = dy or α dy
  }
};

}  // namespace hnn
